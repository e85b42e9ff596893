import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { addReferenceConfigurations, REFERENCE_STACK_NAMES } from './reference-configurations';

const app = new App();
const stacks = addReferenceConfigurations(app);
const packs: Array<() => NagPack> = [
  () => new AwsSolutionsChecks(),
  () => new NIST80053R5Checks(),
  () => new HIPAASecurityChecks(),
  () => new PCIDSS321Checks(),
];

test('builds every reference configuration', () => {
  expect(stacks.map((s) => s.stackName)).toEqual(REFERENCE_STACK_NAMES);
});

describe.each(stacks.map((s) => [s.stackName, s] as [string, Stack]))('%s', (_name, stack) => {
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: any }>;
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

  test.each(packs.map((p) => [p().readPackName, p] as [string, () => NagPack]))('cdk-nag %s reports nothing unacknowledged', (_pack, make) => {
    const report = make().validateScope(stack);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  test('every cdk-nag acknowledgement is on one CloudFormation resource and gives a reason', () => {
    const nagRule = /^(AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321)-/;
    let count = 0;
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
        for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
          if (!nagRule.test(rule)) continue; // aws-cdk-lib acknowledges its own CloudFormation-Validate rules
          count++;
          expect({ rule, path: construct.node.path, isCfnResource: CfnResource.isCfnResource(construct) })
            .toEqual({ rule, path: construct.node.path, isCfnResource: true });
          expect(reason.length).toBeGreaterThan(40);
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });

  test('no security group falls back to EC2\'s default allow-all egress', () => {
    const groups = ofType('AWS::EC2::SecurityGroup');
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(group.Properties.SecurityGroupEgress?.length).toBeGreaterThan(0);
  });

  test('no rule opens all protocols or the internet', () => {
    const rules = [
      ...ofType('AWS::EC2::SecurityGroup').flatMap((g) => [...(g.Properties.SecurityGroupEgress ?? []), ...(g.Properties.SecurityGroupIngress ?? [])]),
      ...ofType('AWS::EC2::SecurityGroupEgress').map((r) => r.Properties),
      ...ofType('AWS::EC2::SecurityGroupIngress').map((r) => r.Properties),
    ];
    for (const rule of rules) {
      expect(rule.IpProtocol).not.toBe('-1');
      expect(rule.CidrIp).not.toBe('0.0.0.0/0');
      expect(rule.CidrIpv6).toBeUndefined();
    }
  });

  test('no subnet assigns public IPs', () => {
    for (const subnet of ofType('AWS::EC2::Subnet')) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  test('the notebook has no direct internet access, the Studio domain is VpcOnly', () => {
    const notebooks = ofType('AWS::SageMaker::NotebookInstance');
    const domains = ofType('AWS::SageMaker::Domain');
    expect(notebooks.length + domains.length).toBe(1);
    for (const notebook of notebooks) expect(notebook.Properties).toMatchObject({ DirectInternetAccess: 'Disabled', RootAccess: 'Disabled' });
    for (const domain of domains) expect(domain.Properties).toMatchObject({ AppNetworkAccessType: 'VpcOnly', AuthMode: 'IAM' });
  });
});

test('the PyPI configuration: the notebook\'s only internet egress is 443 to the resolved prefix list', () => {
  const template = Template.fromStack(stacks[2]);
  const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties);
  const addressSet = Object.keys(template.findResources('Custom::ResolvedAddressSet'))[0];
  const pypiEgress = egress.filter((p) => p.DestinationPrefixListId?.Ref === addressSet);
  expect(pypiEgress).toHaveLength(1);
  expect(pypiEgress[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
  template.hasResourceProperties('AWS::SageMaker::NotebookInstance', {
    SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PypiAllowlistSecurityGroup'), 'GroupId'] }],
  });
});

test('the isolated configuration has no path to the internet at all', () => {
  const template = Template.fromStack(stacks[1]);
  for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::EC2::Route', 'AWS::EC2::EgressOnlyInternetGateway']) {
    template.resourceCountIs(type, 0);
  }
});
