/**
 * Templates that name an imported VPC's subnets and route tables by id: a certain block (the
 * workload's security group) decides before what is unknown, and the caller's description of the
 * imported network (importedVpcs, importedSubnets) lets the analyzer follow the rest.
 */
import { https, interfaceEndpoints, notebook, ref, s3PrefixListId, securityGroup, template } from './templates';
import {
  EgressAnalyzer, EgressAnalyzerOptions, EgressDestination, EgressHopKind, EgressImportedRoute, EgressImportedSubnet, EgressOutcome,
  EgressRouteTarget, EgressSource, EgressVerdict,
} from '../../src/egress';

const SUBNET = 'subnet-0abc';
const VPC = 'vpc-0abc';

/** A notebook in an imported subnet; its group allows HTTPS to `peer` (S3's prefix list by default). */
function importedTemplate(peer: Record<string, unknown> = { DestinationPrefixListId: s3PrefixListId }) {
  const t = template(notebook(), securityGroup('Workload', [https(peer)]), {
    S3Gateway: {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: { VpcId: VPC, ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.s3' }, RouteTableIds: ['rtb-0abc'] },
    },
    S3PrefixList: {
      Type: 'Custom::AWS',
      Properties: {
        Create: { 'Fn::Join': ['', ['{"service":"EC2","action":"describeManagedPrefixLists","parameters":{"Filters":[{"Name":"prefix-list-name","Values":["com.amazonaws.', { Ref: 'AWS::Region' }, '.s3"]}]}}']] },
      },
    },
  });
  (t.Resources.Notebook.Properties as any).SubnetId = SUBNET;
  (t.Resources.Workload.Properties as any).VpcId = VPC;
  return t;
}

const subnet = (props: Partial<EgressImportedSubnet> = {}): EgressImportedSubnet => ({ subnetId: SUBNET, cidr: '10.9.0.0/24', routeTableId: 'rtb-0abc', routes: [], ...props });
const options = (props: Partial<EgressImportedSubnet> = {}): EgressAnalyzerOptions => ({
  importedVpcs: [{ vpcId: VPC, cidrBlocks: ['10.9.0.0/16'] }], importedSubnets: [subnet(props)],
});

function check(t: any, destination: EgressDestination, opts: EgressAnalyzerOptions = {}): EgressVerdict {
  return EgressAnalyzer.fromTemplate(t, opts).check({ source: EgressSource.workloadLogicalId('Notebook'), destination });
}

describe('a certain block wins over an unknown path', () => {
  test('the security group has no rule for the port: BLOCKED, naming the group, though the subnet is unknown', () => {
    const verdict = check(importedTemplate(), EgressDestination.ipv4('8.8.8.8', 22));
    expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.SECURITY_GROUP_EGRESS, component: 'Workload', known: true });
  });

  test('the security group allows it and the route is unknown: UNKNOWN, naming the subnet and the option that resolves it', () => {
    const verdict = check(importedTemplate({ CidrIp: '0.0.0.0/0' }), EgressDestination.ipv4('8.8.8.8', 443));
    expect(verdict.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(verdict.path[0]).toMatchObject({ kind: EgressHopKind.SECURITY_GROUP_EGRESS, allowed: true });
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.ROUTE, component: `route table of ${SUBNET}`, known: false });
    expect(verdict.blockedBy!.detail).toMatch(/subnet subnet-0abc is not defined in this template: its route table is unknown \(describe it with the analyzer's importedSubnets option\)/);
  });

  test('an unknown VPC leaves the DNS resolver UNKNOWN; described, it answers (or not, as described)', () => {
    const dns = EgressDestination.amazonDns();
    expect(check(importedTemplate(), dns).blockedBy).toMatchObject({ kind: EgressHopKind.AMAZON_DNS, component: SUBNET, known: false });
    expect(check(importedTemplate(), dns, options()).outcome).toBe(EgressOutcome.REACHABLE);
    const off = { ...options(), importedVpcs: [{ vpcId: VPC, cidrBlocks: ['10.9.0.0/16'], dnsSupport: false }] };
    expect(check(importedTemplate(), dns, off).outcome).toBe(EgressOutcome.BLOCKED);
    // A subnet described without a VPC that contains it: the VPC stays unknown.
    expect(check(importedTemplate(), dns, { importedSubnets: [subnet()] }).outcome).toBe(EgressOutcome.UNKNOWN);
  });
});

