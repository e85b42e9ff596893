import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  ALL, groupId, https, interfaceEndpoints, natEgress, notebook, ref, s3GatewayEndpoint, s3PrefixListId, securityGroup, subnet as subnetResources, TCP,
  template, vpc, workloadAcl,
} from './templates';
import { InternetEgress, NoInternetNotebook, RestrictedEgressVpc } from '../../src';
import { EgressAnalyzer, EgressDestination, EgressHopKind, EgressOutcome, EgressProtocol, EgressSource } from '../../src/egress';

const notebookSource = EgressSource.workloadLogicalId('Notebook');
const check = (t: object, destination: EgressDestination, options = {}) =>
  EgressAnalyzer.fromTemplate(t, options).check({ source: notebookSource, destination });

/** The workload may use HTTPS to the endpoints and to S3 (by the S3 prefix list). */
const workloadGroup = () => securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') }), https({ DestinationPrefixListId: s3PrefixListId })]);

describe('the second source document\'s trap: NACL inbound limited to the VPC with an S3 gateway endpoint', () => {
  // The NACL the document warns about: everything out, only the VPC CIDR in.
  const vpcOnlyInbound = () => workloadAcl([100, true, ALL, 'allow', '0.0.0.0/0'], [100, false, ALL, 'allow', '10.0.0.0/16']);

  test('S3 is blocked, by the NACL\'s inbound rule for the return traffic', () => {
    const verdict = check(template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sagemaker.api'), s3GatewayEndpoint(), vpcOnlyInbound()), EgressDestination.s3());
    expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_RETURN_INBOUND, component: 'WorkloadAcl', rule: '*' });
    expect(verdict.blockedBy!.detail).toMatch(/stateless/);
    // The request itself got out: security group, the gateway endpoint route, the NACL outbound rule 100.
    expect(verdict.path.map((h) => h.kind)).toEqual([
      EgressHopKind.SECURITY_GROUP_EGRESS, EgressHopKind.ROUTE, EgressHopKind.NETWORK_ACL_OUTBOUND,
      EgressHopKind.GATEWAY_ENDPOINT, EgressHopKind.NETWORK_ACL_RETURN_INBOUND,
    ]);
  });

  test('the same NACL does not affect the interface endpoints (their network interfaces are in the VPC)', () => {
    const verdict = check(template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sagemaker.api'), s3GatewayEndpoint(), vpcOnlyInbound()), EgressDestination.awsService('sagemaker.api'));
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path.map((h) => h.kind)).toContain(EgressHopKind.NETWORK_ACL_RETURN_INBOUND);
  });

  test('fix 1: the region\'s S3 ranges in the NACL make S3 reachable; a range missing from the NACL makes it PARTIAL', () => {
    const s3Ranges = ['52.92.16.0/20', '52.216.0.0/15', '3.5.0.0/19'];
    const acl = workloadAcl([100, true, ALL, 'allow', '0.0.0.0/0'], [100, false, ALL, 'allow', '10.0.0.0/16'],
      ...s3Ranges.map((cidr, i) => [200 + i, false, TCP, 'allow', cidr, 1024, 65535] as [number, boolean, number, 'allow', string, number, number]));
    const t = template(vpc(), notebook(), workloadGroup(), s3GatewayEndpoint(), acl);
    expect(check(t, EgressDestination.s3(), { s3Ranges }).outcome).toBe(EgressOutcome.REACHABLE);
    const oneMore = check(t, EgressDestination.s3(), { s3Ranges: [...s3Ranges, '18.34.0.0/19'] });
    expect(oneMore.outcome).toBe(EgressOutcome.PARTIAL);
    expect(oneMore.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_RETURN_INBOUND, rule: '*' });
    expect(oneMore.blockedBy!.detail).toContain('18.34.0.0/19');
  });

  test('fix 1 as this library does it: NACL entries synchronised from the S3 prefix list at deploy', () => {
    const sync = {
      S3Ranges: {
        Type: 'Custom::NaclRangeSync',
        Properties: { NetworkAclIds: [ref('WorkloadAcl')], PrefixListIds: [s3PrefixListId], RuleNumberBase: 1000, RuleNumberCount: 100, Port: 443 },
      },
    };
    const t = template(vpc(), notebook(), workloadGroup(), s3GatewayEndpoint(), workloadAcl([100, true, ALL, 'allow', '10.0.0.0/16'], [100, false, ALL, 'allow', '10.0.0.0/16']), sync);
    const verdict = check(t, EgressDestination.s3());
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path.find((h) => h.kind === EgressHopKind.NETWORK_ACL_RETURN_INBOUND)).toMatchObject({ rule: 'rule 1000' });
  });

  test('fix 2: an S3 interface endpoint needs no S3 ranges in the NACL', () => {
    const s3Interface = interfaceEndpoints('s3');
    const group = securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') })]);
    const verdict = check(template(vpc(), notebook(), group, s3Interface, workloadAcl([100, true, ALL, 'allow', '10.0.0.0/16'], [100, false, ALL, 'allow', '10.0.0.0/16'])), EgressDestination.s3());
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path[0]).toMatchObject({ kind: EgressHopKind.INTERFACE_ENDPOINT, component: 's3Endpoint' });
    expect(verdict.path.filter((h) => h.kind.startsWith('NETWORK_ACL')).map((h) => h.rule)).toEqual(['rule 100', 'rule 100', 'rule 100', 'rule 100'].slice(0, 4));
  });
});

