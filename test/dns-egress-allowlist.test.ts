import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53resolver from 'aws-cdk-lib/aws-route53resolver';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  CodeArtifactPypiMirror, DnsBlockResponse, DnsEgressAllowlist, DnsEgressAllowlistProps, DnsFirewallMode, egress, EndpointSet, InternetEgress,
  NoInternetNotebook, NoInternetStudio, PypiAllowlistSecurityGroup, RestrictedEgressVpc,
} from '../src';
import { endpointDomainNames } from '../src/private/dns-names';

const ENV = { account: '123456789012', region: 'eu-west-1' };

/** The names of the SageMaker, STS and CloudWatch Logs endpoints in eu-west-1, as AWS documents their private DNS names. */
const NOTEBOOK_ENDPOINT_NAMES = [
  'api.sagemaker.eu-west-1.amazonaws.com', // SageMaker developer guide: "api.sagemaker.Region.amazonaws.com"
  'runtime.sagemaker.eu-west-1.amazonaws.com', // "runtime.sagemaker.Region.amazonaws.com"
  'sts.eu-west-1.amazonaws.com',
  'logs.eu-west-1.amazonaws.com',
];
/**
 * S3 through the gateway endpoint: the regional endpoint and its virtual-hosted bucket names, and their
 * dual-stack forms, which Amazon Linux 2023's repositories use (al2023-repos-<region>-<id>.s3.dualstack.<region>.amazonaws.com).
 */
const S3_NAMES = ['s3.eu-west-1.amazonaws.com', '*.s3.eu-west-1.amazonaws.com', 's3.dualstack.eu-west-1.amazonaws.com', '*.s3.dualstack.eu-west-1.amazonaws.com'];
/** EC2 private host names outside us-east-1: ip-a-b-c-d.<region>.compute.internal (VPC user guide, DNS). */
const INTERNAL = ['*.eu-west-1.compute.internal'];

function stackWith(build: (stack: Stack) => ec2.IVpc, props: Partial<DnsEgressAllowlistProps> = {}) {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const vpc = build(stack);
  const allowlist = new DnsEgressAllowlist(stack, 'Dns', { vpc, ...props });
  return { stack, allowlist, template: Template.fromStack(stack) };
}

function domainList(template: Template, id: string): string[] {
  const lists = template.findResources('AWS::Route53Resolver::FirewallDomainList');
  const [, list] = Object.entries(lists).find(([logicalId]) => logicalId.startsWith(id))!;
  return list.Properties.Domains;
}

const isolated = (stack: Stack) => new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() }).vpc;

