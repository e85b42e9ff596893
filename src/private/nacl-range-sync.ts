import { Aws, Duration, Names } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IDependable } from 'constructs';
import { NACL_RANGE_SYNC_TYPE, NaclRangeSyncProperties, naclRangeSyncProperties } from './contracts/nacl-range-sync';
import { NaclRangeSyncApplyFunction } from './nacl-range-sync.apply-function';
import { deployScheduledHandler } from './scheduled-handler';

/** CloudWatch namespace of the NACL synchronisation metrics. */
export const NACL_SYNC_METRIC_NAMESPACE = 'CdkSagemakerEgress/NaclSync';
/** Rule numbers each synchronisation owns: more than the largest rules-per-NACL quota (40). */
export const NACL_RULE_BLOCK_SIZE = 100;

/** A prefix list whose entries are destinations. */
export interface PrefixListSource {
  readonly prefixListId: string;
  readonly prefixListArn: string;
}

export interface NaclRangeSyncProps {
  /** The NACLs to keep current (the same block in each). */
  readonly networkAcls: ec2.INetworkAcl[];
  /** Prefix lists whose entries become "HTTPS out, return traffic in" rules. */
  readonly sources: PrefixListSource[];
  /** First rule number of the block this synchronisation owns. */
  readonly ruleNumberBase: number;
  /** IPv4 rules per direction each NACL may have, default deny rule included. */
  readonly maxEntriesPerDirection: number;
  /** How often the entries are re-read and the NACLs repaired. */
  readonly refreshInterval: Duration;
  /** What the entries are, for descriptions ("the S3 ranges of the region"). */
  readonly subject: string;
  /** What to change when the destinations do not fit, for the error message. */
  readonly overflowAdvice: string;
}

/**
 * Keeps a block of NACL rule numbers equal to the entries of some prefix lists, at deploy time and on a
 * schedule. This is how a stateless NACL follows destinations that are only known, and only stay
 * correct, at run time: the S3 ranges of the region, the addresses of the package index.
 */
export class NaclRangeSync extends Construct implements IDependable {
  /** Deploy-time synchronisation: resources that need the entries in place depend on it. */
  public readonly resource: Construct;
  public readonly refreshFailures: cloudwatch.IMetric;
  public readonly refreshFailureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: NaclRangeSyncProps) {
    super(scope, id);
    const name = Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });
    const config: NaclRangeSyncProperties = {
      NetworkAclIds: props.networkAcls.map((acl) => acl.networkAclId),
      PrefixListIds: props.sources.map((s) => s.prefixListId),
      RuleNumberBase: props.ruleNumberBase,
      RuleNumberCount: NACL_RULE_BLOCK_SIZE,
      MaxEntriesPerDirection: props.maxEntriesPerDirection,
      Port: 443,
      MetricNamespace: NACL_SYNC_METRIC_NAMESPACE,
      SyncName: name,
      OverflowAdvice: props.overflowAdvice,
    };
    const handler = deployScheduledHandler(this, {
      handler: NaclRangeSyncApplyFunction,
      description: 'Keeps NACL entries equal to the entries of prefix lists (HTTPS out, return traffic in)',
      subject: props.subject,
      statements: [
        new iam.PolicyStatement({
          actions: ['ec2:CreateNetworkAclEntry', 'ec2:ReplaceNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'],
          resources: props.networkAcls.map((acl) => `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:network-acl/${acl.networkAclId}`),
        }),
        new iam.PolicyStatement({
          actions: ['ec2:GetManagedPrefixListEntries'],
          // The ARN EC2 reports for a list, and the same list under this account: the owner part IAM
          // matches for an AWS-managed list ("aws" in the ARN EC2 reports) is not documented.
          resources: props.sources.flatMap((s) => [
            s.prefixListArn,
            `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:prefix-list/${s.prefixListId}`,
          ]),
        }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkAcls'], resources: ['*'] }),
      ],
      policyAcknowledgements: [{
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ec2:DescribeNetworkAcls supports no resource-level permissions (service authorization reference); the entry changes are limited to the given NACLs and the reads to the given prefix lists.',
      }],
      outsideVpcReason: 'The function calls the EC2 API to change the NACLs of the restricted VPC; inside it, it would depend on the rules it manages and need an EC2 endpoint.',
      resourceType: NACL_RANGE_SYNC_TYPE,
      properties: naclRangeSyncProperties(config),
      interval: props.refreshInterval,
      metricNamespace: NACL_SYNC_METRIC_NAMESPACE,
      metricDimension: ['NaclSync', name],
      alarmDescription: `Synchronisations of ${props.subject} into the NACLs failed (unreadable or empty prefix list, rule quota exceeded), or none reported`,
    });
    this.resource = handler.resource;
    this.refreshFailures = handler.failures;
    this.refreshFailureAlarm = handler.failureAlarm;
  }
}