describe('NACLs are stateless in both directions', () => {
  const t = (...entries: Parameters<typeof workloadAcl>) => template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'), workloadAcl(...entries));

  test('outbound allowed but no inbound rule for the reply: blocked at the return inbound rule', () => {
    const verdict = check(t([100, true, TCP, 'allow', '10.0.0.0/16', 443]), EgressDestination.awsService('sts'));
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_RETURN_INBOUND, rule: '*' });
  });

  test('a return rule that covers only part of the ephemeral ports is not enough, and the report names the ports', () => {
    const verdict = check(t([100, true, TCP, 'allow', '10.0.0.0/16', 443], [100, false, TCP, 'allow', '10.0.0.0/16', 49152, 65535]), EgressDestination.awsService('sts'));
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_RETURN_INBOUND, rule: '*' });
    expect(verdict.blockedBy!.detail).toContain('32768-49151');
  });

  test('a lower-numbered deny wins over a later allow', () => {
    const verdict = check(t([50, true, TCP, 'deny', '10.0.1.0/24', 443], [100, true, ALL, 'allow', '0.0.0.0/0'], [100, false, ALL, 'allow', '0.0.0.0/0']), EgressDestination.awsService('sts'));
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_OUTBOUND, rule: 'rule 50' });
  });

  test('traffic within one subnet never meets the NACL', () => {
    const sameSubnet = template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'), workloadAcl());
    (sameSubnet.Resources.stsEndpoint.Properties as any).SubnetIds = [ref('WorkloadSubnet')];
    const verdict = check(sameSubnet, EgressDestination.awsService('sts'));
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path.some((h) => h.kind.startsWith('NETWORK_ACL'))).toBe(false);
  });
});

describe('routes and gateways', () => {
  const open = () => securityGroup('Workload', [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }]);

  test('through a NAT gateway and an attached internet gateway, with the NAT subnet\'s return rules on 1024-65535', () => {
    const natAcl = {
      PublicAcl: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: ref('Vpc') } },
      PublicAclAssociation: { Type: 'AWS::EC2::SubnetNetworkAclAssociation', Properties: { SubnetId: ref('PublicSubnet'), NetworkAclId: ref('PublicAcl') } },
      PublicOut: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('PublicAcl'), RuleNumber: 100, Egress: true, Protocol: -1, RuleAction: 'allow', CidrBlock: '0.0.0.0/0' } },
      // Replies to the NAT gateway's own ports, but only the Linux client range: too narrow for a NAT.
      PublicIn: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('PublicAcl'), RuleNumber: 100, Egress: false, Protocol: 6, RuleAction: 'allow', CidrBlock: '0.0.0.0/0', PortRange: { From: 32768, To: 65535 } } },
      PublicInVpc: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('PublicAcl'), RuleNumber: 90, Egress: false, Protocol: -1, RuleAction: 'allow', CidrBlock: '10.0.0.0/16' } },
    };
    const withDefaultAcls = template(vpc(), notebook(), open(), natEgress());
    const ok = check(withDefaultAcls, EgressDestination.ipv4('8.8.8.8', 443));
    expect(ok.outcome).toBe(EgressOutcome.REACHABLE);
    expect(ok.path.map((h) => h.kind)).toEqual(
      expect.arrayContaining([EgressHopKind.NAT_GATEWAY, EgressHopKind.INTERNET_GATEWAY, EgressHopKind.NETWORK_ACL_RETURN_OUTBOUND]));
    const narrow = check(template(vpc(), notebook(), open(), natEgress(), natAcl), EgressDestination.ipv4('8.8.8.8', 443));
    expect(narrow.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_RETURN_INBOUND, component: 'PublicAcl', rule: '*' });
    expect(narrow.blockedBy!.detail).toContain('1024-32767');
  });

  test('a detached internet gateway, a private NAT gateway, a direct internet gateway route, no route at all', () => {
    const internet = EgressDestination.internet();
    expect(check(template(vpc(), notebook(), open(), natEgress({ attached: false })), internet).blockedBy?.detail).toMatch(/not attached/);
    expect(check(template(vpc(), notebook(), open(), natEgress({ privateNat: true })), internet).blockedBy?.kind).toBe(EgressHopKind.NAT_GATEWAY);
    const igwRoute = template(vpc(), notebook(), open(), natEgress());
    igwRoute.Resources.WorkloadDefault.Properties = { RouteTableId: ref('WorkloadRouteTable'), DestinationCidrBlock: '0.0.0.0/0', GatewayId: ref('Igw') };
    expect(check(igwRoute, internet).blockedBy).toMatchObject({ kind: EgressHopKind.INTERNET_GATEWAY });
    expect(check(igwRoute, internet).blockedBy?.detail).toMatch(/no public IPv4 address/);
    const isolated = check(template(vpc(), notebook(), open()), internet);
    expect(isolated.blockedBy).toMatchObject({ kind: EgressHopKind.ROUTE, component: 'WorkloadRouteTable' });
  });

  test('the most specific route wins: a /32 to a transit gateway is UNKNOWN, the rest goes to the NAT', () => {
    const t = template(vpc(), notebook(), open(), natEgress(), {
      ToTgw: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('WorkloadRouteTable'), DestinationCidrBlock: '8.8.8.8/32', TransitGatewayId: 'tgw-0123' } },
    });
    const tgw = check(t, EgressDestination.ipv4('8.8.8.8', 443));
    expect(tgw.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(tgw.blockedBy?.detail).toMatch(/transit gateway tgw-0123/);
    expect(check(t, EgressDestination.ipv4('8.8.4.4', 443)).outcome).toBe(EgressOutcome.REACHABLE);
  });

  test('S3 in another region does not match this region\'s gateway endpoint route', () => {
    const t = template(vpc(), notebook(), securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]), s3GatewayEndpoint());
    const analyzer = EgressAnalyzer.fromTemplate(t, { region: 'eu-west-1' });
    expect(analyzer.check({ source: notebookSource, destination: EgressDestination.s3('eu-west-1') }).outcome).toBe(EgressOutcome.REACHABLE);
    expect(analyzer.check({ source: notebookSource, destination: EgressDestination.s3('us-east-1') }).blockedBy?.kind).toBe(EgressHopKind.ROUTE);
  });
});

