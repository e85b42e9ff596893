import { ref, template, vpc } from './templates';
import { parseAddressSets } from '../../src/egress/parsers/address-sets';
import { ParseContext } from '../../src/egress/parsers/context';
import { parseDnsFirewalls } from '../../src/egress/parsers/dns-firewall';
import { parseEndpoints } from '../../src/egress/parsers/endpoints';
import { parseNetworkAcls } from '../../src/egress/parsers/nacls';
import { parseSubnets, parseVpcs } from '../../src/egress/parsers/network';
import { parseGateways, parseRouteTables } from '../../src/egress/parsers/routing';
import { parseSecurityGroups } from '../../src/egress/parsers/security-groups';
import { parseWorkloads, SHARED_SPACES } from '../../src/egress/parsers/workloads';
import { RouteTableModel } from '../../src/egress/template-model';
import { NACL_RANGE_SYNC_TYPE } from '../../src/private/contracts/nacl-range-sync';
import { RESOLVED_ADDRESS_SET_TYPE } from '../../src/private/contracts/resolved-address-set';

const ctx = (resources: Record<string, unknown>, region?: string) => new ParseContext(template(resources as any).Resources, region);
const imported = { 'Fn::ImportValue': 'Shared-Id' };

describe('address sets', () => {
  test('prefix lists, resolved address sets (also under their prefix list) and AWS-managed lookups', () => {
    const sets = parseAddressSets(ctx({
      Pl: { Type: 'AWS::EC2::PrefixList', Properties: { Entries: [{ Cidr: '192.0.2.0/24' }] } },
      Pypi: { Type: RESOLVED_ADDRESS_SET_TYPE, Properties: { Hostnames: ['PyPI.org'], StaticCidrs: ['198.51.100.1/32'], PrefixListId: { 'Fn::GetAtt': ['PypiList', 'PrefixListId'] } } },
      S3: { Type: 'Custom::AWS', Properties: { Create: JSON.stringify({ service: 'EC2', action: 'describeManagedPrefixLists', parameters: { Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.eu-west-1.s3'] }] } }) } },
    }, 'eu-west-1'));
    expect(sets.byId.get('Pl')).toMatchObject({ cidrs: ['192.0.2.0/24'], opaque: false });
    expect(sets.byId.get('PypiList')).toBe(sets.byId.get('Pypi'));
    expect(sets.byId.get('Pypi')).toMatchObject({ cidrs: ['198.51.100.1/32'], memberTags: ['host:pypi.org'] });
    expect(sets.byId.get('S3')?.memberTags).toEqual(['aws:s3:${AWS::Region}']);
    expect(sets.hostnames()).toEqual(['pypi.org']);
  });

  test('an imported prefix list is opaque; an AWS call that is not a lookup is not a set', () => {
    const sets = parseAddressSets(ctx({ Other: { Type: 'Custom::AWS', Properties: { Create: '{"action":"describeVpcs"}' } } }));
    expect(sets.byId.size).toBe(0);
    expect(sets.setOf(imported)).toMatchObject({ key: 'external:Shared-Id (Fn::ImportValue)', opaque: true, cidrs: [] });
    expect(sets.setOf('pl-123')).toMatchObject({ label: 'prefix list pl-123 (not defined in this template)', opaque: true });
  });
});

describe('VPCs and subnets', () => {
  test('a VPC with a secondary CIDR; subnets with their route table, or the main one and the default NACL', () => {
    const c = ctx({
      ...vpc(),
      Cidr2: { Type: 'AWS::EC2::VPCCidrBlock', Properties: { VpcId: ref('Vpc'), CidrBlock: '100.64.0.0/16' } },
      Bare: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: ref('Vpc'), CidrBlock: { 'Fn::GetAtt': ['Vpc', 'CidrBlock'] } } },
    });
    const vpcs = parseVpcs(c);
    expect(vpcs.get('Vpc')).toEqual({ id: 'Vpc', cidrs: ['10.0.0.0/16', '100.64.0.0/16'], dnsSupport: true, defaultSecurityGroupRestricted: false });
    const tables = new Map<string, RouteTableModel>([['WorkloadRouteTable', { id: 'WorkloadRouteTable', isMain: false, routes: [] }]]);
    const subnets = parseSubnets(c, tables, new Map());
    expect(subnets.get('WorkloadSubnet')?.routeTable).toBe(tables.get('WorkloadRouteTable'));
    expect(subnets.get('Bare')).toMatchObject({ cidr: '10.0.0.0/16', routeTable: { id: 'Vpc.MainRouteTable', isMain: true } });
    expect(subnets.get('Bare')?.acl).toMatchObject({ id: 'Vpc.DefaultNetworkAcl', opaque: true });
  });

  test('a CIDR from a parameter is left out; a route table defined outside the template is opaque', () => {
    const c = ctx({
      Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: ref('CidrParameter') } },
      S: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: ref('Vpc'), CidrBlock: '10.0.0.0/24' } },
      A: { Type: 'AWS::EC2::SubnetRouteTableAssociation', Properties: { SubnetId: ref('S'), RouteTableId: 'rtb-0abc' } },
    });
    expect(parseVpcs(c).get('Vpc')?.cidrs).toEqual([]);
    expect(parseSubnets(c, new Map(), new Map()).get('S')?.routeTable).toEqual({ id: 'rtb-0abc', isMain: false, opaque: true, routes: [] });
  });
});

