import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { InternetEgress, NoInternetNotebook, PypiAllowlistSecurityGroup, PypiAllowlistSecurityGroupProps, RestrictedEgressVpc } from '../src';

function setup(props: Partial<PypiAllowlistSecurityGroupProps> = {}) {
  const stack = new Stack(new App(), 'Test');
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway() });
  const pypi = new PypiAllowlistSecurityGroup(stack, 'Pypi', { network, ...props });
  return { stack, network, pypi, get template() { return Template.fromStack(stack); } };
}

function egressOf(template: Template, groupPrefix: string) {
  const group = Object.entries(template.findResources('AWS::EC2::SecurityGroup')).find(([id]) => id.startsWith(groupPrefix))!;
  const standalone = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
    .map((r) => r.Properties)
    .filter((p) => p.GroupId['Fn::GetAtt'][0] === group[0]);
  return { inline: group[1].Properties.SecurityGroupEgress, standalone };
}

describe('PypiAllowlistSecurityGroup', () => {
  const { stack, pypi } = setup();
  const template = Template.fromStack(stack);

  test('egress is exactly: 443 to the package-index prefix list, 443 to the endpoints, 443 to S3', () => {
    const { inline, standalone } = egressOf(template, 'PypiSecurityGroup');
    expect(inline).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })]);
    expect(standalone).toHaveLength(3);
    for (const rule of standalone) expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
    const destinations = standalone.map((r) => JSON.stringify(r.DestinationPrefixListId ?? r.DestinationSecurityGroupId)).join(' ');
    // The package-index rule references the list through the custom resource that fills it, so the group
    // (and a notebook using it) is not usable before the addresses are in.
    for (const expected of ['NetworkEndpointSecurityGroup', '{"Ref":"PypiAddressesA8D2C96B"}', 'S3PrefixList']) expect(destinations).toContain(expected);
  });

  test('no world egress of any kind', () => {
    const { inline, standalone } = egressOf(template, 'PypiSecurityGroup');
    const rules = JSON.stringify([inline, standalone]);
    expect(rules).not.toContain('0.0.0.0/0');
    expect(rules).not.toContain('"IpProtocol":"-1"');
    expect(rules).not.toContain('CidrIpv6');
  });

  test('the prefix list is customer-managed IPv4 with 16 entries, filled by the custom resource, not the template', () => {
    template.hasResourceProperties('AWS::EC2::PrefixList', { AddressFamily: 'IPv4', MaxEntries: 16, Entries: Match.absent() });
    // The size is in the logical id: a new size is a new list (EC2 cannot resize and rewrite entries at once).
    expect(Object.keys(template.findResources('AWS::EC2::PrefixList'))[0]).toMatch(/^PypiAddressesPrefixList16/);
    template.hasResourceProperties('Custom::ResolvedAddressSet', {
      PrefixListId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PypiAddressesPrefixList16'), 'PrefixListId'] },
      Hostnames: ['pypi.org', 'files.pythonhosted.org'],
      StaticCidrs: [],
      MaxEntries: 16,
      GracePeriodSeconds: 86400,
    });
    expect(pypi.ruleWeight).toBe(18);
    expect(pypi.maxEntries).toBe(16);
    expect(pypi.hostnames).toEqual(['pypi.org', 'files.pythonhosted.org']);
  });

  test('refreshes hourly through a schedule carrying the same configuration', () => {
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0];
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 hour)');
    const input = JSON.parse(rule.Properties.Targets[0].Input['Fn::Join'] ? JSON.stringify(stack.resolve(rule.Properties.Targets[0].Input)) : rule.Properties.Targets[0].Input);
    expect(JSON.stringify(input)).toContain('pypi.org');
    expect(rule.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^PypiAddresses/)]));
  });

  test('the refresh function has a managed, prefix-list-scoped policy attached before it is invoked', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Timeout: 120,
      ReservedConcurrentExecutions: Match.absent(),
      Description: Match.stringLikeRegexp('prefix list'),
    });
    template.hasResource('Custom::ResolvedAddressSet', { DependsOn: [Match.stringLikeRegexp('^PypiAddressesRefreshPolicy')] });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['ec2:GetManagedPrefixListEntries', 'ec2:ModifyManagedPrefixList', 'ec2:CreateTags', 'ec2:DeleteTags'],
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PypiAddressesPrefixList'), 'Arn'] },
        })]),
      },
    });
  });

  test('failures raise an alarm that also fires when no refresh reports', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkSagemakerEgress/AddressSets',
      MetricName: 'RefreshFailures',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'breaching',
      Period: 3600,
    });
    expect(pypi.refreshFailureAlarm).toBeDefined();
    expect(stack.resolve(pypi.refreshFailureAlarm.alarmArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/RefreshFailureAlarm/), 'Arn'] });
  });

  test('is the security group of a NoInternetNotebook', () => {
    const s = setup();
    new NoInternetNotebook(s.stack, 'Notebook', { network: s.network, securityGroups: [s.pypi.securityGroup] });
    Template.fromStack(s.stack).hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PypiSecurityGroup'), 'GroupId'] }],
    });
  });
});