describe('the imported network as described', () => {
  const internet = (routes: EgressImportedRoute[] | undefined) => check(importedTemplate({ CidrIp: '0.0.0.0/0' }), EgressDestination.internet(), options({ routes }));

  test('each route target', () => {
    expect(internet([]).blockedBy).toMatchObject({ kind: EgressHopKind.ROUTE, component: 'rtb-0abc', known: true });
    expect(internet([{ destinationCidr: '0.0.0.0/0', target: EgressRouteTarget.INTERNET_GATEWAY, targetId: 'igw-1' }]).blockedBy)
      .toMatchObject({ kind: EgressHopKind.INTERNET_GATEWAY, component: 'igw-1', known: true });
    expect(internet([{ destinationCidr: '0.0.0.0/0', target: EgressRouteTarget.BLACKHOLE }]).blockedBy?.detail).toMatch(/is a blackhole .*dropped/);
    const nat = internet([{ destinationCidr: '0.0.0.0/0', target: EgressRouteTarget.NAT_GATEWAY, targetId: 'nat-1' }]);
    expect(nat.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(nat.blockedBy).toMatchObject({ kind: EgressHopKind.NAT_GATEWAY, component: 'nat-1' });
    const tgw = internet([{ destinationCidr: '0.0.0.0/0', target: EgressRouteTarget.OTHER, targetId: 'tgw-1' }]);
    expect(tgw.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(tgw.blockedBy?.detail).toMatch(/tgw-1 \(not modelled\)/);
    expect(internet(undefined).blockedBy?.detail).toMatch(/the routes of rtb-0abc are not described/);
  });

  test('a gateway endpoint on the route table named: S3 through it; a table described without its id: UNKNOWN, saying why', () => {
    expect(check(importedTemplate(), EgressDestination.s3(), options()).outcome).toBe(EgressOutcome.REACHABLE);
    const unnamed = check(importedTemplate(), EgressDestination.s3(), options({ routeTableId: undefined }));
    expect(unnamed.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(unnamed.blockedBy?.detail).toMatch(/whether the table has it is unknown: gateway endpoint S3Gateway adds it to rtb-0abc, .*give routeTableId/);
    // Another table: no route to S3.
    expect(check(importedTemplate(), EgressDestination.s3(), options({ routeTableId: 'rtb-other' })).blockedBy).toMatchObject({ kind: EgressHopKind.ROUTE, known: true });
  });

  test('NACL entries as described; a NACL association in the template replaces them', () => {
    const deny443 = {
      entries: [
        { ruleNumber: 100, egress: true, allow: false, cidr: '0.0.0.0/0', protocol: 6, fromPort: 443 },
        { ruleNumber: 200, egress: true, allow: true, cidr: '0.0.0.0/0' },
        { ruleNumber: 100, egress: false, allow: true, cidr: '0.0.0.0/0' },
      ],
    };
    const denied = check(importedTemplate(), EgressDestination.s3(), options({ networkAcl: deny443 }));
    expect(denied.blockedBy).toMatchObject({ kind: EgressHopKind.NETWORK_ACL_OUTBOUND, component: `network ACL of ${SUBNET}`, rule: 'rule 100' });
    const t = importedTemplate();
    Object.assign(t.Resources, {
      Acl: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: VPC } },
      Assoc: { Type: 'AWS::EC2::SubnetNetworkAclAssociation', Properties: { SubnetId: SUBNET, NetworkAclId: ref('Acl') } },
    });
    expect(check(t, EgressDestination.s3(), options({ networkAcl: { networkAclId: 'acl-1', entries: [] } })).blockedBy)
      .toMatchObject({ kind: EgressHopKind.NETWORK_ACL_OUTBOUND, component: 'Acl', rule: '*' });
  });

  test('an address of the VPC in no subnet the analyzer knows is UNKNOWN, not BLOCKED; in a described one it is followed', () => {
    const t = importedTemplate({ CidrIp: '10.0.0.0/8' });
    expect(check(t, EgressDestination.ipv4('10.9.7.7', 443), options()).outcome).toBe(EgressOutcome.UNKNOWN);
    const two = { ...options(), importedSubnets: [subnet(), { subnetId: 'subnet-0def', cidr: '10.9.7.0/24', routes: [] }] };
    expect(check(t, EgressDestination.ipv4('10.9.7.7', 443), two).outcome).toBe(EgressOutcome.REACHABLE);
  });

  test('without the VPC, a LOCAL route carries the interface endpoints\' subnet', () => {
    const t = importedTemplate({ CidrIp: '10.9.0.0/16' });
    Object.assign(t.Resources, interfaceEndpoints('sts'));
    const endpoint = t.Resources.stsEndpoint.Properties as any;
    endpoint.SubnetIds = ['subnet-0e1'];
    endpoint.VpcId = VPC;
    const described = {
      importedSubnets: [
        subnet({ routes: [{ destinationCidr: '10.9.0.0/16', target: EgressRouteTarget.LOCAL }] }),
        { subnetId: 'subnet-0e1', cidr: '10.9.1.0/24', vpcId: VPC, routes: [] },
      ],
    };
    const verdict = check(t, EgressDestination.awsService('sts'), described);
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.notes.join()).toMatch(/Assumed that subnet-0abc is in vpc-0abc, the VPC of interface endpoint stsEndpoint/);
  });

  test('the description is validated', () => {
    const t = importedTemplate();
    expect(() => EgressAnalyzer.fromTemplate(t, { importedSubnets: [subnet({ cidr: '10.9.0.1/24' })] })).toThrow(/importedSubnets\[0\].cidr must be aligned/);
    expect(() => EgressAnalyzer.fromTemplate(t, { importedSubnets: [subnet(), subnet()] })).toThrow(/importedSubnets.subnetId\[1\] must be described once/);
    expect(() => EgressAnalyzer.fromTemplate(t, { importedSubnets: [subnet(), subnet({ subnetId: 'subnet-2', routes: [{ destinationCidr: '0.0.0.0/0', target: EgressRouteTarget.BLACKHOLE }] })] }))
      .toThrow(/routes must match the other description of rtb-0abc/);
    expect(() => EgressAnalyzer.fromTemplate(t, { importedVpcs: [{ vpcId: VPC, cidrBlocks: [] }] })).toThrow(/cidrBlocks must list at least one CIDR block/);
    expect(() => EgressAnalyzer.fromTemplate(t, { importedSubnets: [subnet({ routes: [{ destinationCidr: '0.0.0.0/0', target: 'NAT' as any }] })] }))
      .toThrow(/target must be an EgressRouteTarget/);
    expect(() => EgressAnalyzer.fromTemplate(t, { importedSubnets: [subnet({ networkAcl: { entries: [{ ruleNumber: 0, egress: true, allow: true, cidr: '0.0.0.0/0' }] } })] }))
      .toThrow(/ruleNumber must be an integer from 1 to 32766/);
  });
});