describe('DnsEgressAllowlist, block mode (default)', () => {
  const { stack, template } = stackWith((s) => {
    const network = new RestrictedEgressVpc(s, 'Network', { internetEgress: InternetEgress.none() });
    new NoInternetNotebook(s, 'Notebook', { network });
    return network.vpc;
  });

  test('allow the listed names first, trusting their CNAME chains; then block every other name with NODATA', () => {
    const groups = Object.values(template.findResources('AWS::Route53Resolver::FirewallRuleGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0].Properties.FirewallRules).toEqual([
      {
        Priority: 100,
        Action: 'ALLOW',
        FirewallDomainListId: { 'Fn::GetAtt': [expect.stringMatching(/^DnsAllowedDomains/), 'Id'] },
        FirewallDomainRedirectionAction: 'TRUST_REDIRECTION_DOMAIN',
      },
      { Priority: 200, Action: 'BLOCK', BlockResponse: 'NODATA', FirewallDomainListId: { 'Fn::GetAtt': [expect.stringMatching(/^DnsAllDomains/), 'Id'] } },
    ]);
    expect(domainList(template, 'DnsAllDomains')).toEqual(['*']);
  });

  test('associated with the VPC at priority 101, without mutation protection', () => {
    template.hasResourceProperties('AWS::Route53Resolver::FirewallRuleGroupAssociation', {
      VpcId: { Ref: Match.stringLikeRegexp('NetworkVpc') },
      FirewallRuleGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DnsRuleGroup'), 'Id'] },
      Priority: 101,
      MutationProtection: 'DISABLED',
    });
  });

  test('the isolated configuration allows exactly its endpoints, S3 and the VPC\'s internal names', () => {
    expect([...domainList(template, 'DnsAllowedDomains')].sort()).toEqual([...NOTEBOOK_ENDPOINT_NAMES, ...S3_NAMES, ...INTERNAL].sort());
  });

  test('query logging to a log group under a rotating customer-managed key, kept a year, in place before the firewall decides', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DnsQueryLogKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('Resolver query log') });
    template.hasResourceProperties('AWS::Route53Resolver::ResolverQueryLoggingConfig', { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DnsQueryLogGroup'), 'Arn'] } });
    template.hasResourceProperties('AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation', { ResourceId: { Ref: Match.stringLikeRegexp('NetworkVpc') } });
    const association = Object.values(template.findResources('AWS::Route53Resolver::FirewallRuleGroupAssociation'))[0];
    expect(association.DependsOn).toEqual([expect.stringMatching(/^DnsQueryLoggingAssociation/)]);
  });

  test('fails closed (AWS\'s default): no fail-open setting is made', () => {
    template.resourceCountIs('AWS::Route53Resolver::FirewallConfig', 0);
  });

  test('names stay within 64 characters, even under a long construct path', () => {
    const longStack = new Stack(new App(), 'SageMakerIsolatedNotebookPlatformStackForTheDataScienceTeam', { env: ENV });
    const scope = new Construct(longStack, 'NetworkSecurityControlsOfTheWorkloadAccount');
    new DnsEgressAllowlist(scope, 'DnsEgressAllowlistOfTheNotebookVpc', { vpc: isolated(longStack) });
    const names = ['AWS::Route53Resolver::FirewallDomainList', 'AWS::Route53Resolver::FirewallRuleGroup', 'AWS::Route53Resolver::FirewallRuleGroupAssociation',
      'AWS::Route53Resolver::ResolverQueryLoggingConfig'].flatMap((type) => Object.values(Template.fromStack(longStack).findResources(type)).map((r) => r.Properties.Name));
    expect(names).toHaveLength(5);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9-]{1,64}$/);
    expect(new Set(names).size).toBe(5);
  });

  test.each([
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['NIST 800-53 R5', () => new NIST80053R5Checks()],
    ['HIPAA', () => new HIPAASecurityChecks()],
    ['PCI DSS 3.2.1', () => new PCIDSS321Checks()],
  ])('cdk-nag %s reports nothing unacknowledged', (_pack, make) => {
    const report = make().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual([]);
  });
});

