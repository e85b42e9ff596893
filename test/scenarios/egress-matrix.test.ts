/**
 * The egress matrix of every reference configuration, computed by the analyzer from the synthesized
 * template, must be exactly the intended one: what a workload needs is REACHABLE, the package index
 * only where the configuration allows it, and every probe BLOCKED.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addReferenceConfigurations } from './reference-configurations';
import { EgressAnalyzer, EgressDestination, EgressHopKind, EgressOutcome } from '../../src/egress';

const NOTEBOOK_ENDPOINTS = ['logs', 'sagemaker.api', 'sagemaker.runtime', 'sts'];
const PYPI = ['pypi.org:443', 'files.pythonhosted.org:443'];
const ALWAYS = ['S3 (this region)', 'DNS (Amazon-provided resolver)'];

/** Per configuration: workload -> the destinations it must reach; everything else asked must be BLOCKED. */
const INTENDED: Record<string, Record<string, string[]>> = {
  NotebookNatEgress: { Notebook: [...NOTEBOOK_ENDPOINTS, ...ALWAYS] },
  NotebookIsolated: { Notebook: [...NOTEBOOK_ENDPOINTS, ...ALWAYS] },
  NotebookPypiAllowlist: { Notebook: [...NOTEBOOK_ENDPOINTS, ...ALWAYS, ...PYPI] },
  NotebookIsolatedNaclS3Gateway: { Notebook: [...NOTEBOOK_ENDPOINTS, ...ALWAYS] },
  NotebookIsolatedNaclS3Interface: { Notebook: [...NOTEBOOK_ENDPOINTS, ...ALWAYS] },
  NotebookPypiAllowlistNacl: { Notebook: [...NOTEBOOK_ENDPOINTS, ...ALWAYS, ...PYPI] },
  StudioIsolated: {
    'Studio': [...NOTEBOOK_ENDPOINTS, 'studio', ...ALWAYS],
    'Studio.SharedSpaces': [...NOTEBOOK_ENDPOINTS, 'studio', ...ALWAYS],
    'StudioUserProfiledatascientist': [...NOTEBOOK_ENDPOINTS, 'studio', ...ALWAYS],
  },
  // pip reaches the mirror through its endpoints; PyPI itself stays unreachable.
  NotebookIsolatedMirror: { Notebook: [...NOTEBOOK_ENDPOINTS, 'codeartifact.api', 'codeartifact.repositories', ...ALWAYS] },
  NotebookIsolatedDnsAllowlist: { Notebook: [...NOTEBOOK_ENDPOINTS, 'codeartifact.api', 'codeartifact.repositories', ...ALWAYS] },
};

/** What stops the internet when the security groups are set aside. */
const SECOND_LAYER: Record<string, string> = {
  NotebookNatEgress: 'REACHABLE',
  NotebookIsolated: 'ROUTE',
  NotebookPypiAllowlist: 'REACHABLE',
  NotebookIsolatedNaclS3Gateway: 'ROUTE',
  NotebookIsolatedNaclS3Interface: 'ROUTE',
  NotebookPypiAllowlistNacl: 'NETWORK_ACL_OUTBOUND',
  StudioIsolated: 'ROUTE',
  NotebookIsolatedMirror: 'ROUTE',
  NotebookIsolatedDnsAllowlist: 'ROUTE',
};

/** A logical id without CDK's hash suffix: `Studio43727D10.SharedSpaces` -> `Studio.SharedSpaces`. */
const withoutHash = (id: string) => id.replace(/[0-9A-F]{8}(?=$|\.)/, '');

const app = new App();
const stacks = addReferenceConfigurations(app);

describe.each(stacks.map((s) => [s.stackName, s] as const))('%s', (name, stack) => {
  const analyzer = EgressAnalyzer.fromTemplate(Template.fromStack(stack).toJSON());
  const asked = [
    ...analyzer.expectedDestinations(),
    ...PYPI.map((h) => EgressDestination.host(h.split(':')[0])),
    ...analyzer.probes(),
  ];
  const unique = asked.filter((d, i) => asked.findIndex((o) => analyzer._keyOf(o) === analyzer._keyOf(d)) === i);

  test('has the intended workloads', () => {
    expect(analyzer.workloads.map((w) => withoutHash(w.description))).toEqual(Object.keys(INTENDED[name]));
  });

  test.each(Object.keys(INTENDED[name]))('%s reaches exactly what it is meant to', (workload) => {
    const source = analyzer.workloads.find((w) => withoutHash(w.description) === workload)!;
    const verdicts = analyzer.matrix(source, unique);
    const reachable = verdicts.filter((v) => v.outcome === EgressOutcome.REACHABLE).map((v) => v.destination).sort();
    expect(reachable).toEqual([...INTENDED[name][workload]].sort());
    // Nothing is half-open or unknown: every other answer is a proof that the traffic is blocked.
    const others = verdicts.filter((v) => v.outcome !== EgressOutcome.REACHABLE);
    expect(others.filter((v) => v.outcome !== EgressOutcome.BLOCKED).map((v) => `${v.destination}: ${v.outcome}`)).toEqual([]);
    const probes = analyzer.probes().map((p) => p.description);
    expect(others.filter((v) => probes.includes(v.destination)).length).toBeGreaterThanOrEqual(10);
    for (const must of ['8.8.8.8:443', '1.1.1.1:53/udp', '93.184.215.14:80', '93.184.215.14:443', '93.184.215.14:22', 'S3 (us-east-1)', 'Elastic IP (NAT public side):443', 'internet:443']) {
      expect(others.map((v) => v.destination)).toContain(must);
    }
  });

  test('every endpoint service is BLOCKED for other accounts, at the endpoint policy of the endpoint it goes through', () => {
    // The data perimeter: each endpoint's policy admits only principals and resources of the stack's account.
    const endpoints = Object.entries(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint')).map(([id, r]) => {
      const serviceName = r.Properties.ServiceName;
      const parts: unknown[] = serviceName['Fn::Join']?.[1] ?? [serviceName];
      return { id, service: String(parts[parts.length - 1]).replace(/^\./, '') };
    });
    const services = [...new Set(endpoints.map((e) => e.service))].sort();
    expect(services).toEqual(expect.arrayContaining(['logs', 's3', 'sagemaker.api', 'sts']));
    const expected = analyzer.expectedDestinations().map((d) => d.description);
    for (const service of services) {
      expect(expected).toContain(`${service} (another account)`);
      for (const source of analyzer.workloads) {
        const verdict = analyzer.check({ source, destination: EgressDestination.otherAccount(service) });
        expect(`${service}: ${verdict.outcome}`).toBe(`${service}: BLOCKED`);
        expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.ENDPOINT_POLICY, known: true });
        expect(endpoints.filter((e) => e.service === service).map((e) => e.id)).toContain(verdict.blockedBy!.component);
      }
    }
  });

  test('with security groups set aside, routes and NACLs alone block the internet except in the plain NAT configurations', () => {
    // Defence in depth: which layer would still stop a workload whose security group were opened.
    const layered = EgressAnalyzer.fromTemplate(Template.fromStack(stack).toJSON(), { ignoreSecurityGroups: true });
    const internet = layered.check({ source: layered.workloads[0], destination: EgressDestination.internet() });
    expect(internet.reachable ? 'REACHABLE' : internet.blockedBy?.kind).toBe(SECOND_LAYER[name]);
  });
});