describe('security groups', () => {
  test('a group created without egress rules keeps EC2\'s allow-all rule; CDK\'s placeholder allows nothing', () => {
    const withoutRules = template(vpc(), notebook(), securityGroup('Workload', undefined), natEgress());
    expect(check(withoutRules, EgressDestination.ipv4('1.1.1.1', 53, EgressProtocol.UDP)).outcome).toBe(EgressOutcome.REACHABLE);
    const placeholder = check(template(vpc(), notebook(), securityGroup('Workload', []), natEgress()), EgressDestination.ipv4('1.1.1.1', 53, EgressProtocol.UDP));
    expect(placeholder.blockedBy).toMatchObject({ kind: EgressHopKind.SECURITY_GROUP_EGRESS, component: 'Workload' });
  });

  test('a security group reference admits only the referenced group; the endpoint\'s ingress is checked too', () => {
    const t = template(vpc(), notebook(), securityGroup('Workload', [https({ CidrIp: '10.0.0.0/16' })]), interfaceEndpoints('sts'));
    (t.Resources.EndpointGroup.Properties as any).SecurityGroupIngress = [https({ SourceSecurityGroupId: groupId('SomeoneElse') })];
    const verdict = check(t, EgressDestination.awsService('sts'));
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.SECURITY_GROUP_INGRESS, component: 'EndpointGroup' });
  });

  test('an imported security group makes the verdict UNKNOWN rather than guessed', () => {
    const t = template(vpc(), notebook(), natEgress());
    (t.Resources.Notebook.Properties as any).SecurityGroupIds = ['sg-0abc'];
    const verdict = check(t, EgressDestination.internet());
    expect(verdict.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(verdict.blockedBy?.detail).toMatch(/sg-0abc is not defined in this template/);
  });

  test('a package index is reachable through a resolved address set, other addresses are not', () => {
    const t = template(vpc(), notebook(), natEgress(), securityGroup('Workload', [https({ DestinationPrefixListId: ref('Pypi') })]), {
      Pypi: { Type: 'Custom::ResolvedAddressSet', Properties: { Hostnames: ['pypi.org', 'files.pythonhosted.org'], StaticCidrs: [] } },
    });
    expect(check(t, EgressDestination.host('files.pythonhosted.org')).outcome).toBe(EgressOutcome.REACHABLE);
    expect(check(t, EgressDestination.host('example.com')).outcome).toBe(EgressOutcome.BLOCKED);
    const ip = check(t, EgressDestination.ipv4('151.101.0.223', 443));
    expect(ip.outcome).toBe(EgressOutcome.BLOCKED);
    expect(ip.notes.join()).toMatch(/Assumed that 151.101.0.223 is not among the addresses of pypi.org/);
    expect(check(t, EgressDestination.internet()).outcome).toBe(EgressOutcome.BLOCKED);
  });
});

describe('SageMaker workloads', () => {
  test('a notebook with direct internet access (the CloudFormation default) reaches the internet through SageMaker\'s network', () => {
    const verdict = check(template(vpc(), notebook('omitted'), securityGroup('Workload', [])), EgressDestination.internet());
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path[0]).toMatchObject({ kind: EgressHopKind.SAGEMAKER_MANAGED_NETWORK });
    expect(verdict.path[0].detail).toMatch(/the default/);
  });

  test('a Studio profile in two subnets, one of them without a route to the endpoint subnet\'s NACL rules: PARTIAL', () => {
    const t = template(vpc(), subnetResources('Second', '10.0.3.0/24'), securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') })]), interfaceEndpoints('sts'), {
      Domain: { Type: 'AWS::SageMaker::Domain', Properties: { AppNetworkAccessType: 'VpcOnly', SubnetIds: [ref('WorkloadSubnet'), ref('SecondSubnet')], DefaultUserSettings: { SecurityGroups: [groupId('Workload')] } } },
      Profile: { Type: 'AWS::SageMaker::UserProfile', Properties: { DomainId: { 'Fn::GetAtt': ['Domain', 'DomainId'] } } },
      EndpointAcl: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: ref('Vpc') } },
      EndpointAclAssociation: { Type: 'AWS::EC2::SubnetNetworkAclAssociation', Properties: { SubnetId: ref('EndpointsSubnet'), NetworkAclId: ref('EndpointAcl') } },
      In: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('EndpointAcl'), RuleNumber: 100, Egress: false, Protocol: -1, RuleAction: 'allow', CidrBlock: '10.0.0.0/24' } },
      Out: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('EndpointAcl'), RuleNumber: 100, Egress: true, Protocol: -1, RuleAction: 'allow', CidrBlock: '10.0.0.0/16' } },
    });
    const analyzer = EgressAnalyzer.fromTemplate(t);
    expect(analyzer.workloads.map((w) => w.description)).toEqual(['Domain', 'Profile']);
    const verdict = analyzer.check({ source: EgressSource.workloadLogicalId('Profile'), destination: EgressDestination.awsService('sts') });
    expect(verdict.outcome).toBe(EgressOutcome.PARTIAL);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_INBOUND, component: 'EndpointAcl' });
    expect(verdict.blockedBy!.detail).toContain('10.0.3.0/24');
  });

  test('DNS through the Amazon-provided resolver is reachable: security groups and NACLs do not filter it', () => {
    const t = template(vpc(), notebook(), securityGroup('Workload', []), workloadAcl());
    expect(check(t, EgressDestination.amazonDns()))
      .toMatchObject({ outcome: EgressOutcome.REACHABLE, path: [expect.objectContaining({ kind: EgressHopKind.AMAZON_DNS })] });
    expect(check(t, EgressDestination.ipv4('10.0.0.2', 53, EgressProtocol.UDP)).outcome).toBe(EgressOutcome.REACHABLE);
    (t.Resources.Vpc.Properties as any).EnableDnsSupport = false;
    expect(check(t, EgressDestination.amazonDns()).outcome).toBe(EgressOutcome.BLOCKED);
  });
});