describe('DnsEgressAllowlist derives the names of each configuration', () => {
  test('NAT with PyPI: the endpoints, S3, the package index names and the internal names', () => {
    const { template } = stackWith((s) => {
      const network = new RestrictedEgressVpc(s, 'Network', { internetEgress: InternetEgress.natGateway() });
      const pypi = new PypiAllowlistSecurityGroup(s, 'Pypi', { network });
      new NoInternetNotebook(s, 'Notebook', { network, securityGroups: [pypi.securityGroup] });
      return network.vpc;
    });
    expect([...domainList(template, 'DnsAllowedDomains')].sort())
      .toEqual([...NOTEBOOK_ENDPOINT_NAMES, ...S3_NAMES, 'pypi.org', 'files.pythonhosted.org', ...INTERNAL].sort());
  });

  test('isolated Studio with the Studio UI endpoint', () => {
    const { template } = stackWith((s) => {
      const network = new RestrictedEgressVpc(s, 'Network', { internetEgress: InternetEgress.none(), maxAzs: 2, endpointSets: [] });
      new NoInternetStudio(s, 'Studio', { network, endpoints: EndpointSet.studio({ studioUi: true }), userProfiles: ['a'] });
      return network.vpc;
    });
    expect([...domainList(template, 'DnsAllowedDomains')].sort())
      // Studio: "*.studio.{region}.sagemaker.aws" (SageMaker developer guide, Studio in VpcOnly mode).
      .toEqual([...NOTEBOOK_ENDPOINT_NAMES, '*.studio.eu-west-1.sagemaker.aws', ...S3_NAMES, ...INTERNAL].sort());
  });

  test('isolated with the PyPI mirror: the CodeArtifact API and repository names', () => {
    const { template } = stackWith((s) => {
      const network = new RestrictedEgressVpc(s, 'Network', { internetEgress: InternetEgress.none() });
      new CodeArtifactPypiMirror(s, 'Mirror', { network });
      return network.vpc;
    });
    expect(domainList(template, 'DnsAllowedDomains')).toEqual(expect.arrayContaining([
      'codeartifact.eu-west-1.amazonaws.com', // CodeArtifact user guide: codeartifact.<region>.amazonaws.com
      '*.d.codeartifact.eu-west-1.amazonaws.com', // <domain>-<owner>.d.codeartifact.<region>.amazonaws.com
    ]));
  });

  test('every interface endpoint in the VPC, in any stack of the app, has its name on the list', () => {
    const app = new App();
    const networkStack = new Stack(app, 'Network', { env: ENV });
    const network = new RestrictedEgressVpc(networkStack, 'Network', {
      internetEgress: InternetEgress.none(),
      endpointSets: [EndpointSet.studio({
        containerRegistry: true, kms: true, ssm: true, cloudWatchMonitoring: true, ec2: true, serviceCatalog: true,
      })],
    });
    const appStack = new Stack(app, 'App', { env: ENV });
    const allowlist = new DnsEgressAllowlist(appStack, 'Dns', { vpc: network.vpc });
    const names = Template.fromStack(appStack).toJSON().Resources;
    const list = Object.values(names as Record<string, any>).find((r) => r.Type === 'AWS::Route53Resolver::FirewallDomainList' && r.Properties.Domains[0] !== '*')!.Properties.Domains;
    expect(list).toEqual(expect.arrayContaining([
      'api.ecr.eu-west-1.amazonaws.com', '*.dkr.ecr.eu-west-1.amazonaws.com', 'kms.eu-west-1.amazonaws.com', 'ssm.eu-west-1.amazonaws.com',
      'monitoring.eu-west-1.amazonaws.com', 'ec2.eu-west-1.amazonaws.com', 'servicecatalog.eu-west-1.amazonaws.com',
    ]));
    // Completeness: the names of every endpoint of the VPC are on the list.
    const endpoints = Object.values(Template.fromStack(networkStack).findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints.length).toBe(12); // the Studio set with its options: 11 interface endpoints, and S3
    for (const endpoint of endpoints) {
      const expected = endpointDomainNames(endpoint.Properties.ServiceName, networkStack.region);
      const service = endpoint.Properties.ServiceName;
      expect({ service, names: expected }).toEqual({ service, names: expect.any(Array) });
      expect(list).toEqual(expect.arrayContaining(expected!));
    }
    expect(allowlist.allowedDomains).toEqual(list);
  });

  test('private hosted zones and allowed domains are added, normalized', () => {
    const { template } = stackWith(isolated, { privateHostedZones: ['corp.internal.'], allowedDomains: ['Example.COM', '*.example.org'] });
    expect(domainList(template, 'DnsAllowedDomains')).toEqual(expect.arrayContaining(['corp.internal', '*.corp.internal', 'example.com', '*.example.org']));
  });

  test('in us-east-1: ec2.internal host names, and the legacy global S3 names the SDKs use there', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
    const allowlist = new DnsEgressAllowlist(stack, 'Dns', { vpc: isolated(stack) });
    expect(Stack.of(stack).resolve(allowlist.allowedDomains)).toEqual(expect.arrayContaining(['*.ec2.internal', 's3.amazonaws.com', '*.s3.amazonaws.com']));
    expect(Stack.of(stack).resolve(allowlist.allowedDomains)).not.toContain('*.us-east-1.compute.internal');
  });
});

