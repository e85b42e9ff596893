import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { closedSecurityGroup } from '../../src/private/closed-security-group';

const NO_TRAFFIC = { CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 };

function setup() {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'I', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const group = closedSecurityGroup(stack, 'Group', vpc, 'closed');
  const logicalId = stack.getLogicalId(group.node.defaultChild as ec2.CfnSecurityGroup);
  const egressOf = () => Template.fromStack(stack).toJSON().Resources[logicalId].Properties.SecurityGroupEgress;
  return { stack, vpc, group, egressOf };
}

test('keeps the no-traffic rule inline when the only egress rules are separate resources', () => {
  const { stack, vpc, group, egressOf } = setup();
  const other = new ec2.SecurityGroup(stack, 'Other', { vpc, allowAllOutbound: false });
  group.connections.allowTo(other, ec2.Port.tcp(443));
  group.addEgressRule(ec2.Peer.prefixList('pl-12345678'), ec2.Port.tcp(443));
  expect(egressOf()).toEqual([NO_TRAFFIC]);
  const standalone = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupEgress');
  expect(Object.keys(standalone)).toHaveLength(2);
});

test('a plain ec2.SecurityGroup in the same situation renders no inline egress (why this helper exists)', () => {
  const stack = new Stack(new App(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'I', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const plain = new ec2.SecurityGroup(stack, 'Plain', { vpc, allowAllOutbound: false });
  plain.addEgressRule(ec2.Peer.prefixList('pl-12345678'), ec2.Port.tcp(443));
  const rendered = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(plain.node.defaultChild as ec2.CfnSecurityGroup)].Properties;
  expect(rendered.SecurityGroupEgress).toBeUndefined();
});

test('renders the real inline rules, without the placeholder, when there are some', () => {
  const { group, egressOf } = setup();
  group.addEgressRule(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(443));
  expect(egressOf()).toEqual([expect.objectContaining({ CidrIp: '10.0.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })]);
});

test('refuses all-traffic egress like aws-cdk-lib does', () => {
  const { group } = setup();
  expect(() => group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.allTraffic())).toThrow(/all traffic/);
});