describe('security groups', () => {
  test('inline and standalone rules, peers by CIDR, prefix list and group; the default group of a VPC', () => {
    const c = ctx({
      ...vpc(),
      Sg: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupEgress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }] } },
      In: { Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: ref('Sg'), IpProtocol: '-1', SourceSecurityGroupId: ref('Sg') } },
      Out: { Type: 'AWS::EC2::SecurityGroupEgress', Properties: { GroupId: ref('Sg'), IpProtocol: 'udp', FromPort: 53, ToPort: 53, DestinationPrefixListId: 'pl-1' } },
    });
    const groups = parseSecurityGroups(c, parseVpcs(c), parseAddressSets(c));
    const sg = groups.get('Sg')!;
    expect(sg.egress.map((r) => [r.id, r.protocol, r.ports, r.peer.kind])).toEqual([
      ['Sg egress rule 1', 6, { from: 443, to: 443 }, 'cidr'],
      ['Out', 17, { from: 53, to: 53 }, 'set'],
    ]);
    expect(sg.ingress).toEqual([{ id: 'In', protocol: -1, ports: undefined, peer: { kind: 'group', group: 'Sg' }, description: undefined, uncertain: undefined }]);
    expect(groups.get('Vpc.DefaultSecurityGroup')?.egress[0].peer).toEqual({ kind: 'cidr', cidr: '0.0.0.0/0' });
  });

  test('a rule list from a condition is an unknown peer; a group without egress rules gets EC2\'s allow-all', () => {
    const c = ctx({
      Cond: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupEgress: { 'Fn::If': ['C', [], []] } } },
      Open: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupEgress: [] } },
      Port: { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupEgress: [{ IpProtocol: 'tcp', FromPort: ref('P'), ToPort: 443, CidrIp: '0.0.0.0/0' }] } },
    });
    const groups = parseSecurityGroups(c, new Map(), parseAddressSets(c));
    expect(groups.get('Cond')?.egress[0]).toMatchObject({ id: 'Cond egress rules', peer: { kind: 'unknown', what: 'the rule is Fn::If, resolved only at deploy time' } });
    expect(groups.get('Open')?.egress[0].id).toMatch(/EC2 adds it to a group created without egress rules/);
    expect(groups.get('Port')?.egress[0]).toMatchObject({ protocol: -1, uncertain: 'its protocol or ports ("tcp") are resolved only at deploy time' });
  });
});