describe('from a stack, with constructs as sources', () => {
  test('EgressSource.workload(notebook) and EgressSource.securityGroup(group, subnet) answer the same', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { region: 'eu-west-1', account: '111111111111' } });
    const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
    const nb = new NoInternetNotebook(stack, 'Notebook', { network });
    const analyzer = EgressAnalyzer.fromStack(stack);
    expect(analyzer.region).toBe('eu-west-1');
    const subnet = network.vpc.selectSubnets({ subnetGroupName: 'Workload' }).subnets[0];
    const group = nb.connections.securityGroups[0];
    for (const source of [EgressSource.workload(nb), EgressSource.securityGroup(group, subnet)]) {
      expect(analyzer.check({ source, destination: EgressDestination.awsService('sagemaker.api') }).outcome).toBe(EgressOutcome.REACHABLE);
      expect(analyzer.check({ source, destination: EgressDestination.s3() }).outcome).toBe(EgressOutcome.REACHABLE);
      expect(analyzer.check({ source, destination: EgressDestination.awsService('com.amazonaws.eu-west-1.sts') }).outcome).toBe(EgressOutcome.REACHABLE);
      expect(analyzer.check({ source, destination: EgressDestination.internet() }).outcome).toBe(EgressOutcome.BLOCKED);
    }
  });

  test('bad input names the prop and the fix', () => {
    expect(() => EgressDestination.ipv4('10.0.0.0/8', 443)).toThrow(/address must be a dotted-quad IPv4 address, got: "10.0.0.0\/8"/);
    expect(() => EgressDestination.ipv4('8.8.8.8', 70000)).toThrow(/port must be an integer from 0 to 65535/);
    expect(() => EgressDestination.host('not a host')).toThrow(/hostname must be a fully qualified host name/);
    expect(() => EgressDestination.s3('mars')).toThrow(/region must be a region name/);
    expect(() => EgressDestination.awsService('Sage Maker')).toThrow(/name must be an endpoint service name/);
    expect(() => EgressAnalyzer.fromTemplate({})).toThrow(/^template Resources: must be an object of resources by logical id, got nothing/);
    expect(() => EgressAnalyzer.fromTemplate(template(vpc()), { s3Ranges: ['52.0.0.0'] })).toThrow(/s3Ranges\[0\] must be an IPv4 CIDR block/);
    const analyzer = EgressAnalyzer.fromTemplate(template(vpc(), notebook(), securityGroup('Workload', [])));
    expect(() => analyzer.check({ source: EgressSource.workloadLogicalId('Nope'), destination: EgressDestination.internet() })).toThrow(/logicalId must name .* got: "Nope" — use one of: Notebook/);
    expect(() => EgressSource.securityGroupLogicalId('Workload')).toThrow(/subnetLogicalIds must name at least one subnet/);
    const stack = new Stack();
    expect(() => EgressSource.workload(new ec2.CfnVPC(stack, 'V', {}))).toThrow(/scope must contain a SageMaker notebook instance/);
  });
});

