/**
 * The egress analyzer on a WorkloadNetwork over an existing VPC: the template holds only the VPC's
 * ids. Described to the analyzer (CIDRs, route tables with the local route only, default NACLs), the
 * notebook's egress matrix is the one of a RestrictedEgressVpc without internet egress; undescribed,
 * what the notebook's own security group decides is still decided, and the rest is UNKNOWN, naming
 * what is missing.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { InternetEgress, NoInternetNotebook, RestrictedEgressVpc, WorkloadNetwork } from '../src';
import {
  EgressAnalyzer, EgressAnalyzerOptions, EgressDestination, EgressHopKind, EgressImportedSubnet, EgressOutcome, EgressVerdict,
} from '../src/egress';

const env = { account: '123456789012', region: 'eu-west-1' };
const VPC_ID = 'vpc-0123456789abcdef0';
const SUBNETS = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'];
const ROUTE_TABLES = ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'];
const PYPI = ['pypi.org', 'files.pythonhosted.org'];

/** A notebook on a WorkloadNetwork over a VPC imported by attributes (two isolated subnets). */
function importedStack(): Stack {
  const stack = new Stack(new App(), 'Existing', { env });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
    vpcId: VPC_ID,
    vpcCidrBlock: '10.20.0.0/16',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: SUBNETS,
    isolatedSubnetRouteTableIds: ROUTE_TABLES,
  });
  const network = new WorkloadNetwork(stack, 'Network', { vpc });
  new NoInternetNotebook(stack, 'Notebook', { network });
  return stack;
}

/** The same notebook on the library's own VPC, without internet egress. */
function ownStack(): Stack {
  const stack = new Stack(new App(), 'Own', { env });
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
  new NoInternetNotebook(stack, 'Notebook', { network });
  return stack;
}

/** What `describe-subnets`/`describe-route-tables` show for the imported VPC: the local route only, the default NACL. */
const described: EgressAnalyzerOptions = {
  importedVpcs: [{ vpcId: VPC_ID, cidrBlocks: ['10.20.0.0/16'] }],
  importedSubnets: SUBNETS.map((subnetId, i): EgressImportedSubnet => ({
    subnetId, cidr: `10.20.${i}.0/24`, routeTableId: ROUTE_TABLES[i], routes: [],
  })),
};

/** The reference matrix's destinations: expected ones, the package index, the probes (each question once). */
function destinations(analyzer: EgressAnalyzer): EgressDestination[] {
  const asked = [...analyzer.expectedDestinations(), ...PYPI.map((h) => EgressDestination.host(h)), ...analyzer.probes()];
  return asked.filter((d, i) => asked.findIndex((o) => analyzer._keyOf(o) === analyzer._keyOf(d)) === i);
}

/** A matrix without logical ids: destination -> outcome and the kind of step that blocks it, with and without security groups. */
function matrix(stack: Stack, options: EgressAnalyzerOptions = {}): Record<string, string> {
  const analyzer = EgressAnalyzer.fromStack(stack, options);
  const layered = EgressAnalyzer.fromStack(stack, { ...options, ignoreSecurityGroups: true });
  const row = (v: EgressVerdict) => `${v.outcome}${v.blockedBy ? ` (${v.blockedBy.kind})` : ''}`;
  const source = analyzer.workloads[0];
  return Object.fromEntries(destinations(analyzer).map((destination) => [
    destination.description,
    `${row(analyzer.check({ source, destination }))} / without security groups: ${row(layered.check({ source: layered.workloads[0], destination }))}`,
  ]));
}

