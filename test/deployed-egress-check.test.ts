import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AllowedEgress, DeployedEgressCheck, InternetEgress, NaclTightening, NoInternetNotebook, RestrictedEgressVpc, S3EndpointKind } from '../src';
import {
  NotebookIsolatedDnsAllowlistStack, NotebookIsolatedMirrorStack, NotebookIsolatedStack, NotebookIsolatedTightenedStack, NotebookNatEgressStack,
  NotebookPypiAllowlistStack, StudioIsolatedStack,
} from './scenarios/reference-configurations';

/*
 * The access scopes are written out by hand from the Network Access Analyzer guide
 * (https://docs.aws.amazon.com/vpc/latest/network-access-analyzer/):
 * - "Resource statements": security groups may be a source (the network interfaces that carry them);
 *   by type, AWS::EC2::InternetGateway and AWS::EC2::VPNGateway are source or destination only,
 *   AWS::EC2::NatGateway is through only, AWS::EC2::VPCEndpoint destination or through,
 *   AWS::EC2::VPCPeeringConnection and AWS::EC2::TransitGatewayAttachment anywhere; VPC endpoints by id.
 *   So a NAT gateway cannot be matched at all: a path through one to the internet ends at the internet
 *   gateway, which the first match path catches.
 * - "Packet header statements": Protocols tcp/udp, DestinationPrefixLists (ids) xor DestinationAddresses
 *   (CIDRs), DestinationPorts ("ports or port ranges").
 * - "Match conditions" / "Exclusion conditions": a finding matches at least one match path and no
 *   exclude path; a match condition has a source and a destination only, an exclusion condition may also
 *   name through resources (a component anywhere on the path).
 */

const sg = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'GroupId'] });
const ref = (logicalId: string) => ({ Ref: logicalId });

/** Every path out of the VPC from these security groups, and to any VPC endpoint. */
function egressMatchPaths(...groups: object[]) {
  const Source = { ResourceStatement: { Resources: groups } };
  return [
    { Source, Destination: { ResourceStatement: { ResourceTypes: ['AWS::EC2::InternetGateway'] } } },
    { Source, Destination: { ResourceStatement: { ResourceTypes: ['AWS::EC2::VPCPeeringConnection', 'AWS::EC2::TransitGatewayAttachment', 'AWS::EC2::VPNGateway'] } } },
    { Source, Destination: { ResourceStatement: { ResourceTypes: ['AWS::EC2::VPCEndpoint'] } } },
  ];
}

/** The endpoints of EndpointSet.NOTEBOOK, by logical id. */
const NOTEBOOK_ENDPOINTS = ['NetworkSagemakerApiEndpoint8A873F03', 'NetworkSagemakerRuntimeEndpoint482B7E51', 'NetworkStsEndpoint2EB8C701', 'NetworkLogsEndpointD25DE301'];
const S3_GATEWAY = 'NetworkS3EndpointGateway547D2766';

const toEndpoints = (...logicalIds: string[]) => ({ Destination: { ResourceStatement: { Resources: logicalIds.map(ref) } } });
/** HTTPS to the package index's prefix list, kept current by the allowlist's resolved address set. */
const HTTPS_TO_PYPI = { Destination: { PacketHeaderStatement: { Protocols: ['tcp'], DestinationPorts: ['443'], DestinationPrefixLists: [ref('PypiAllowlistAddresses3115AD79')] } } };

function scopeOf(stack: Stack) {
  const scopes = Template.fromStack(stack).findResources('AWS::EC2::NetworkInsightsAccessScope');
  expect(Object.keys(scopes)).toHaveLength(1);
  return Object.values(scopes)[0].Properties;
}