describe('DnsEgressAllowlist options', () => {
  test('alert mode: other names are resolved and logged as alerts, with no block response', () => {
    const { template } = stackWith(isolated, { mode: DnsFirewallMode.ALERT });
    const rules = Object.values(template.findResources('AWS::Route53Resolver::FirewallRuleGroup'))[0].Properties.FirewallRules;
    expect(rules.map((r: { Action: string }) => r.Action)).toEqual(['ALLOW', 'ALERT']);
    expect(rules[1].BlockResponse).toBeUndefined();
  });

  test('NXDOMAIN, priority and mutation protection', () => {
    const { template } = stackWith(isolated, { blockResponse: DnsBlockResponse.NXDOMAIN, priority: 9899, mutationProtection: true });
    const rules = Object.values(template.findResources('AWS::Route53Resolver::FirewallRuleGroup'))[0].Properties.FirewallRules;
    expect(rules[1]).toMatchObject({ Action: 'BLOCK', BlockResponse: 'NXDOMAIN' });
    template.hasResourceProperties('AWS::Route53Resolver::FirewallRuleGroupAssociation', { Priority: 9899, MutationProtection: 'ENABLED' });
  });

  test('fail open is set through the Route 53 Resolver API once the rule group is associated, and back to closed on removal', () => {
    const { template } = stackWith(isolated, { failOpen: true });
    const setting = Object.entries(template.findResources('Custom::AWS')).find(([, r]) => JSON.stringify(r).includes('updateFirewallConfig'))!;
    // AwsCustomResource passes each call as a JSON string (with the VPC id joined in).
    const call = (phase: 'Create' | 'Update' | 'Delete') => JSON.stringify(setting[1].Properties[phase]);
    expect(call('Create')).toMatch(/\\"action\\":\\"updateFirewallConfig\\".*\\"FirewallFailOpen\\":\\"ENABLED\\"/);
    expect(call('Update')).toMatch(/\\"FirewallFailOpen\\":\\"ENABLED\\"/);
    expect(call('Delete')).toMatch(/\\"FirewallFailOpen\\":\\"DISABLED\\"/);
    expect(call('Create')).toMatch(/\\"ResourceId\\":\\"",\{"Ref":"NetworkVpc/);
    expect(setting[1].DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^DnsAssociation/)]));
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p).includes('UpdateFirewallConfig'))!;
    expect(policy.Properties.PolicyDocument.Statement.map((st: { Action: string }) => st.Action)).toEqual(['route53resolver:UpdateFirewallConfig', 'ec2:DescribeVpcs']);
    // Not AWS::Route53Resolver::FirewallConfig: aws-cdk-lib has an L1, but CloudFormation's registry has no such type.
    template.resourceCountIs('AWS::Route53Resolver::FirewallConfig', 0);
  });

  test('fail open is clean under the four cdk-nag packs', () => {
    const { stack } = stackWith(isolated, { failOpen: true });
    for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()]) {
      expect(pack.validateScope(stack).violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual([]);
    }
  });

  test('query logging can be turned off', () => {
    const { template } = stackWith(isolated, { queryLogging: false });
    template.resourceCountIs('AWS::Route53Resolver::ResolverQueryLoggingConfig', 0);
    template.resourceCountIs('AWS::Logs::LogGroup', 1); // the VPC flow log's
  });

  test('alert mode without a query log is flagged (alerts are reported only there)', () => {
    const { stack } = stackWith(isolated, { mode: DnsFirewallMode.ALERT, queryLogging: false });
    Annotations.fromStack(stack).hasWarning('/Test/Dns', Match.stringLikeRegexp('reports names that are not on the list only in the Resolver query log'));
  });

  test('an endpoint whose names are not known, or whose private DNS is off, is flagged', () => {
    const { stack } = stackWith((s) => {
      const network = new RestrictedEgressVpc(s, 'Network', { internetEgress: InternetEgress.none() });
      network.addInterfaceEndpoint('EcsAgentEndpoint', { service: ec2.InterfaceVpcEndpointAwsService.ECS_AGENT });
      new ec2.InterfaceVpcEndpoint(s, 'NoPrivateDns', { vpc: network.vpc, service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, privateDnsEnabled: false });
      return network.vpc;
    });
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Dns', Match.stringLikeRegexp('DNS names this library does not know')).map((w) => String(w.entry.data));
    expect(warnings.some((w) => w.includes('ecs-agent'))).toBe(true);
    expect(warnings.some((w) => w.includes('secretsmanager') && w.includes('private DNS off'))).toBe(true);
  });

  test('a block response in alert mode is flagged', () => {
    const { stack } = stackWith(isolated, { mode: DnsFirewallMode.ALERT, blockResponse: DnsBlockResponse.NXDOMAIN });
    Annotations.fromStack(stack).hasWarning('/Test/Dns', Match.stringLikeRegexp('blockResponse has no effect'));
  });
});

