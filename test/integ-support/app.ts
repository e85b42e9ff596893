/**
 * The App of every integration test (test/integ.*.ts), and its synthesis.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';

/**
 * Cloud assembly schema major version that @aws-cdk/integ-runner 2.197.10 reads. That is the newest
 * integ runner the registry serves; its bundled toolkit library refuses the schema 54 that
 * aws-cdk-lib 2.263 writes ("Maximum schema version supported is 53.x.x, but found 54.0.0"), for
 * the snapshot check as much as for a deployment. `synthesize` labels the assembly 53, which that
 * toolkit reads: the templates and asset manifests it consumes are unchanged. Drop this (and let
 * `synthesize` be `app.synth()`) once an integ runner that reads schema 54 is available.
 */
const RUNNER_SCHEMA_VERSION = '53.0.0';

/**
 * An App for an integration test. No construct stack traces in the assembly metadata: they hold
 * absolute paths of this checkout, and the committed snapshots must be the same on every clone.
 */
export function integApp(): App {
  return new App({
    stackTraces: false,
    // cx-api's DISABLE_CREATION_STACK_TRACES: stackTraces covers only the metadata entries' traces.
    context: { 'aws:cdk:disable-creation-stack-traces': true },
  });
}

/** Synthesizes `app` and relabels the assembly's schema version for the integ runner (see above). */
export function synthesize(app: App): void {
  const assembly = app.synth();
  for (const file of fs.readdirSync(assembly.directory)) {
    if (!file.endsWith('.json') && file !== 'cdk.out') continue;
    const full = path.join(assembly.directory, file);
    const content = JSON.parse(fs.readFileSync(full, 'utf8'));
    if (typeof content.version === 'string' && /^54\./.test(content.version)) {
      content.version = RUNNER_SCHEMA_VERSION;
      fs.writeFileSync(full, JSON.stringify(content, undefined, 2));
    }
  }
}