describe('NACLs', () => {
  test('numbered entries, the default NACL, and the entries a NaclRangeSync writes', () => {
    const c = ctx({
      ...vpc(),
      Acl: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: ref('Vpc') } },
      E: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('Acl'), RuleNumber: 100, Protocol: 6, RuleAction: 'allow', Egress: true, CidrBlock: '10.0.0.0/16', PortRange: { From: 443, To: 443 } } },
      Sync: { Type: NACL_RANGE_SYNC_TYPE, Properties: { NetworkAclIds: [ref('Acl')], PrefixListIds: ['pl-1'], RuleNumberBase: 200, RuleNumberCount: 100, Port: 443 } },
    });
    const acls = parseNetworkAcls(c, parseVpcs(c), parseAddressSets(c));
    const acl = acls.get('Acl')!;
    expect(acl.outbound.map((r) => [r.ruleNumber, r.protocol, r.allow, r.ports, r.data.cidr ?? r.data.set?.key])).toEqual([
      [100, 6, true, { from: 443, to: 443 }, '10.0.0.0/16'],
      [200, 6, true, { from: 443, to: 443 }, 'external:pl-1'],
    ]);
    expect(acl.inbound).toHaveLength(1);
    expect(acl.inbound[0].data.entryId).toBe('Sync (rules 200-299, prefix list pl-1 (not defined in this template))');
    expect(acls.get('Vpc.DefaultNetworkAcl')).toMatchObject({ isDefault: true });
  });

  test('an entry whose CIDR is imported or whose action is a parameter is uncertain; IPv6 entries are ignored', () => {
    const c = ctx({
      Acl: { Type: 'AWS::EC2::NetworkAcl', Properties: {} },
      Imported: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('Acl'), RuleNumber: 1, Protocol: -1, RuleAction: ref('Action'), Egress: 'true', CidrBlock: imported } },
      V6: { Type: 'AWS::EC2::NetworkAclEntry', Properties: { NetworkAclId: ref('Acl'), RuleNumber: 2, Protocol: -1, RuleAction: 'deny', Egress: true, Ipv6CidrBlock: '::/0' } },
    });
    const acl = parseNetworkAcls(c, new Map(), parseAddressSets(c)).get('Acl')!;
    expect(acl.outbound).toHaveLength(1);
    expect(acl.outbound[0].data).toMatchObject({ unknown: 'CidrBlock Fn::ImportValue is resolved only at deploy time', actionUnknown: true, entryId: 'Imported' });
  });
});

describe('gateways and routes', () => {
  test('NAT and internet gateways as route targets; a route to a prefix list of the template', () => {
    const c = ctx({
      Igw: { Type: 'AWS::EC2::InternetGateway' },
      Att: { Type: 'AWS::EC2::VPCGatewayAttachment', Properties: { VpcId: ref('Vpc'), InternetGatewayId: ref('Igw') } },
      Nat: { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: ref('Public'), AllocationId: 'eipalloc-1' } },
      Rt: { Type: 'AWS::EC2::RouteTable' },
      Default: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('Rt'), DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: ref('Nat') } },
      ToIgw: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('Rt'), DestinationPrefixListId: ref('Pl'), GatewayId: ref('Igw') } },
      Pl: { Type: 'AWS::EC2::PrefixList', Properties: { Entries: [] } },
    });
    const gateways = parseGateways(c);
    expect(gateways.internetGateways.get('Igw')).toEqual({ id: 'Igw', attachedTo: ['Vpc'] });
    expect(gateways.natGateways.get('Nat')).toEqual({ id: 'Nat', subnet: 'Public', publicAddress: true });
    const routes = parseRouteTables(c, gateways, parseAddressSets(c)).get('Rt')!.routes;
    expect(routes.map((r) => [r.id, r.destinationCidr ?? r.destinationSet?.key, r.target])).toEqual([
      ['Default', '0.0.0.0/0', { kind: 'nat', id: 'Nat' }],
      ['ToIgw', 'Pl', { kind: 'igw', id: 'Igw' }],
    ]);
  });

  test('a transit gateway target is unknown, an imported destination is uncertain, a private NAT has no public address', () => {
    const c = ctx({
      Nat: { Type: 'AWS::EC2::NatGateway', Properties: { ConnectivityType: 'private' } },
      Rt: { Type: 'AWS::EC2::RouteTable' },
      Tgw: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('Rt'), DestinationCidrBlock: imported, TransitGatewayId: 'tgw-1' } },
    });
    const gateways = parseGateways(c);
    expect(gateways.natGateways.get('Nat')?.publicAddress).toBe(false);
    expect(parseRouteTables(c, gateways, parseAddressSets(c)).get('Rt')!.routes).toEqual([{
      id: 'Tgw',
      destinationCidr: undefined,
      destinationUnknown: 'Fn::ImportValue is resolved only at deploy time',
      target: { kind: 'unknown', id: 'tgw-1', what: 'transit gateway tgw-1 (not modelled)' },
    }]);
  });
});