describe('access scopes of the reference configurations', () => {
  // One app per stack: each is synthesized on its own.
  const app = { get fresh() { return new App(); } };

  test('1, NAT gateway: every path out, to any gateway, except to the notebook endpoints and S3', () => {
    const stack = new NotebookNatEgressStack(app.fresh, 'NatEgress');
    new DeployedEgressCheck(stack, 'EgressCheck', { network: stack.network, workloads: [stack.notebook] });
    expect(scopeOf(stack)).toEqual({
      MatchPaths: egressMatchPaths(sg('NotebookSecurityGroupA88C5A71')),
      ExcludePaths: [toEndpoints(...NOTEBOOK_ENDPOINTS, S3_GATEWAY)],
      Tags: [{ Key: 'Name', Value: expect.stringMatching(/^NatEgress-EgressCheck-[0-9A-F]{8}$/) }],
    });
  });

  test('2, isolated: the same scope (the analysis, not the scope, knows there is no gateway)', () => {
    const stack = new NotebookIsolatedStack(app.fresh, 'Isolated');
    new DeployedEgressCheck(stack, 'EgressCheck', { network: stack.network, workloads: [stack.notebook] });
    expect(scopeOf(stack)).toMatchObject({
      MatchPaths: egressMatchPaths(sg('NotebookSecurityGroupA88C5A71')),
      ExcludePaths: [toEndpoints(...NOTEBOOK_ENDPOINTS, S3_GATEWAY)],
    });
  });

  test.each([
    ['3, PyPI allowlist', new NotebookPypiAllowlistStack(app.fresh, 'PypiAllowlist')],
    ['6, PyPI allowlist with tightened NACLs', new NotebookPypiAllowlistStack(app.fresh, 'PypiAllowlistNacl', { naclTightening: NaclTightening.tightened() })],
  ])('%s: the scenario carries the check; HTTPS to the package index\'s prefix list is allowed, nothing else through the NAT gateway', (_name, stack) => {
    expect(stack.egressCheck).toBeInstanceOf(DeployedEgressCheck);
    expect(scopeOf(stack)).toMatchObject({
      MatchPaths: egressMatchPaths(sg('PypiAllowlistSecurityGroup4D045301')),
      ExcludePaths: [toEndpoints(...NOTEBOOK_ENDPOINTS, S3_GATEWAY), HTTPS_TO_PYPI],
    });
  });

  test.each([
    [S3EndpointKind.GATEWAY, [...NOTEBOOK_ENDPOINTS, S3_GATEWAY]],
    [S3EndpointKind.INTERFACE, ['NetworkS3EndpointInterfaceD47B5B3E', ...NOTEBOOK_ENDPOINTS]],
  ])('4 and 5, tightened NACLs with the S3 %s endpoint: that endpoint is allowed', (s3Endpoint, endpoints) => {
    const stack = new NotebookIsolatedTightenedStack(app.fresh, `Tightened${s3Endpoint}`, { s3Endpoint });
    new DeployedEgressCheck(stack, 'EgressCheck', { network: stack.network, workloads: [stack.notebook] });
    expect(scopeOf(stack)).toMatchObject({ MatchPaths: egressMatchPaths(sg('NotebookSecurityGroupA88C5A71')), ExcludePaths: [toEndpoints(...endpoints)] });
  });

  test('7, isolated Studio: from the domain\'s and the user profile\'s security groups; the Studio UI endpoint is allowed too', () => {
    const stack = new StudioIsolatedStack(app.fresh, 'Studio');
    new DeployedEgressCheck(stack, 'EgressCheck', { network: stack.network, workloads: [stack.studio] });
    expect(scopeOf(stack)).toMatchObject({
      MatchPaths: egressMatchPaths(sg('StudioSecurityGroup0EA80A08'), sg('StudioUserProfiledatascientistSecurityGroup32CD7590')),
      ExcludePaths: [toEndpoints('NetworkSagemakerApiEndpoint8A873F03', 'NetworkSagemakerRuntimeEndpoint482B7E51', 'NetworkStsEndpoint2EB8C701',
        'NetworkStudioEndpointC0BEAE82', 'NetworkLogsEndpointD25DE301', S3_GATEWAY)],
    });
  });

  test('a Studio user profile added after the check is a source too', () => {
    const stack = new StudioIsolatedStack(app.fresh, 'StudioLate');
    new DeployedEgressCheck(stack, 'EgressCheck', { network: stack.network, workloads: [stack.studio] });
    const late = stack.studio.addUserProfile('late-user');
    expect(scopeOf(stack).MatchPaths[0].Source.ResourceStatement.Resources).toEqual([
      sg('StudioSecurityGroup0EA80A08'), sg('StudioUserProfiledatascientistSecurityGroup32CD7590'), stack.resolve(late.connections.securityGroups[0].securityGroupId),
    ]);
  });

  test.each([
    ['8, mirror', (a: App) => new NotebookIsolatedMirrorStack(a, 'Mirror')],
    ['9, mirror and DNS allowlist', (a: App) => new NotebookIsolatedDnsAllowlistStack(a, 'DnsAllowlist')],
  ])('%s: the CodeArtifact endpoints the mirror adds to the network (after the check is created) are allowed', (_name, make) => {
    const stack = make(app.fresh);
    new DeployedEgressCheck(stack, 'EgressCheck', { network: stack.network, workloads: [stack.notebook] });
    expect(scopeOf(stack)).toMatchObject({
      MatchPaths: egressMatchPaths(sg('NotebookSecurityGroupA88C5A71')),
      ExcludePaths: [toEndpoints(...NOTEBOOK_ENDPOINTS, 'NetworkCodeartifactApiEndpoint59A76A21', 'NetworkCodeartifactRepositoriesEndpointB8FAE94F', S3_GATEWAY)],
    });
  });
});