describe('values a template resolves only at deploy time are reported, never dropped or guessed', () => {
  const open = (peer: Record<string, unknown>) => securityGroup('Workload', [{ IpProtocol: '-1', ...peer }]);

  test('a security group rule whose CIDR is a parameter: the internet is UNKNOWN, not BLOCKED', () => {
    const verdict = check(template(vpc(), notebook(), natEgress(), open({ CidrIp: ref('AllowedCidr') })), EgressDestination.internet());
    expect(verdict.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.SECURITY_GROUP_EGRESS, known: false });
    expect(verdict.blockedBy!.detail).toMatch(/Ref AllowedCidr is resolved only at deploy time/);
  });

  test('the VPC\'s own CIDR by Fn::GetAtt (what the library writes for a plain ec2.Vpc) is resolved', () => {
    const t = template(vpc(), notebook(), interfaceEndpoints('sts'), securityGroup('Workload', [https({ CidrIp: { 'Fn::GetAtt': ['Vpc', 'CidrBlock'] } })]));
    (t.Resources.EndpointGroup.Properties as any).SecurityGroupIngress = [https({ CidrIp: { 'Fn::GetAtt': ['Vpc', 'CidrBlock'] } })];
    expect(check(t, EgressDestination.awsService('sts')).outcome).toBe(EgressOutcome.REACHABLE);
  });

  test('a NACL deny whose CIDR is a parameter, before an allow: UNKNOWN; after an allow that decides first: no doubt', () => {
    const acl = (denyNumber: number) => template(vpc(), notebook(), natEgress(), open({ CidrIp: '0.0.0.0/0' }),
      workloadAcl([100, true, ALL, 'allow', '0.0.0.0/0'], [100, false, ALL, 'allow', '0.0.0.0/0']), {
        Deny: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('WorkloadAcl'), RuleNumber: denyNumber, Egress: true, Protocol: -1, RuleAction: 'deny', CidrBlock: ref('Blocked') } },
      });
    const before = check(acl(50), EgressDestination.ipv4('8.8.8.8', 443));
    expect(before.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(before.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_OUTBOUND, rule: 'rule 50', known: false });
    expect(check(acl(200), EgressDestination.ipv4('8.8.8.8', 443)).outcome).toBe(EgressOutcome.REACHABLE);
  });

  test('a route whose destination is a parameter, egress rules given by Fn::If, a malformed CIDR: UNKNOWN, no exception', () => {
    const route = template(vpc(), notebook(), natEgress(), open({ CidrIp: '0.0.0.0/0' }), {
      Maybe: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('WorkloadRouteTable'), DestinationCidrBlock: ref('OnPremises'), TransitGatewayId: 'tgw-1' } },
    });
    expect(check(route, EgressDestination.internet()).blockedBy).toMatchObject({ kind: EgressHopKind.ROUTE, rule: 'Maybe', known: false });
    const conditional = template(vpc(), notebook(), natEgress(), securityGroup('Workload', []));
    (conditional.Resources.Workload.Properties as any).SecurityGroupEgress = { 'Fn::If': ['Open', [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }], []] };
    expect(check(conditional, EgressDestination.internet()).outcome).toBe(EgressOutcome.UNKNOWN);
    const malformed = template(vpc(), notebook(), natEgress(), open({ CidrIp: '10.0.0.0/33' }));
    expect(check(malformed, EgressDestination.internet()).blockedBy?.detail).toMatch(/"10.0.0.0\/33" is not an IPv4 CIDR/);
  });

  test('a NACL deny covering only part of the workload subnet makes the answer depend on the address', () => {
    const t = template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'), {
      EndpointAcl: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: ref('Vpc') } },
      EndpointAclAssociation: { Type: 'AWS::EC2::SubnetNetworkAclAssociation', Properties: { SubnetId: ref('EndpointsSubnet'), NetworkAclId: ref('EndpointAcl') } },
      DenyHalf: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('EndpointAcl'), RuleNumber: 50, Egress: false, Protocol: -1, RuleAction: 'deny', CidrBlock: '10.0.0.0/25' } },
      In: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('EndpointAcl'), RuleNumber: 100, Egress: false, Protocol: -1, RuleAction: 'allow', CidrBlock: '10.0.0.0/16' } },
      Out: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('EndpointAcl'), RuleNumber: 100, Egress: true, Protocol: -1, RuleAction: 'allow', CidrBlock: '10.0.0.0/16' } },
    });
    const verdict = check(t, EgressDestination.awsService('sts'));
    expect(verdict.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(verdict.blockedBy!.detail).toMatch(/depends on rule 50 .*covers only part of subnet WorkloadSubnet/);
  });

  test('service names written with Fn::Sub; an imported subnet is named readably', () => {
    const t = template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'), s3GatewayEndpoint());
    (t.Resources.S3Gateway.Properties as any).ServiceName = { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.s3' };
    (t.Resources.stsEndpoint.Properties as any).ServiceName = { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.sts' };
    expect(check(t, EgressDestination.s3()).outcome).toBe(EgressOutcome.REACHABLE);
    expect(check(t, EgressDestination.awsService('sts')).outcome).toBe(EgressOutcome.REACHABLE);
    (t.Resources.Notebook.Properties as any).SubnetId = { 'Fn::ImportValue': 'shared-subnet' };
    expect(check(t, EgressDestination.s3()).blockedBy?.detail).toMatch(/subnet shared-subnet \(Fn::ImportValue\) is not defined in this template/);
  });
});