describe('PypiAllowlistSecurityGroup options', () => {
  test('more hosts, static CIDRs, max entries, schedule and grace period', () => {
    const { template, pypi } = setup({
      additionalHostnames: ['download.pytorch.org'],
      staticCidrs: ['10.50.0.0/24'],
      maxEntries: 24,
      refreshInterval: Duration.minutes(15),
      gracePeriod: Duration.hours(6),
    });
    template.hasResourceProperties('Custom::ResolvedAddressSet', {
      Hostnames: ['pypi.org', 'files.pythonhosted.org', 'download.pytorch.org'], StaticCidrs: ['10.50.0.0/24'], MaxEntries: 24, GracePeriodSeconds: 21600,
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::EC2::PrefixList', { MaxEntries: 24 });
    expect(pypi.ruleWeight).toBe(26);
  });

  test('works on a bare VPC (no network), and says so', () => {
    const stack = new Stack(new App(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    new PypiAllowlistSecurityGroup(stack, 'Pypi', { vpc });
    const template = Template.fromStack(stack);
    const { inline, standalone } = egressOf(template, 'PypiSecurityGroup');
    expect(inline).toEqual([expect.objectContaining({ CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/^Vpc/), 'CidrBlock'] }, FromPort: 443 })]);
    expect(standalone).toHaveLength(2); // package-index prefix list and S3 prefix list
    Annotations.fromStack(stack).hasWarning('/Test/Pypi', Match.stringLikeRegexp('bare VPC'));
  });
});

describe('PypiAllowlistSecurityGroup validation', () => {
  test.each([
    [{ maxEntries: 41 }, /maxEntries must be an integer from 1 to 40, got: 41 — the prefix list weighs maxEntries of the group's 60 rules \(2 more are used\)/],
    [{ maxEntries: 0 }, /maxEntries must be an integer from 1 to 40, got: 0/],
    [{ maxEntries: 2, staticCidrs: ['10.0.0.0/24'] }, /maxEntries must fit at least one address per host name plus the static CIDRs \(3\), got: 2/],
    [{ additionalHostnames: ['https://download.pytorch.org/whl/cpu'] }, /additionalHostnames must hold host names.*drop the scheme and path: "download\.pytorch\.org"/],
    [{ additionalHostnames: ['*.pythonhosted.org'] }, /additionalHostnames must hold host names/],
    [{ additionalHostnames: ['localhost'] }, /additionalHostnames must hold host names/],
    [{ additionalHostnames: ['PyPI.org'] }, /additionalHostnames must not repeat an entry, got: "PyPI\.org"/],
    [{ staticCidrs: ['0.0.0.0/0'] }, /staticCidrs must have a prefix length from \/8 to \/32, got: "0\.0\.0\.0\/0"/],
    [{ staticCidrs: ['10.0.0.1/24'] }, /staticCidrs must be aligned.*did you mean "10\.0\.0\.0\/24"/],
    [{ refreshInterval: Duration.minutes(1) }, /refreshInterval must be from 5 minutes to 1 day.*got: "1 minute"/],
    [{ refreshInterval: Duration.days(2) }, /refreshInterval must be from 5 minutes to 1 day.*got: "2 days"/],
    [{ gracePeriod: Duration.minutes(30) }, /gracePeriod must be at least the refresh interval \(1 hour\), got: "30 minutes"/],
  ])('rejects %j', (props, message) => {
    expect(() => setup(props as Partial<PypiAllowlistSecurityGroupProps>)).toThrow(message);
  });
});

test('rejects a token maxEntries: the rule quota cannot be checked', () => {
  expect(() => setup({ maxEntries: Lazy.number({ produce: () => 16 }) })).toThrow(/maxEntries must be known at synth time/);
});

test('in a network without a route to the internet it warns that pip never reaches PyPI, with the fix', () => {
  const stack = new Stack(new App(), 'Test');
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
  new PypiAllowlistSecurityGroup(stack, 'Pypi', { network });
  Annotations.fromStack(stack).hasWarning('/Test/Pypi',
    Match.stringLikeRegexp('no route to the internet .* pip never reaches PyPI. Use InternetEgress.natGateway\\(\\) for the network, or a CodeArtifactPypiMirror'));
});