function notebookStack() {
  const stack = new Stack(new App(), 'Stack');
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway() });
  const notebook = new NoInternetNotebook(stack, 'Notebook', { network });
  return { stack, network, notebook };
}

describe('allowed destinations', () => {
  test.each([
    ['an IPv4 range on a TCP port', AllowedEgress.to(ec2.Peer.ipv4('203.0.113.0/24'), ec2.Port.tcp(443)),
      { Destination: { PacketHeaderStatement: { Protocols: ['tcp'], DestinationPorts: ['443'], DestinationAddresses: ['203.0.113.0/24'] } } }],
    ['a UDP port range', AllowedEgress.to(ec2.Peer.ipv4('198.51.100.7/32'), ec2.Port.udpRange(1024, 2048)),
      { Destination: { PacketHeaderStatement: { Protocols: ['udp'], DestinationPorts: ['1024-2048'], DestinationAddresses: ['198.51.100.7/32'] } } }],
    ['every TCP port', AllowedEgress.to(ec2.Peer.ipv4('198.51.100.0/24'), ec2.Port.allTcp()),
      { Destination: { PacketHeaderStatement: { Protocols: ['tcp'], DestinationAddresses: ['198.51.100.0/24'] } } }],
    ['a prefix list, all traffic', AllowedEgress.to(ec2.Peer.prefixList('pl-0123abcd'), ec2.Port.allTraffic()),
      { Destination: { PacketHeaderStatement: { DestinationPrefixLists: ['pl-0123abcd'] } } }],
    ['a VPC endpoint', AllowedEgress.vpcEndpoint(ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(new Stack(), 'E', { vpcEndpointId: 'vpce-0abc', port: 443 })),
      { Destination: { ResourceStatement: { Resources: ['vpce-0abc'] } } }],
  ])('%s becomes an exclude path', (_name, allowed, excludePath) => {
    const { stack, network, notebook } = notebookStack();
    new DeployedEgressCheck(stack, 'EgressCheck', { network, workloads: [notebook], allowedDestinations: [allowed] });
    expect(scopeOf(stack).ExcludePaths[1]).toEqual(excludePath);
  });

  test('a security group: its network interfaces, on the port', () => {
    const { stack, network, notebook } = notebookStack();
    const proxy = new ec2.SecurityGroup(stack, 'Proxy', { vpc: network.vpc });
    new DeployedEgressCheck(stack, 'EgressCheck', { network, workloads: [notebook], allowedDestinations: [AllowedEgress.to(proxy, ec2.Port.tcp(3128))] });
    expect(scopeOf(stack).ExcludePaths[1]).toEqual({
      Destination: { ResourceStatement: { Resources: [stack.resolve(proxy.securityGroupId)] }, PacketHeaderStatement: { Protocols: ['tcp'], DestinationPorts: ['3128'] } },
    });
  });

  test('the whole internet is accepted with a warning: the check then finds no internet path on that port', () => {
    const { stack, network, notebook } = notebookStack();
    new DeployedEgressCheck(stack, 'EgressCheck', { network, workloads: [notebook], allowedDestinations: [AllowedEgress.to(ec2.Peer.anyIpv4(), ec2.Port.tcp(443))] });
    Annotations.fromStack(stack).hasWarning('/Stack/EgressCheck', Match.stringLikeRegexp('allows 0.0.0.0/0 443.*finds no internet path'));
  });

  test('IPv6 and ICMP are refused: the analyzer looks at IPv4 TCP and UDP only', () => {
    expect(() => AllowedEgress.to(ec2.Peer.anyIpv6(), ec2.Port.tcp(443))).toThrow(/peer must be an IPv4 range, a prefix list or a security group, got: "::\/0" — Network Access Analyzer analyzes IPv4 only/);
    expect(() => AllowedEgress.to(ec2.Peer.ipv4('10.0.0.0/8'), ec2.Port.allIcmp())).toThrow(/port must be a TCP or UDP port, or all traffic, got: "ALL ICMP" — .*TCP and UDP only/);
  });
});