describe('endpoints', () => {
  test('a gateway endpoint routes to its prefix list; an interface endpoint is listed with its DNS settings', () => {
    const c = ctx({
      S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] }, RouteTableIds: [ref('Rt')] } },
      Api: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', ServiceName: 'com.amazonaws.eu-west-1.sagemaker.api', VpcId: ref('Vpc'), SubnetIds: [ref('A')], SecurityGroupIds: [ref('Sg')], PrivateDnsEnabled: true } },
    }, 'eu-west-1');
    const tables = new Map<string, RouteTableModel>([['Rt', { id: 'Rt', isMain: false, routes: [] }]]);
    const endpoints = parseEndpoints(c, tables);
    expect(tables.get('Rt')!.routes[0]).toMatchObject({ id: 'S3', destinationSet: { memberTags: ['aws:s3:${AWS::Region}'] }, target: { kind: 'gatewayEndpoint', service: 's3' } });
    expect(endpoints).toEqual([{
      id: 'Api',
      vpc: 'Vpc',
      service: 'sagemaker.api',
      serviceName: 'com.amazonaws.eu-west-1.sagemaker.api',
      subnets: ['A'],
      securityGroups: ['Sg'],
      privateDns: true,
      privateDnsOnlyForInboundResolver: false,
    }]);
  });

  test('a service name from a parameter is kept as its key; an endpoint of another region is tagged with it', () => {
    const tables = new Map<string, RouteTableModel>([['Rt', { id: 'Rt', isMain: false, routes: [] }]]);
    const endpoints = parseEndpoints(ctx({
      P: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', ServiceName: ref('ServiceParameter') } },
      G: { Type: 'AWS::EC2::VPCEndpoint', Properties: { ServiceName: 'com.amazonaws.us-east-1.s3', RouteTableIds: [ref('Rt')] } },
    }, 'eu-west-1'), tables);
    expect(endpoints[0]).toMatchObject({ service: 'ServiceParameter', serviceName: 'ServiceParameter', subnets: [], privateDns: false });
    expect(tables.get('Rt')!.routes[0].destinationSet?.memberTags).toEqual(['aws:s3:us-east-1']);
  });
});

describe('SageMaker workloads', () => {
  test('a notebook, a VpcOnly domain with shared spaces, a user profile with the domain\'s groups', () => {
    const workloads = parseWorkloads(ctx({
      Nb: { Type: 'AWS::SageMaker::NotebookInstance', Properties: { SubnetId: ref('S'), SecurityGroupIds: [ref('Sg')], DirectInternetAccess: 'Disabled' } },
      D: { Type: 'AWS::SageMaker::Domain', Properties: { AppNetworkAccessType: 'VpcOnly', SubnetIds: [ref('S')], DefaultUserSettings: { SecurityGroups: [ref('Dsg')] }, DefaultSpaceSettings: { SecurityGroups: [ref('Space')] } } },
      U: { Type: 'AWS::SageMaker::UserProfile', Properties: { DomainId: { 'Fn::GetAtt': ['D', 'DomainId'] }, UserSettings: { SecurityGroups: [ref('Usg')] } } },
    }));
    expect(workloads.map((w) => [w.id, w.securityGroups, w.subnets, w.managedInternet])).toEqual([
      ['Nb', ['Sg'], ['S'], undefined],
      ['D', ['Dsg'], ['S'], undefined],
      [`D${SHARED_SPACES}`, ['Space'], ['S'], undefined],
      ['U', ['Dsg', 'Usg'], ['S'], undefined],
    ]);
  });

  test('a notebook without DirectInternetAccess reaches the internet through SageMaker; a profile of an imported domain has no subnets', () => {
    const workloads = parseWorkloads(ctx({
      Nb: { Type: 'AWS::SageMaker::NotebookInstance', Properties: { SubnetId: imported } },
      U: { Type: 'AWS::SageMaker::UserProfile', Properties: { DomainId: 'd-123' } },
    }));
    expect(workloads[0].subnets).toEqual(['external:Shared-Id (Fn::ImportValue)']);
    expect(workloads[0].managedInternet).toMatch(/^DirectInternetAccess is Enabled \(the default\)/);
    expect(workloads[1]).toMatchObject({ securityGroups: [], subnets: [], managedInternet: undefined });
  });
});

