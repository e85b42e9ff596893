/**
 * The main job: synthesize the reference configurations into cdk.out/ and print a short summary of
 * each stack. Run it with `npm run examples`.
 */
import { App } from 'aws-cdk-lib';
import { summarize } from './summary';
import { addReferenceConfigurations } from '../../test/scenarios/reference-configurations';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
addReferenceConfigurations(app);
const assembly = app.synth();

for (const stack of assembly.stacks) {
  console.log(summarize(stack.stackName, stack.template));
}
console.log(`Templates written to ${assembly.directory}`);