describe('egress analyzer on a WorkloadNetwork over an imported VPC', () => {
  test('described, the matrix is the one of a RestrictedEgressVpc without internet egress: every destination decided', () => {
    const imported = matrix(importedStack(), described);
    const own = matrix(ownStack());
    expect(imported).toEqual(own);
    expect(Object.values(imported).filter((v) => v.includes('UNKNOWN'))).toEqual([]);
    // What the notebook needs is reachable, and nothing else.
    const reachable = Object.entries(imported).filter(([, v]) => v.startsWith('REACHABLE')).map(([d]) => d).sort();
    expect(reachable).toEqual(['DNS (Amazon-provided resolver)', 'S3 (this region)', 'logs', 'sagemaker.api', 'sagemaker.runtime', 'sts']);
    expect(imported['8.8.8.8:443']).toBe('BLOCKED (SECURITY_GROUP_EGRESS) / without security groups: BLOCKED (ROUTE)');
  });

  test('described, S3 goes through the template\'s gateway endpoint on the imported route table', () => {
    const analyzer = EgressAnalyzer.fromStack(importedStack(), described);
    const s3 = analyzer.check({ source: analyzer.workloads[0], destination: EgressDestination.s3() });
    expect(s3.outcome).toBe(EgressOutcome.REACHABLE);
    expect(s3.path.find((h) => h.kind === EgressHopKind.ROUTE)?.component).toBe(ROUTE_TABLES[0]);
    expect(s3.path.find((h) => h.kind === EgressHopKind.GATEWAY_ENDPOINT)?.component).toMatch(/^NetworkS3EndpointGateway/);
    expect(s3.path.find((h) => h.kind === EgressHopKind.NETWORK_ACL_OUTBOUND)?.detail).toMatch(/default network ACL of vpc-0123456789abcdef0 \(not described/);
  });

  test('undescribed, what the security group decides is BLOCKED, the rest UNKNOWN naming what is unresolved', () => {
    const stack = importedStack();
    const analyzer = EgressAnalyzer.fromStack(stack);
    const source = analyzer.workloads[0];
    const verdicts = analyzer.matrix(source, destinations(analyzer));
    const unknown = verdicts.filter((v) => v.outcome === EgressOutcome.UNKNOWN);
    // Everything the group does not let through is decided: the probes, the package index, S3 elsewhere.
    const blocked = verdicts.filter((v) => v.outcome === EgressOutcome.BLOCKED);
    expect(blocked.map((v) => v.destination)).toEqual(expect.arrayContaining([
      '8.8.8.8:443', '8.8.8.8:53/udp', '93.184.215.14:22', 'internet:443', 'Elastic IP (NAT public side):443', 'S3 (us-east-1)', 'ec2', ...PYPI.map((h) => `${h}:443`),
    ]));
    for (const v of blocked) {
      // Other accounts are refused at the interface endpoints' policies, whatever the imported subnets hold.
      expect(v.blockedBy).toMatchObject(v.destination.endsWith('(another account)')
        ? { kind: EgressHopKind.ENDPOINT_POLICY, known: true, component: expect.stringMatching(/^Network\w+Endpoint/) }
        : { kind: EgressHopKind.SECURITY_GROUP_EGRESS, known: true, component: expect.stringMatching(/^NotebookSecurityGroup/) });
    }
    // S3 of other accounts: which endpoint (if any) carries S3 depends on the imported route table.
    expect(unknown.map((v) => v.destination).sort()).toEqual([
      'DNS (Amazon-provided resolver)', 'S3 (this region)', 'logs', 's3 (another account)', 'sagemaker.api', 'sagemaker.runtime', 'sts',
    ]);
    expect(verdicts.length).toBe(blocked.length + unknown.length);
    const detail = (d: string) => unknown.find((v) => v.destination === d)!.blockedBy!;
    expect(detail('S3 (this region)')).toMatchObject({ kind: EgressHopKind.ROUTE, known: false });
    expect(detail('S3 (this region)').detail).toMatch(/subnet subnet-0aaaaaaaaaaaaaaa1 is not defined in this template: its route table is unknown \(describe it with the analyzer's importedSubnets option\)/);
    expect(detail('sts').detail).toMatch(/endpoint subnet subnet-0aaaaaaaaaaaaaaa1 is not defined in this template/);
    expect(detail('sts').detail).toMatch(/\(describe it with the analyzer's importedSubnets option\)/);
    expect(detail('DNS (Amazon-provided resolver)')).toMatchObject({ kind: EgressHopKind.AMAZON_DNS, known: false });
    expect(detail('DNS (Amazon-provided resolver)').detail).toMatch(/importedVpcs/);
    // The security group is passed on the way to what stays unknown.
    const s3 = analyzer.check({ source, destination: EgressDestination.s3() });
    expect(s3.path[0]).toMatchObject({ kind: EgressHopKind.SECURITY_GROUP_EGRESS, allowed: true });
  });

  test('half described: the subnets without their routes leave S3 UNKNOWN, saying so; the endpoints are decided', () => {
    const analyzer = EgressAnalyzer.fromStack(importedStack(), {
      importedVpcs: described.importedVpcs,
      importedSubnets: described.importedSubnets!.map((s) => ({ ...s, routes: undefined })),
    });
    const source = analyzer.workloads[0];
    const s3 = analyzer.check({ source, destination: EgressDestination.s3() });
    expect(s3.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(s3.blockedBy?.detail).toMatch(/the routes of rtb-0aaaaaaaaaaaaaaa1 are not described: give them in the analyzer's importedSubnets option/);
    // The endpoints are in the notebook's own subnet: no route is taken.
    expect(analyzer.check({ source, destination: EgressDestination.awsService('sts') }).outcome).toBe(EgressOutcome.REACHABLE);
    expect(analyzer.check({ source, destination: EgressDestination.ipv4('8.8.8.8', 22) }).outcome).toBe(EgressOutcome.BLOCKED);
  });
});