describe('each part of the model decides', () => {
  const sts = EgressDestination.awsService('sts');
  const endpointAcl = (outboundTo: string) => ({
    EndpointAcl: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: ref('Vpc') } },
    EndpointAclAssociation: { Type: 'AWS::EC2::SubnetNetworkAclAssociation', Properties: { SubnetId: ref('EndpointsSubnet'), NetworkAclId: ref('EndpointAcl') } },
    In: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('EndpointAcl'), RuleNumber: 100, Egress: false, Protocol: -1, RuleAction: 'allow', CidrBlock: '0.0.0.0/0' } },
    Out: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('EndpointAcl'), RuleNumber: 100, Egress: true, Protocol: -1, RuleAction: 'allow', CidrBlock: outboundTo } },
  });

  test('the reply leaving the endpoint subnet is matched against the client\'s subnet', () => {
    expect(check(template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'), endpointAcl('10.0.0.0/24')), sts).outcome).toBe(EgressOutcome.REACHABLE);
    const wrong = check(template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'), endpointAcl('10.0.1.0/24')), sts);
    expect(wrong.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_RETURN_OUTBOUND, component: 'EndpointAcl', rule: '*' });
  });

  test('security group ports, standalone egress rules, and EC2\'s allow-all rule for an empty egress list', () => {
    const port80 = securityGroup('Workload', [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, DestinationSecurityGroupId: groupId('EndpointGroup') }]);
    expect(check(template(vpc(), notebook(), port80, interfaceEndpoints('sts')), sts).blockedBy?.kind).toBe(EgressHopKind.SECURITY_GROUP_EGRESS);
    const standalone = template(vpc(), notebook(), natEgress(), securityGroup('Workload', []), {
      Https: { Type: 'AWS::EC2::SecurityGroupEgress', Properties: { GroupId: groupId('Workload'), IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' } },
    });
    expect(check(standalone, EgressDestination.internet(443)).path[0]).toMatchObject({ kind: EgressHopKind.SECURITY_GROUP_EGRESS, rule: 'Https' });
    expect(check(standalone, EgressDestination.internet(80)).outcome).toBe(EgressOutcome.BLOCKED);
    const empty = template(vpc(), notebook(), natEgress(), securityGroup('Workload', []));
    (empty.Resources.Workload.Properties as any).SecurityGroupEgress = [];
    expect(check(empty, EgressDestination.internet(80)).outcome).toBe(EgressOutcome.REACHABLE);
  });

  test('private DNS off, or an endpoint in another VPC: the service\'s public name is used, and an isolated VPC has no route to it', () => {
    const off = template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'));
    (off.Resources.stsEndpoint.Properties as any).PrivateDnsEnabled = false;
    const verdict = check(off, sts);
    expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
    expect(verdict.blockedBy?.kind).toBe(EgressHopKind.ROUTE);
    expect(verdict.notes.join()).toMatch(/private DNS off/);
    const elsewhere = template(vpc(), notebook(), securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]), interfaceEndpoints('sts'));
    (elsewhere.Resources.stsEndpoint.Properties as any).VpcId = ref('OtherVpc');
    expect(check(elsewhere, sts).blockedBy?.kind).toBe(EgressHopKind.ROUTE);
  });

  test('a secondary VPC CIDR is routed locally; without it the address would go to the NAT and stop at the internet gateway', () => {
    const t = template(vpc(), subnetResources('Extra', '100.64.0.0/24'), notebook(), natEgress(), securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]), {
      Secondary: { Type: 'AWS::EC2::VPCCidrBlock', Properties: { VpcId: ref('Vpc'), CidrBlock: '100.64.0.0/16' } },
    });
    const inside = check(t, EgressDestination.ipv4('100.64.0.10', 443));
    expect(inside.outcome).toBe(EgressOutcome.REACHABLE);
    expect(inside.path.find((h) => h.kind === EgressHopKind.ROUTE)?.rule).toBe('local');
    delete t.Resources.Secondary;
    expect(check(t, EgressDestination.ipv4('100.64.0.10', 443)).blockedBy?.kind).toBe(EgressHopKind.INTERNET_GATEWAY);
  });

  test('the VPC\'s default security group and default NACL, as the template changes them', () => {
    const t = template(vpc(), notebook(), natEgress());
    (t.Resources.Notebook.Properties as any).SecurityGroupIds = [{ 'Fn::GetAtt': ['Vpc', 'DefaultSecurityGroup'] }];
    expect(check(t, EgressDestination.internet()).outcome).toBe(EgressOutcome.REACHABLE);
    const denyAll = { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: { 'Fn::GetAtt': ['Vpc', 'DefaultNetworkAcl'] }, RuleNumber: 1, Egress: true, Protocol: -1, RuleAction: 'deny', CidrBlock: '0.0.0.0/0' } };
    expect(check(template(t.Resources, { DenyAll: denyAll }), EgressDestination.internet()).blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_OUTBOUND, rule: 'rule 1' });
    const restricted = template(t.Resources, { Restrict: { Type: 'Custom::VpcRestrictDefaultSG', Properties: { DefaultSecurityGroupId: { 'Fn::GetAtt': ['Vpc', 'DefaultSecurityGroup'] } } } });
    expect(check(restricted, EgressDestination.internet()).blockedBy?.kind).toBe(EgressHopKind.SECURITY_GROUP_EGRESS);
    // An endpoint without groups uses the default one, whose standalone ingress rules count.
    const endpoint = template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'), {
      DefaultIn: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: { 'Fn::GetAtt': ['Vpc', 'DefaultSecurityGroup'] }, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: groupId('Workload') } },
    });
    delete (endpoint.Resources.stsEndpoint.Properties as any).SecurityGroupIds;
    (endpoint.Resources.Workload.Properties as any).SecurityGroupEgress = [https({ CidrIp: '10.0.0.0/16' })];
    expect(check(endpoint, sts).path.find((h) => h.kind === EgressHopKind.SECURITY_GROUP_INGRESS)).toMatchObject({ allowed: true, rule: 'DefaultIn' });
  });

  test('a private address outside the VPC does not cross the internet; known S3 ranges rank by their own length', () => {
    const open = template(vpc(), notebook(), natEgress(), securityGroup('Workload', [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }]));
    expect(check(open, EgressDestination.ipv4('192.168.1.10', 443)).blockedBy).toMatchObject({ kind: EgressHopKind.INTERNET_GATEWAY });
    const tgw = template(vpc(), notebook(), workloadGroup(), s3GatewayEndpoint(), {
      Wide: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('WorkloadRouteTable'), DestinationCidrBlock: '52.0.0.0/8', TransitGatewayId: 'tgw-1' } },
    });
    const verdict = check(tgw, EgressDestination.s3(), { s3Ranges: ['52.218.0.0/17'] });
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path.map((h) => h.kind)).toContain(EgressHopKind.GATEWAY_ENDPOINT);
  });

  test('a user profile adds its own security groups to the domain\'s', () => {
    const t = template(vpc(), securityGroup('Workload', []), securityGroup('Own', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') })]), interfaceEndpoints('sts'), {
      Domain: { Type: 'AWS::SageMaker::Domain', Properties: { AppNetworkAccessType: 'VpcOnly', SubnetIds: [ref('WorkloadSubnet')], DefaultUserSettings: { SecurityGroups: [groupId('Workload')] } } },
      Profile: { Type: 'AWS::SageMaker::UserProfile', Properties: { DomainId: { 'Fn::GetAtt': ['Domain', 'DomainId'] }, UserSettings: { SecurityGroups: [groupId('Own')] } } },
    });
    (t.Resources.EndpointGroup.Properties as any).SecurityGroupIngress = [https({ SourceSecurityGroupId: groupId('Own') })];
    const analyzer = EgressAnalyzer.fromTemplate(t);
    expect(analyzer.check({ source: EgressSource.workloadLogicalId('Profile'), destination: sts }).outcome).toBe(EgressOutcome.REACHABLE);
    expect(analyzer.check({ source: EgressSource.workloadLogicalId('Domain'), destination: sts }).outcome).toBe(EgressOutcome.BLOCKED);
  });

  test('report() prints a line per destination with the second line of defence, then the DNS names the workload may resolve', () => {
    const analyzer = EgressAnalyzer.fromTemplate(template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('sts'), s3GatewayEndpoint()));
    const report = analyzer.report([sts, EgressDestination.elasticIp(), EgressDestination.internet()]).split('\n');
    expect(report[0].trim()).toBe('Notebook');
    expect(report.slice(2).map((l) => l.trim().split(/\s{2,}/).slice(0, 3))).toEqual([
      ['sts', 'REACHABLE', 'REACHABLE'],
      ['Elastic IP (NAT public side):443', 'BLOCKED', 'BLOCKED (route)'],
      ['internet:443', 'BLOCKED', 'BLOCKED (route)'],
      ['DNS names it may resolve: any name (no DNS Firewall rule group on the VPC)'],
    ]);
  });
});

