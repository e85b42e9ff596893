/**
 * Shared pieces of the integration tests (test/integ.*.ts): the assertion functions of
 * test/integ-assertions/ and the checks every test makes the same way.
 */
import * as path from 'path';
import { ExpectedResult, IApiCall, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, RemovalPolicies, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NoInternetNotebook } from '../../src';

/** How long the waiting assertions poll before they fail. */
export const WAIT = { totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) };

/**
 * A Lambda function with the code of `test/integ-assertions/<name>/index.js` (plain JavaScript: nothing
 * is bundled, so the asset hash in the snapshot is the hash of that directory).
 */
export function assertionFunction(scope: Construct, id: string, name: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, '..', 'integ-assertions', name)),
    timeout: Duration.minutes(2),
    description: `Integration-test assertion: test/integ-assertions/${name}`,
    // Its log group goes with the test stack (destroyEverything), instead of the one Lambda would create and keep.
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_WEEK }),
    ...props,
  });
}

/**
 * Invokes an assertion function and expects its answer to start with "OK:". A function that finds a
 * failed check throws, so its payload is the error ({"errorType": ..., "errorMessage": ...}) and the
 * assertion fails with that message.
 */
export function expectOk(integ: IntegTest, fn: lambda.IFunction, payload: Record<string, unknown>): IApiCall {
  return integ.assertions.invokeFunction({
    functionName: fn.functionName,
    payload: Stack.of(fn).toJsonString(payload),
  }).expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('^"?OK: ') }));
}

/** The notebook instance reaches (and stays) InService: DescribeNotebookInstance, polled. */
export function expectNotebookInService(integ: IntegTest, notebook: NoInternetNotebook): IApiCall {
  return integ.assertions.awsApiCall('SageMaker', 'describeNotebookInstance', {
    NotebookInstanceName: notebook.notebookInstanceName,
  }).expect(ExpectedResult.objectLike({
    NotebookInstanceStatus: 'InService',
    DirectInternetAccess: 'Disabled',
  })).waitForAssertions(WAIT);
}

/**
 * Everything the test stack creates goes when the runner destroys it: the constructs keep their KMS keys,
 * log groups and CodeArtifact domain by default (RETAIN), which would pile up run after run.
 */
export function destroyEverything(stack: Stack): void {
  RemovalPolicies.of(stack).destroy();
}
