/**
 * The main job: synthesize the reference configurations into cdk.out/ under the reference egress
 * policy (synthesis fails if a workload can reach more, or less, than intended) and print a short
 * summary and the egress matrix the analyzer computes for each stack. Run it with `npm run examples`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { summarize } from './summary';
import { EgressAnalyzer } from '../../src';
import { addReferenceConfigurations, referenceEgressPolicy } from '../../test/scenarios/reference-configurations';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
Validations.of(app).addPlugins(referenceEgressPolicy());
addReferenceConfigurations(app);
const assembly = app.synth();

for (const stack of assembly.stacks) {
  console.log(summarize(stack.stackName, stack.template));
  console.log('  egress matrix (offline analysis of the template; blocked: the first component that stops the traffic):');
  console.log(EgressAnalyzer.fromTemplate(stack.template).report());
}
console.log(`Templates written to ${assembly.directory}`);