describe('second review: uncertain entries in every combination, imported components, shared spaces', () => {
  const openGroup = () => securityGroup('Workload', [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }]);
  const entry = (n: number, action: unknown, cidr: unknown) => ({
    Type: 'AWS::EC2::NetworkAclEntry',
    Properties: { NetworkAclId: ref('WorkloadAcl'), RuleNumber: n, Egress: true, Protocol: -1, RuleAction: action, CidrBlock: cidr },
  });
  const withAcl = (entries: Record<string, unknown>) => template(vpc(), notebook(), natEgress(), openGroup(), workloadAcl([100, false, ALL, 'allow', '0.0.0.0/0']), entries as any);

  test('a deny and an allow both known only at deploy: UNKNOWN, not BLOCKED', () => {
    const verdict = check(withAcl({ D: entry(10, 'deny', ref('A')), A: entry(20, 'allow', ref('B')) }), EgressDestination.ipv4('8.8.8.8', 443));
    expect(verdict.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_OUTBOUND, rule: 'rule 10, rule 20' });
  });

  test('an action known only at deploy is tried as allow and as deny', () => {
    expect(check(withAcl({ X: entry(10, ref('Action'), '0.0.0.0/0') }), EgressDestination.internet()).outcome).toBe(EgressOutcome.UNKNOWN);
    // Whatever it is, the default deny follows for what it does not allow... unless an allow-all comes after it.
    expect(check(withAcl({ X: entry(10, ref('Action'), '8.8.8.0/24'), All: entry(100, 'allow', '0.0.0.0/0') }), EgressDestination.ipv4('1.1.1.1', 443)).outcome)
      .toBe(EgressOutcome.REACHABLE);
  });

  test('a route table, a NACL or a prefix list imported from elsewhere: UNKNOWN', () => {
    const rt = template(vpc(), notebook(), natEgress(), openGroup());
    (rt.Resources.WorkloadAssociation.Properties as any).RouteTableId = { 'Fn::ImportValue': 'shared-routes' };
    expect(check(rt, EgressDestination.internet()).blockedBy).toMatchObject({ kind: EgressHopKind.ROUTE, known: false });
    const acl = template(vpc(), notebook(), natEgress(), openGroup(), {
      Assoc: { Type: 'AWS::EC2::SubnetNetworkAclAssociation', Properties: { SubnetId: ref('WorkloadSubnet'), NetworkAclId: 'acl-0123' } },
    });
    expect(check(acl, EgressDestination.internet()).blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_OUTBOUND, component: 'acl-0123', known: false });
    const pl = template(vpc(), notebook(), natEgress(), securityGroup('Workload', [https({ DestinationPrefixListId: 'pl-0abc' })]));
    expect(check(pl, EgressDestination.internet()).outcome).toBe(EgressOutcome.UNKNOWN);
    expect(check(pl, EgressDestination.internet()).blockedBy?.detail).toMatch(/might allow it: the entries of prefix list pl-0abc \(not defined in this template\) are unknown/);
  });

  test('an uncertain rule does not hide a certain block further on', () => {
    const t = template(vpc(), notebook(), securityGroup('Workload', [https({ CidrIp: ref('Allowed') })]));
    const verdict = check(t, EgressDestination.internet());
    expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.ROUTE, known: true });
  });

  test('a route known only at deploy does not blur what a more specific known route carries', () => {
    const t = template(vpc(), notebook(), natEgress(), workloadGroup(), s3GatewayEndpoint(), {
      OnPrem: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('WorkloadRouteTable'), DestinationCidrBlock: ref('OnPremCidr'), TransitGatewayId: 'tgw-1' } },
    });
    const s3 = check(t, EgressDestination.s3());
    expect(s3.outcome).toBe(EgressOutcome.REACHABLE);
    expect(s3.notes.join()).toMatch(/Assumed that route OnPrem/);
  });

  test('subnets whose CIDR is computed at deploy (Fn::Cidr) are still inside the VPC\'s CIDR', () => {
    const t = template(vpc(), notebook(), securityGroup('Workload', [https({ CidrIp: '10.0.0.0/16' })]), interfaceEndpoints('sts'));
    (t.Resources.EndpointsSubnet.Properties as any).CidrBlock = { 'Fn::Select': [1, { 'Fn::Cidr': [{ 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }, 4, 8] }] };
    (t.Resources.EndpointGroup.Properties as any).SecurityGroupIngress = [https({ CidrIp: '10.0.0.0/16' })];
    expect(check(t, EgressDestination.awsService('sts')).outcome).toBe(EgressOutcome.REACHABLE);
  });

  test('a domain\'s shared spaces are a workload of their own; a notebook without groups uses the default one', () => {
    const t = template(vpc(), natEgress(), securityGroup('Workload', []), securityGroup('Spaces', [https({ CidrIp: '0.0.0.0/0' })]), {
      Domain: {
        Type: 'AWS::SageMaker::Domain',
        Properties: { AppNetworkAccessType: 'VpcOnly', SubnetIds: [ref('WorkloadSubnet')], DefaultUserSettings: { SecurityGroups: [groupId('Workload')] }, DefaultSpaceSettings: { SecurityGroups: [groupId('Spaces')] } },
      },
    });
    const analyzer = EgressAnalyzer.fromTemplate(t);
    expect(analyzer.workloads.map((w) => w.description)).toEqual(['Domain', 'Domain.SharedSpaces']);
    expect(analyzer.check({ source: EgressSource.workloadLogicalId('Domain'), destination: EgressDestination.internet() }).outcome).toBe(EgressOutcome.BLOCKED);
    expect(analyzer.check({ source: EgressSource.workloadLogicalId('Domain.SharedSpaces'), destination: EgressDestination.internet() }).outcome).toBe(EgressOutcome.REACHABLE);
    const bare = template(vpc(), natEgress(), notebook());
    delete (bare.Resources.Notebook.Properties as any).SecurityGroupIds;
    expect(check(bare, EgressDestination.internet()).path[0]).toMatchObject({ kind: EgressHopKind.SECURITY_GROUP_EGRESS, component: 'Vpc.DefaultSecurityGroup', allowed: true });
  });
});

