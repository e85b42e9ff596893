import { Aws, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeNagFindings, NagAcknowledgement } from './acknowledge';
import { acknowledgeProviderResources } from './provider-acknowledgements';

/** A handler class projen generates from a `*.lambda.ts` file. */
export type BundledFunction = new (scope: Construct, id: string, props?: lambda.FunctionOptions) => lambda.Function;

export interface DeployTimeHandlerOptions {
  /** The bundled handler. */
  readonly handler: BundledFunction;
  /** Prefix of the children's construct ids: `<prefix>Role`, `<prefix>` (the function), `<prefix>Policy`. */
  readonly idPrefix: string;
  /** What the function does (its description). */
  readonly description: string;
  /** The permissions the function needs, besides writing its own logs. */
  readonly statements: iam.PolicyStatement[];
  /** Acknowledgements of the policy's findings (e.g. an action without resource-level permissions). */
  readonly policyAcknowledgements?: NagAcknowledgement[];
  /** Why the function runs outside the VPC. */
  readonly outsideVpcReason: string;
  /** Why the function needs no dead-letter queue. */
  readonly noDeadLetterQueueReason: string;
  /** What the function keeps current or does (for acknowledgement reasons and descriptions). */
  readonly subject: string;
  /** The custom resource's type and its properties. */
  readonly resourceType: string;
  readonly properties: Record<string, unknown>;
  /** @default 2 minutes */
  readonly timeout?: Duration;
}

export interface ScheduledHandlerOptions extends Omit<DeployTimeHandlerOptions, 'idPrefix' | 'noDeadLetterQueueReason'> {
  /** How often the schedule runs the function. */
  readonly interval: Duration;
  /** The failure metric: namespace, dimension (name, value), metric name. */
  readonly metricNamespace: string;
  readonly metricDimension: [string, string];
  /** What a failure means, for the alarm's description. */
  readonly alarmDescription: string;
}

/** What `deployDeployTimeHandler` created. */
export interface DeployTimeHandler {
  readonly resource: CustomResource;
  readonly function: lambda.Function;
  readonly policy: iam.ManagedPolicy;
}

/** What `deployScheduledHandler` created. */
export interface ScheduledHandler extends DeployTimeHandler {
  readonly failures: cloudwatch.IMetric;
  readonly failureAlarm: cloudwatch.Alarm;
}

/**
 * A handler that CloudFormation runs at deploy time (custom resource through aws-cdk-lib's provider
 * framework), with its own role and a least-privilege managed policy. The children's ids are fixed, so
 * logical ids do not move between versions.
 */
export function deployDeployTimeHandler(scope: Construct, options: DeployTimeHandlerOptions): DeployTimeHandler {
  const role = new iam.Role(scope, `${options.idPrefix}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Runs the handler for ${options.subject}`,
  });
  const fn = new options.handler(scope, options.idPrefix, {
    role,
    description: `${options.description} (cdk-sagemaker-egress)`,
    timeout: options.timeout ?? Duration.minutes(2),
    memorySize: 256,
    // No reserved concurrency: it fails deployments in accounts at the minimum unreserved concurrency,
    // and concurrent runs are safe anyway (the handlers are idempotent and detect concurrent writers).
  });
  const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
  const stack = Stack.of(scope);
  const policy = new iam.ManagedPolicy(scope, `${options.idPrefix}Policy`, {
    description: `Handler for ${options.subject}; writes the function's logs`,
    roles: [role],
    statements: [
      ...options.statements,
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/lambda/${fn.functionName}:*`],
      }),
    ],
  });
  acknowledgeNagFindings(policy.node.defaultChild as iam.CfnManagedPolicy, [
    ...options.policyAcknowledgements ?? [],
    { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/<${stack.getLogicalId(cfnFunction)}>:*]`, reason: 'The function writes its log streams, named by Lambda at run time, in its own log group only.' },
  ]);
  acknowledgeNagFindings(cfnFunction, [
    ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({ id: `${pack}-LambdaInsideVPC`, reason: options.outsideVpcReason })),
    ...['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
      id: `${pack}-LambdaConcurrency`,
      reason: 'Reserving concurrency fails deployments in accounts at the minimum unreserved concurrency (10); the function runs rarely and concurrent runs are safe (idempotent).',
    })),
    ...['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({ id: `${pack}-LambdaDLQ`, reason: options.noDeadLetterQueueReason })),
  ]);

  const provider = new cr.Provider(scope, 'Provider', { onEventHandler: fn });
  acknowledgeProviderResources([provider], options.subject);
  const frameworkPolicy = provider.node.tryFindChild('framework-onEvent')?.node.tryFindChild('ServiceRole')?.node.tryFindChild('DefaultPolicy');
  if (frameworkPolicy) {
    acknowledgeNagFindings(frameworkPolicy.node.defaultChild as iam.CfnPolicy, [{
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(cfnFunction)}.Arn>:*]`,
      reason: 'aws-cdk-lib\'s provider framework may invoke the versions of the one function it fronts (lambda:InvokeFunction on <function ARN>:*).',
    }]);
  }
  const resource = new CustomResource(scope, 'Resource', {
    serviceToken: provider.serviceToken,
    resourceType: options.resourceType,
    properties: options.properties,
  });
  // The function needs its permissions before CloudFormation invokes it.
  resource.node.addDependency(policy);
  return { resource, function: fn, policy };
}

/**
 * A deploy-time handler that EventBridge also runs on a schedule to repair drift, with an EMF failure
 * metric named `RefreshFailures` and an alarm on it.
 */
export function deployScheduledHandler(scope: Construct, options: ScheduledHandlerOptions): ScheduledHandler {
  const { resource, function: fn, policy } = deployDeployTimeHandler(scope, {
    ...options,
    idPrefix: 'Refresh',
    subject: `keeping ${options.subject} current`,
    noDeadLetterQueueReason: `A failed run is reported by the RefreshFailures metric and its alarm, and the next scheduled run retries; ${options.subject} is never emptied by a failure.`,
  });

  const schedule = new events.Rule(scope, 'Schedule', {
    description: `Repairs drift of ${options.subject}`,
    schedule: events.Schedule.rate(options.interval),
    targets: [new targets.LambdaFunction(fn, { event: events.RuleTargetInput.fromObject({ scheduled: options.properties }), retryAttempts: 2 })],
  });
  schedule.node.addDependency(resource);

  const failures = new cloudwatch.Metric({
    namespace: options.metricNamespace,
    metricName: 'RefreshFailures',
    dimensionsMap: { [options.metricDimension[0]]: options.metricDimension[1] },
    statistic: 'Maximum',
    period: options.interval,
  });
  // 2 of 3 periods: a run landing late in its bucket (or retried) does not raise a false alarm.
  const failureAlarm = new cloudwatch.Alarm(scope, 'RefreshFailureAlarm', {
    alarmDescription: options.alarmDescription,
    metric: failures,
    threshold: 1,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  acknowledgeNagFindings(failureAlarm.node.defaultChild as cloudwatch.CfnAlarm, ['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
    id: `${pack}-CloudWatchAlarmAction`,
    reason: 'Where the alarm goes (an SNS topic, a chat channel, an incident tool) is the application\'s choice: the alarm is exposed for addAlarmAction(), and the README shows how.',
  })));
  return { resource, function: fn, policy, failures, failureAlarm };
}