describe('the egress analyzer states which names a workload may resolve', () => {
  const build = (withAllowlist: boolean, props: Partial<DnsEgressAllowlistProps> = {}) => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
    new NoInternetNotebook(stack, 'Notebook', { network });
    if (withAllowlist) new DnsEgressAllowlist(stack, 'Dns', { vpc: network.vpc, ...props });
    const analyzer = egress.EgressAnalyzer.fromTemplate(Template.fromStack(stack).toJSON());
    return { analyzer, filter: analyzer.dnsFilter(analyzer.workloads[0]) };
  };

  test('with the allowlist: only its names, anything else blocked with NODATA', () => {
    const { analyzer, filter } = build(true);
    expect(filter).toMatchObject({ filtered: true, otherNames: 'BLOCK', blockResponse: 'NODATA' });
    expect([...filter.allowedDomains].sort()).toEqual([...NOTEBOOK_ENDPOINT_NAMES, ...S3_NAMES, ...INTERNAL].sort());
    expect(analyzer.report()).toMatch(/DNS names it may resolve: only 9 name\(s\) \(DNS Firewall; any other name: BLOCK with NODATA\): /);
  });

  test('in alert mode every name resolves, the others with an alert', () => {
    expect(build(true, { mode: DnsFirewallMode.ALERT }).filter).toMatchObject({ filtered: true, otherNames: 'ALERT', blockResponse: undefined });
  });

  test('without it: any name', () => {
    const { analyzer, filter } = build(false);
    expect(filter).toEqual({ filtered: false, otherNames: 'ALLOW', allowedDomains: [], description: 'any name (no DNS Firewall rule group on the VPC)' });
    expect(analyzer.report()).toContain('DNS names it may resolve: any name (no DNS Firewall rule group on the VPC)');
  });

  const withRules = (mutate: (template: any) => void) => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
    new NoInternetNotebook(stack, 'Notebook', { network });
    new DnsEgressAllowlist(stack, 'Dns', { vpc: network.vpc });
    const template = Template.fromStack(stack).toJSON();
    mutate(template);
    const analyzer = egress.EgressAnalyzer.fromTemplate(template);
    return analyzer.dnsFilter(analyzer.workloads[0]);
  };
  const ruleGroupOf = (template: any) => Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::Route53Resolver::FirewallRuleGroup');

  test('a catch-all rule limited to one query type blocks nothing else: not a closed channel', () => {
    const filter = withRules((t) => { ruleGroupOf(t).Properties.FirewallRules[1].Qtype = 'TXT'; });
    expect(filter.otherNames).toBe('UNKNOWN');
    expect(filter.description).toMatch(/applies only to TXT queries/);
  });

  test('a name blocked by an earlier rule is not among the names it may resolve', () => {
    const filter = withRules((t) => {
      const group = ruleGroupOf(t);
      const allowList = group.Properties.FirewallRules[0].FirewallDomainListId;
      t.Resources.Early = { Type: 'AWS::Route53Resolver::FirewallDomainList', Properties: { Domains: ['sts.eu-west-1.amazonaws.com'] } };
      group.Properties.FirewallRules.unshift({ Priority: 50, Action: 'BLOCK', BlockResponse: 'NODATA', FirewallDomainListId: { 'Fn::GetAtt': ['Early', 'Id'] } });
      expect(allowList).toBeDefined();
    });
    expect(filter.otherNames).toBe('BLOCK');
    expect(filter.allowedDomains).not.toContain('sts.eu-west-1.amazonaws.com');
    expect(filter.allowedDomains).toContain('logs.eu-west-1.amazonaws.com');
  });

  test('a catch-all ALLOW means any name', () => {
    const filter = withRules((t) => { ruleGroupOf(t).Properties.FirewallRules[1].Action = 'ALLOW'; });
    expect(filter).toMatchObject({ filtered: true, otherNames: 'ALLOW', description: 'any name (a DNS Firewall rule allows every name)' });
  });

  test('a domain list known only at deploy makes the answer UNKNOWN', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
    new NoInternetNotebook(stack, 'Notebook', { network });
    new DnsEgressAllowlist(stack, 'Dns', { vpc: network.vpc });
    const template = Template.fromStack(stack).toJSON();
    const [id] = Object.entries(template.Resources as Record<string, any>).find(([, r]) => r.Type === 'AWS::Route53Resolver::FirewallDomainList' && r.Properties.Domains[0] !== '*')!;
    template.Resources[id].Properties = { DomainFileUrl: 's3://bucket/domains.txt' };
    const analyzer = egress.EgressAnalyzer.fromTemplate(template);
    const filter = analyzer.dnsFilter(analyzer.workloads[0]);
    expect(filter.otherNames).toBe('UNKNOWN');
    expect(filter.description).toMatch(/known only at deploy/);
  });
});

