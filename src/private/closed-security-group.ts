import { IResolvable, IResolveContext, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/**
 * aws-cdk-lib's "match no traffic" rule: ICMP type 252 code 86 to 255.255.255.255/32 matches nothing.
 */
const NO_TRAFFIC_RULE = {
  cidrIp: '255.255.255.255/32',
  description: 'Disallow all traffic',
  ipProtocol: 'icmp',
  fromPort: 252,
  toPort: 86,
};

/**
 * A security group whose template always lists its egress inline, so that EC2 never adds its default
 * "allow all outbound" rule.
 *
 * EC2 adds allow-all egress to a group created without egress rules. aws-cdk-lib drops its placeholder
 * rule as soon as any egress rule exists, even one rendered as a separate AWS::EC2::SecurityGroupEgress
 * resource (rules to other groups and to prefix lists are), and then relies on CloudFormation removing
 * the default rule when that resource is added. Keeping the placeholder inline whenever no inline rule
 * remains makes "no default egress" hold by the documented creation behaviour alone, with no window.
 */
export function closedSecurityGroup(scope: Construct, id: string, vpc: ec2.IVpc, description: string): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, { vpc, description, allowAllOutbound: false });
  const cfn = group.node.defaultChild as ec2.CfnSecurityGroup;
  cfn.securityGroupEgress = new InlineEgressOrPlaceholder(cfn.securityGroupEgress);
  return group;
}

/** Resolves to aws-cdk-lib's inline egress rules, or to the no-traffic rule when there are none. */
class InlineEgressOrPlaceholder implements IResolvable {
  public readonly creationStack: string[] = [];
  constructor(private readonly rendered: unknown) {}

  public resolve(context: IResolveContext): unknown {
    const rules = context.resolve(this.rendered);
    return Array.isArray(rules) && rules.length > 0 ? rules : [NO_TRAFFIC_RULE];
  }

  public toString(): string {
    return Token.asString(this);
  }
}
