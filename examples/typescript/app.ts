/**
 * The main job: synthesize the reference configurations into cdk.out/ under the reference egress
 * policy (synthesis fails if a workload can reach more, or less, than intended) and print a short
 * summary and the egress matrix the analyzer computes for each stack. Run it with `npm run examples`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { summarize } from './summary';
import { EgressAnalyzer, EgressDestination, EgressHopKind, EgressOutcome } from '../../src/egress';
import { addReferenceConfigurations, referenceEgressPolicy } from '../../test/scenarios/reference-configurations';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
Validations.of(app).addPlugins(referenceEgressPolicy());
addReferenceConfigurations(app);
const assembly = app.synth();

// The public package index is asked about in every configuration: reachable only where it is allowed.
const PUBLIC_INDEX = ['pypi.org', 'files.pythonhosted.org'].map((host) => EgressDestination.host(host));

for (const stack of assembly.stacks) {
  console.log(summarize(stack.stackName, stack.template));
  console.log('  egress matrix (offline analysis of the template; blocked: the first component that stops the traffic):');
  const analyzer = EgressAnalyzer.fromTemplate(stack.template);
  const asked = [...analyzer.expectedDestinations(), ...PUBLIC_INDEX, ...analyzer.probes()];
  console.log(analyzer.report(asked.filter((d, i) => asked.findIndex((o) => o.description === d.description) === i)));
  // The data perimeter: each endpoint's policy refuses another account's credentials and resources.
  for (const destination of analyzer.expectedDestinations().filter((d) => d.description.endsWith('(another account)'))) {
    for (const source of analyzer.workloads) {
      const verdict = analyzer.check({ source, destination });
      if (verdict.outcome !== EgressOutcome.BLOCKED || verdict.blockedBy?.kind !== EgressHopKind.ENDPOINT_POLICY) {
        throw new Error(`${stack.stackName}: expected ${destination.description} BLOCKED at an endpoint policy: ${EgressAnalyzer.describeVerdict(verdict)}`);
      }
    }
  }
}
console.log(`Templates written to ${assembly.directory}`);