describe('DnsEgressAllowlist rejects bad input at synth', () => {
  test.each([
    ['a malformed domain', { allowedDomains: ['exa mple.com'] }, /allowedDomains must be a domain name of letters, digits and hyphens.*got: "exa mple.com"/],
    ['an underscore', { allowedDomains: ['_dmarc.example.com'] }, /allowedDomains must be a domain name/],
    ['a wildcard inside a label', { allowedDomains: ['*example.com'] }, /a wildcard may only be the whole leftmost label/],
    ['a wildcard not leftmost', { allowedDomains: ['api.*.example.com'] }, /a wildcard may only be the whole leftmost label/],
    ['a wildcard at the end', { allowedDomains: ['example.*'] }, /a wildcard may only be the whole leftmost label/],
    ['every name', { allowedDomains: ['*'] }, /allowedDomains must name domains to allow; "\*" would allow every name/],
    ['a label over 63 characters', { allowedDomains: [`${'a'.repeat(64)}.com`] }, /allowedDomains must be a domain name/],
    ['a wildcard zone', { privateHostedZones: ['*.corp.internal'] }, /privateHostedZones must be a domain name.*\(no wildcard here\)/],
    ['priority 100', { priority: 100 }, /priority must be an integer from 101 to 9899/],
    ['priority 9900', { priority: 9900 }, /priority must be an integer from 101 to 9899/],
    ['a short query log retention', { queryLogRetention: logs.RetentionDays.SIX_MONTHS }, /queryLogRetention must keep the query log at least one year/],
  ])('%s', (_case, props, message) => {
    expect(() => stackWith(isolated, props as Partial<DnsEgressAllowlistProps>)).toThrow(message);
  });

  test('more names than a domain list takes', () => {
    const allowedDomains = Array.from({ length: 1000 }, (_, i) => `host-${i}.example.com`);
    expect(() => stackWith(isolated, { allowedDomains })).toThrow(/allowedDomains must keep the allowlist within 1000 names.*got: 1009/);
  });

  test('an empty allowlist in block mode, unless forced', () => {
    const bare = (stack: Stack) => new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => stackWith(bare)).toThrow(/allowedDomains must not leave the allowlist empty in DnsFirewallMode.BLOCK/);
    expect(() => stackWith(bare, { mode: DnsFirewallMode.ALERT })).not.toThrow();
    expect(() => stackWith(bare, { allowEmptyAllowlist: true })).not.toThrow();
  });

  test('a second allowlist on the same VPC', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const vpc = isolated(stack);
    new DnsEgressAllowlist(stack, 'First', { vpc });
    expect(() => new DnsEgressAllowlist(stack, 'Second', { vpc })).toThrow(/vpc must have one DnsEgressAllowlist only.*add the names to Test\/First/);
  });
});

describe('priority relative to other DNS Firewall rule groups', () => {
  const build = (allowlistPriority: number | undefined, otherPriority: number) => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const network = new RestrictedEgressVpc(stack, 'Network');
    new route53resolver.CfnFirewallRuleGroupAssociation(stack, 'ThreatList', {
      firewallRuleGroupId: 'rslvr-frg-0123456789abcdef', vpcId: network.vpc.vpcId, priority: otherPriority,
    });
    new DnsEgressAllowlist(stack, 'Dns', { vpc: network.vpc, priority: allowlistPriority });
    return Annotations.fromStack(stack);
  };

  test('warns when the allowlist decides every name before a rule group of the app (it never applies)', () => {
    build(undefined, 500).hasWarning('/Test/Dns', Match.stringLikeRegexp('\\(priority 101\\) decides every name .* Test/ThreatList \\(priority 500\\)'));
  });

  test('a rule group evaluated first is not shadowed', () => {
    build(600, 500).hasNoWarning('/Test/Dns', Match.stringLikeRegexp('decides every name'));
  });
});