describe('a workload and its VPC in different stacks', () => {
  function twoStacks() {
    const app = new App();
    const env = { region: 'eu-west-1', account: '111111111111' };
    const networkStack = new Stack(app, 'Network', { env });
    const network = new RestrictedEgressVpc(networkStack, 'Network', { internetEgress: InternetEgress.none() });
    const notebookStack = new Stack(app, 'Notebooks', { env });
    const nb = new NoInternetNotebook(notebookStack, 'Notebook', { network });
    return { app, notebookStack, nb };
  }

  test('fromStack() joins the other stacks: the notebook\'s endpoints and S3 are reachable through the imports, the internet is not', () => {
    const { notebookStack, nb } = twoStacks();
    const analyzer = EgressAnalyzer.fromStack(notebookStack);
    // Only the notebook stack's own workloads are listed; the network stack's resources join as Network/<id>.
    expect(analyzer.workloads.map((w) => w.description)).toEqual([expect.stringMatching(/^Notebook[0-9A-F]{8}$/)]);
    const source = EgressSource.workload(nb);
    const api = analyzer.check({ source, destination: EgressDestination.awsService('sagemaker.api') });
    expect(api.outcome).toBe(EgressOutcome.REACHABLE);
    expect(api.path.find((h) => h.kind === EgressHopKind.SECURITY_GROUP_INGRESS)?.component).toMatch(/^Network\/NetworkEndpointSecurityGroup/);
    expect(analyzer.check({ source, destination: EgressDestination.s3() }).outcome).toBe(EgressOutcome.REACHABLE);
    expect(analyzer.check({ source, destination: EgressDestination.internet() }).blockedBy?.kind).toBe(EgressHopKind.SECURITY_GROUP_EGRESS);
  });

  test('the notebook\'s template alone cannot prove it: UNKNOWN', () => {
    const { app, notebookStack } = twoStacks();
    const alone = app.synth().getStackArtifact(notebookStack.artifactId).template;
    const analyzer = EgressAnalyzer.fromTemplate(alone);
    const verdict = analyzer.check({ source: analyzer.workloads[0], destination: EgressDestination.awsService('sagemaker.api') });
    expect(verdict.outcome).toBe(EgressOutcome.UNKNOWN);
  });
});