describe('DNS Firewall', () => {
  test('associations by priority, with their rules in order and the domain lists\' names', () => {
    const firewalls = parseDnsFirewalls(ctx({
      L: { Type: 'AWS::Route53Resolver::FirewallDomainList', Properties: { Domains: [{ 'Fn::Sub': 'api.sagemaker.${AWS::Region}.amazonaws.com' }, 'PyPI.org'] } },
      All: { Type: 'AWS::Route53Resolver::FirewallDomainList', Properties: { Domains: ['*'] } },
      G: {
        Type: 'AWS::Route53Resolver::FirewallRuleGroup',
        Properties: {
          FirewallRules: [
            { Priority: 200, Action: 'BLOCK', BlockResponse: 'NODATA', FirewallDomainListId: ref('All') },
            { Priority: 100, Action: 'ALLOW', FirewallDomainListId: ref('L') },
          ],
        },
      },
      A: { Type: 'AWS::Route53Resolver::FirewallRuleGroupAssociation', Properties: { VpcId: ref('Vpc'), FirewallRuleGroupId: ref('G'), Priority: 101 } },
    }));
    expect(firewalls).toEqual([{
      id: 'A',
      vpc: 'Vpc',
      priority: 101,
      rules: [
        { priority: 100, action: 'ALLOW', domains: ['api.sagemaker.${AWS::Region}.amazonaws.com', 'pypi.org'], blockResponse: undefined, qtype: undefined },
        { priority: 200, action: 'BLOCK', domains: ['*'], blockResponse: 'NODATA', qtype: undefined },
      ],
    }]);
  });

  test('a domain list from a file and an imported rule group are unknown; an association without a VPC of the template is skipped', () => {
    const firewalls = parseDnsFirewalls(ctx({
      File: { Type: 'AWS::Route53Resolver::FirewallDomainList', Properties: { DomainFileUrl: 's3://bucket/list.txt' } },
      G: { Type: 'AWS::Route53Resolver::FirewallRuleGroup', Properties: { FirewallRules: [{ Priority: '1', Action: ref('A'), FirewallDomainListId: ref('File'), Qtype: 'TXT' }] } },
      A: { Type: 'AWS::Route53Resolver::FirewallRuleGroupAssociation', Properties: { VpcId: ref('Vpc'), FirewallRuleGroupId: ref('G'), Priority: 2 } },
      Imported: { Type: 'AWS::Route53Resolver::FirewallRuleGroupAssociation', Properties: { VpcId: ref('Vpc'), FirewallRuleGroupId: 'rslvr-frg-1', Priority: 1 } },
      NoVpc: { Type: 'AWS::Route53Resolver::FirewallRuleGroupAssociation', Properties: { VpcId: 'vpc-1', FirewallRuleGroupId: ref('G'), Priority: 3 } },
    }));
    expect(firewalls.map((f) => [f.id, f.rules])).toEqual([
      ['Imported', undefined],
      ['A', [{ priority: 1, action: 'UNKNOWN', domains: undefined, blockResponse: undefined, qtype: 'TXT' }]],
    ]);
  });
});