describe('DeployedEgressCheck', () => {
  const { stack, network, notebook } = notebookStack();
  const check = new DeployedEgressCheck(stack, 'EgressCheck', { network, workloads: [notebook] });
  check.alarm.addAlarmAction(new cloudwatchActions.SnsAction(new sns.Topic(stack, 'Alerts')));
  const template = Template.fromStack(stack);

  test('runs daily, and after each completed deployment of its stack, with the check\'s configuration', () => {
    const input = (trigger: string) => Match.objectLike({
      InputTransformer: {
        InputPathsMap: { id: '$.id' },
        InputTemplate: {
          'Fn::Join': ['', [
            '{"check":{"ScopeId":"', { 'Fn::GetAtt': [Match.stringLikeRegexp('^EgressCheck'), 'NetworkInsightsAccessScopeId'] },
            `","CheckName":"Stack-EgressCheck-7656E6CB","LookbackSeconds":259200,"IntervalSeconds":86400},"trigger":"${trigger}","eventId":<id>}`,
          ]],
        },
      },
      RetryPolicy: { MaximumRetryAttempts: 2 },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)', Targets: [input('schedule')] });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.cloudformation'],
        'detail-type': ['CloudFormation Stack Status Change'],
        'detail': { 'stack-id': [{ Ref: 'AWS::StackId' }], 'status-details': { status: ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'] } },
      },
      Targets: [input('deployment')],
    });
  });

  test('a finding raises the findings alarm at once; failures raise the failure alarm only when repeated, or when runs stop', () => {
    const metric = { Namespace: 'CdkSagemakerEgress/DeployedEgressCheck', Dimensions: [{ Name: 'Check', Value: 'Stack-EgressCheck-7656E6CB' }], Period: 86400, Statistic: 'Maximum' };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...metric,
      MetricName: 'UnallowedPaths',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...metric,
      MetricName: 'FailedRuns',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmRule: {
        'Fn::Join': ['', ['(ALARM("', { 'Fn::GetAtt': [Match.stringLikeRegexp('^EgressCheckFindingsAlarm'), 'Arn'] }, '") OR ALARM("',
          { 'Fn::GetAtt': [Match.stringLikeRegexp('^EgressCheckFailureAlarm'), 'Arn'] }, '"))']],
      },
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alerts') }],
    });
  });

  test('the handler waits up to 15 minutes for an analysis', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs24.x', Timeout: 900, Description: Match.stringLikeRegexp('deployed egress check') });
  });

  test('least privilege: analyses of its own scope, findings and deletion of analyses, the analyzer\'s read-only describes, its own logs', () => {
    const analysisArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':network-insights-access-scope-analysis/*']] };
    const policies = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('^Deployed egress check') } });
    const statements = Object.values(policies)[0].Properties.PolicyDocument.Statement;
    expect(statements.slice(0, 3)).toEqual([
      { Action: 'ec2:StartNetworkInsightsAccessScopeAnalysis', Effect: 'Allow', Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^EgressCheck/), 'NetworkInsightsAccessScopeArn'] }, analysisArn] },
      // Deleting old analyses (the handler keeps below the 10,000-analyses quota): analyses only, not scopes.
      { Action: ['ec2:GetNetworkInsightsAccessScopeAnalysisFindings', 'ec2:DeleteNetworkInsightsAccessScopeAnalysis'], Effect: 'Allow', Resource: analysisArn },
      { Action: 'ec2:DescribeNetworkInsightsAccessScopeAnalyses', Effect: 'Allow', Resource: '*' },
    ]);
    const reads: string[] = statements[3].Action;
    expect(reads.every((a) => /^(ec2:(Describe|Get|Search)|elasticloadbalancing:Describe|network-firewall:(Describe|List)|tiros:(CreateQuery|GetQueryAnswer))/.test(a))).toBe(true);
    expect(reads).toEqual(expect.arrayContaining(['ec2:DescribeSecurityGroups', 'ec2:DescribeRouteTables', 'ec2:DescribeNetworkAcls', 'ec2:GetManagedPrefixListEntries', 'tiros:CreateQuery']));
    // Nothing that changes the network, and no management of access scopes: the one deletion is of analyses.
    const all = JSON.stringify(statements).replace('"ec2:DeleteNetworkInsightsAccessScopeAnalysis"', '');
    expect(all).not.toMatch(/ec2:(Create|Delete|Modify|Authorize|Revoke)|NetworkInsightsAccessScope"/);
    expect(statements[4].Action).toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  test('the rules wait for the function\'s permissions', () => {
    const rules = template.findResources('AWS::Events::Rule');
    for (const rule of Object.values(rules)) expect(rule.DependsOn).toEqual([expect.stringMatching(/^EgressCheckAnalysisPolicy/)]);
  });

  test('exposes the scope and the metrics', () => {
    expect(stack.resolve(check.accessScopeId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EgressCheck/), 'NetworkInsightsAccessScopeId'] });
    expect(stack.resolve(check.accessScopeArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EgressCheck/), 'NetworkInsightsAccessScopeArn'] });
    expect([check.unallowedPaths, check.failedRuns, check.analyzedNetworkInterfaces].map((m) => m.toMetricConfig().metricStat?.metricName))
      .toEqual(['UnallowedPaths', 'FailedRuns', 'AnalyzedNetworkInterfaces']);
  });
});

