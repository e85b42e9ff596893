import { https, notebook, s3GatewayEndpoint, securityGroup, template, vpc } from './templates';
import { EgressAnalyzer, EgressDestination, EgressProtocol, EgressSource } from '../../src/egress';

const analyzer = () => EgressAnalyzer.fromTemplate(template(
  vpc(), notebook(), s3GatewayEndpoint(), securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]),
));

test('destinations and sources read as in reports', () => {
  expect(`${EgressDestination.ipv4('8.8.8.8', 53, EgressProtocol.UDP)}`).toBe('8.8.8.8:53/udp');
  expect(EgressDestination.host('pypi.org').toString()).toBe('pypi.org:443');
  expect(EgressDestination.s3().toString()).toBe(EgressDestination.s3().description);
  expect(EgressSource.securityGroupLogicalId('Sg', 'Subnet').toString()).toBe('Sg');
  expect(analyzer().workloads.map(String)).toEqual(['Notebook']);
});

test('the analyzer names its region and workloads', () => {
  expect(analyzer().toString()).toBe('EgressAnalyzer (region ${AWS::Region}; 1 workload(s): Notebook)');
});

test('a verdict in one line: outcome, destination, source, and the path or the blocking step', () => {
  const a = analyzer();
  const source = a.workloads[0];
  const s3 = EgressAnalyzer.describeVerdict(a.check({ source, destination: EgressDestination.s3() }));
  expect(s3).toMatch(/^REACHABLE S3 \(this region\) from Notebook via Workload > gateway endpoint /);
  const internet = EgressAnalyzer.describeVerdict(a.check({ source, destination: EgressDestination.internet() }));
  expect(internet).toMatch(/^BLOCKED internet:443 from Notebook blocked by route /);
});

test('a verdict without a blocking step is its outcome, destination and source', () => {
  expect(EgressAnalyzer.describeVerdict({ source: 'W', destination: 'd:1', outcome: 'UNKNOWN' as any, reachable: false, path: [], notes: [] }))
    .toBe('UNKNOWN d:1 from W');
});
