import { Aws, CustomResource, Duration, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeNagFindings } from './acknowledge';
import { AddressSetConfig } from './address-set-plan';
import { acknowledgeProviderResources } from './provider-acknowledgements';
import { ResolvedAddressSetRefreshFunction } from './resolved-address-set.refresh-function';

/** CloudWatch namespace of the refresh metrics. */
export const ADDRESS_SET_METRIC_NAMESPACE = 'CdkSagemakerEgress/AddressSets';

export interface ResolvedAddressSetProps {
  /** Host names whose IPv4 addresses make up the set. */
  readonly hostnames: string[];
  /** CIDRs always in the set. */
  readonly staticCidrs: string[];
  /** Max entries of the prefix list (its weight in security-group rule quotas). */
  readonly maxEntries: number;
  /** How often the set is re-resolved. */
  readonly refreshInterval: Duration;
  /** How long an address that stopped resolving is kept. */
  readonly gracePeriod: Duration;
}

/**
 * A set of IPv4 addresses resolved from host names at deploy time and kept current by a schedule:
 * a customer-managed prefix list, its refresh function, the schedule, and a failure metric and alarm.
 * Security groups reference the prefix list; the NACL work can read the same list.
 */
export class ResolvedAddressSet extends Construct {
  /** The prefix list holding the addresses. */
  public readonly prefixListId: string;
  /** The prefix list's ARN. */
  public readonly prefixListArn: string;
  /** Max entries of the prefix list. */
  public readonly maxEntries: number;
  /** 1 for each refresh that did not resolve every host name or could not fit the set. */
  public readonly refreshFailures: cloudwatch.IMetric;
  /** In alarm when a refresh failed, or when no refresh reported at all. */
  public readonly refreshFailureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ResolvedAddressSetProps) {
    super(scope, id);
    this.maxEntries = props.maxEntries;
    const name = Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });

    // Entries are left out of the template on purpose: the refresh function owns them. The size is part
    // of the construct id: EC2 cannot resize a list and change its entries in one request, so a new size
    // is a new list, which the custom resource fills before the security group switches to it.
    const prefixList = new ec2.CfnPrefixList(this, `PrefixList${props.maxEntries}`, {
      prefixListName: name,
      addressFamily: 'IPv4',
      maxEntries: props.maxEntries,
    });
    this.prefixListArn = prefixList.attrArn;

    const role = new iam.Role(this, 'RefreshRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Resolves host names and keeps one prefix list current',
    });
    const refresh = new ResolvedAddressSetRefreshFunction(this, 'Refresh', {
      role,
      description: 'Keeps a prefix list equal to the IPv4 addresses of a few host names (cdk-sagemaker-egress)',
      timeout: Duration.minutes(2),
      memorySize: 256,
      // No reserved concurrency: it fails deployments in accounts at the minimum unreserved concurrency,
      // and concurrent runs are safe anyway (each modification carries the list's version).
    });
    const policy = new iam.ManagedPolicy(this, 'RefreshPolicy', {
      description: 'Reads and modifies one prefix list; writes the refresh function\'s logs',
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['ec2:GetManagedPrefixListEntries', 'ec2:ModifyManagedPrefixList', 'ec2:CreateTags', 'ec2:DeleteTags'],
          resources: [this.prefixListArn],
        }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
        new iam.PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/lambda/${refresh.functionName}:*`],
        }),
      ],
    });
    acknowledgeNagFindings(policy.node.defaultChild as iam.CfnManagedPolicy, [
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions; every other action is limited to this set\'s prefix list.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/<${Stack.of(this).getLogicalId(refresh.node.defaultChild as lambda.CfnFunction)}>:*]`, reason: 'The refresh function writes its log streams, named by Lambda at run time, in its own log group only.' },
    ]);
    const cfnFunction = refresh.node.defaultChild as lambda.CfnFunction;
    acknowledgeNagFindings(cfnFunction, [
      ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({
        id: `${pack}-LambdaInsideVPC`,
        reason: 'The refresh function resolves public host names and calls the EC2 API; inside the restricted VPC it would need the very egress it manages plus an EC2 endpoint.',
      })),
      ...['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
        id: `${pack}-LambdaConcurrency`,
        reason: 'Reserving concurrency fails deployments in accounts at the minimum unreserved concurrency (10); the function runs once per interval and concurrent runs are safe (every modification carries the prefix list\'s version).',
      })),
      ...['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
        id: `${pack}-LambdaDLQ`,
        reason: 'A failed refresh is reported by the RefreshFailures metric and its alarm, and the next scheduled run retries; the prefix list is never emptied by a failure.',
      })),
    ]);

    const config: AddressSetConfig = {
      PrefixListId: prefixList.attrPrefixListId,
      Hostnames: props.hostnames,
      StaticCidrs: props.staticCidrs,
      MaxEntries: props.maxEntries,
      GracePeriodSeconds: props.gracePeriod.toSeconds(),
      LookupTimeoutMs: 5000,
      MetricNamespace: ADDRESS_SET_METRIC_NAMESPACE,
      AddressSetName: name,
    };

    const provider = new cr.Provider(this, 'Provider', { onEventHandler: refresh });
    acknowledgeProviderResources([provider], 'resolving the address set at deploy time');
    const frameworkPolicy = provider.node.tryFindChild('framework-onEvent')?.node.tryFindChild('ServiceRole')?.node.tryFindChild('DefaultPolicy');
    if (frameworkPolicy) {
      acknowledgeNagFindings(frameworkPolicy.node.defaultChild as iam.CfnPolicy, [{
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(cfnFunction)}.Arn>:*]`,
        reason: 'aws-cdk-lib\'s provider framework may invoke the versions of the one refresh function it fronts (lambda:InvokeFunction on <function ARN>:*).',
      }]);
    }
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ResolvedAddressSet',
      properties: config,
    });
    // The function needs its permissions before CloudFormation invokes it.
    resource.node.addDependency(policy);
    // Consumers reference the list through the custom resource (its physical id is the list id), so a
    // security group rule, and any notebook using it, waits until the list is filled.
    this.prefixListId = resource.ref;

    const schedule = new events.Rule(this, 'Schedule', {
      description: 'Re-resolves the address set to repair drift',
      schedule: events.Schedule.rate(props.refreshInterval),
      targets: [new targets.LambdaFunction(refresh, { event: events.RuleTargetInput.fromObject({ scheduled: config }), retryAttempts: 2 })],
    });
    schedule.node.addDependency(resource);

    this.refreshFailures = new cloudwatch.Metric({
      namespace: ADDRESS_SET_METRIC_NAMESPACE,
      metricName: 'RefreshFailures',
      dimensionsMap: { AddressSet: name },
      statistic: 'Maximum',
      period: props.refreshInterval,
    });
    // 2 of 3 periods: a run landing late in its bucket (or retried) does not raise a false alarm.
    this.refreshFailureAlarm = new cloudwatch.Alarm(this, 'RefreshFailureAlarm', {
      alarmDescription: 'Refreshes of the resolved address set failed (lookup failure, timeout, overflow), or none reported',
      metric: this.refreshFailures,
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    acknowledgeNagFindings(this.refreshFailureAlarm.node.defaultChild as cloudwatch.CfnAlarm, ['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
      id: `${pack}-CloudWatchAlarmAction`,
      reason: 'Where the alarm goes (an SNS topic, a chat channel, an incident tool) is the application\'s choice: the alarm is exposed for addAlarmAction(), and the README shows how.',
    })));
  }
}