describe('options', () => {
  test('interval and failedAnalysesToAlarm set the schedule, the metrics\' period and the failure alarm', () => {
    const { stack, network, notebook } = notebookStack();
    new DeployedEgressCheck(stack, 'EgressCheck', { network, workloads: [notebook], interval: Duration.hours(6), failedAnalysesToAlarm: 4 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
    // The handler counts a failed analysis once, by dates it compares with the interval.
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).toContain('\\"IntervalSeconds\\":21600');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FailedRuns', Period: 21600, EvaluationPeriods: 4, DatapointsToAlarm: 4 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UnallowedPaths', Period: 21600, EvaluationPeriods: 1 });
  });

  test('several workloads: each security group once', () => {
    const { stack, network, notebook } = notebookStack();
    const other = new NoInternetNotebook(stack, 'Other', { network, securityGroups: notebook.connections.securityGroups });
    new DeployedEgressCheck(stack, 'EgressCheck', { network, workloads: [notebook, other] });
    expect(scopeOf(stack).MatchPaths[0].Source.ResourceStatement.Resources).toEqual([sg('NotebookSecurityGroupA88C5A71')]);
  });
});

describe('validation', () => {
  test.each([
    [{ interval: Duration.minutes(30) }, /interval must be whole minutes from one hour to one day, got: "30 minutes" — use e.g. Duration.days\(1\)/],
    [{ interval: Duration.days(2) }, /interval must be whole minutes from one hour to one day, got: "2 days"/],
    [{ interval: Duration.seconds(3630) }, /interval must be whole minutes/],
    [{ failedAnalysesToAlarm: 0 }, /failedAnalysesToAlarm must be an integer from 1 to 7, got: 0 — CloudWatch evaluates at most 7 days, that is 7 interval\(s\) of 1 day/],
    [{ failedAnalysesToAlarm: 8 }, /failedAnalysesToAlarm must be an integer from 1 to 7, got: 8/],
    [{ interval: Duration.hours(1), failedAnalysesToAlarm: 169 }, /failedAnalysesToAlarm must be an integer from 1 to 168, got: 169/],
    [{ failedAnalysesToAlarm: 1.5 }, /failedAnalysesToAlarm must be an integer/],
  ])('%j is refused with the prop, the value and the fix', (options, message) => {
    const { stack, network, notebook } = notebookStack();
    expect(() => new DeployedEgressCheck(stack, 'EgressCheck', { network, workloads: [notebook], ...options })).toThrow(message);
  });

  test('workloads: at least one, each with a security group', () => {
    const { stack, network } = notebookStack();
    expect(() => new DeployedEgressCheck(stack, 'A', { network, workloads: [] }))
      .toThrow(/workloads must name at least one workload, got: \[\] — pass the notebooks or Studio domains/);
    const bare = { connections: new ec2.Connections() };
    expect(() => new DeployedEgressCheck(stack, 'B', { network, workloads: [bare] }))
      .toThrow(/workloads\[0\] must have a security group \(the analyses start at its network interfaces\)/);
  });

  test('runtime kind checks (jsii callers skip the compiler): the network, the workloads, the allowed destinations', () => {
    const { stack, network, notebook } = notebookStack();
    expect(() => new DeployedEgressCheck(stack, 'A', { network: network.vpc as any, workloads: [notebook] }))
      .toThrow(/network must be an IWorkloadNetwork, got: "Vpc at Stack\/Network\/Vpc" — pass the RestrictedEgressVpc or WorkloadNetwork/);
    expect(() => new DeployedEgressCheck(stack, 'B', { network, workloads: ['notebook' as any] }))
      .toThrow(/workloads\[0\] must be an ec2.IConnectable, got: "string notebook"/);
    expect(() => new DeployedEgressCheck(stack, 'C', { network, workloads: [notebook], allowedDestinations: [ec2.Peer.anyIpv4() as any] }))
      .toThrow(/allowedDestinations must be an AllowedEgress, got: .* — use AllowedEgress.to\(...\) or AllowedEgress.vpcEndpoint\(...\)/);
    expect(() => AllowedEgress.vpcEndpoint({} as any)).toThrow(/endpoint must be an ec2.IVpcEndpoint/);
  });
});
