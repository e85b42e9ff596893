/**
 * The App of every integration test (test/integ.*.ts), and its synthesis.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource } from 'aws-cdk-lib';

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
 * Options of every integration test case (`new IntegTest(app, id, { testCases, ...TEST_CASE_OPTIONS })`):
 * - no update workflow: it would first deploy the committed snapshot, then the change; these tests
 *   deploy once, assert and destroy;
 * - asset hashes are part of the snapshot check: the handlers this library bundles (assets/) are
 *   part of what a construct deploys, so a changed handler fails `npm test` like a changed template.
 */
export const TEST_CASE_OPTIONS = { stackUpdateWorkflow: false, diffAssets: true };

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

/**
 * The integ-tests constructs give every assertion custom resource a `salt` of `Date.now()`, so that a
 * redeployment of an unchanged assertion stack reruns the assertions. Here every deployment is a first
 * one (the runner destroys the stacks after each test, and the update workflow is off), and a salt that
 * changes at every synthesis would make each snapshot update rewrite every assertion stack.
 */
const FIXED_SALT = 'cdk-sagemaker-egress-integ';

/**
 * Synthesizes `app` with fixed assertion salts and relabels the assembly's schema version for the integ
 * runner (see above): the same sources give the same snapshot, on every run and every clone.
 */
export function synthesize(app: App): void {
  for (const construct of app.node.findAll()) {
    if (construct instanceof CfnResource && construct.cfnResourceType.startsWith('Custom::DeployAssert@')) {
      construct.addPropertyOverride('salt', FIXED_SALT);
    }
  }
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
