import { Aws, Duration, Names } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RESOLVED_ADDRESS_SET_TYPE, ResolvedAddressSetProperties, resolvedAddressSetProperties } from './contracts/resolved-address-set';
import { ResolvedAddressSetRefreshFunction } from './resolved-address-set.refresh-function';
import { deployScheduledHandler } from './scheduled-handler';

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

    const config: ResolvedAddressSetProperties = {
      PrefixListId: prefixList.attrPrefixListId,
      Hostnames: props.hostnames,
      StaticCidrs: props.staticCidrs,
      MaxEntries: props.maxEntries,
      GracePeriodSeconds: props.gracePeriod.toSeconds(),
      LookupTimeoutMs: 5000,
      MetricNamespace: ADDRESS_SET_METRIC_NAMESPACE,
      AddressSetName: name,
    };
    const handler = deployScheduledHandler(this, {
      handler: ResolvedAddressSetRefreshFunction,
      description: 'Keeps a prefix list equal to the IPv4 addresses of a few host names',
      subject: 'the prefix list of a resolved address set',
      statements: [
        new iam.PolicyStatement({
          actions: ['ec2:GetManagedPrefixListEntries', 'ec2:ModifyManagedPrefixList', 'ec2:CreateTags', 'ec2:DeleteTags'],
          resources: [this.prefixListArn],
        }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
        // A change that replaces the prefix list (maxEntries) seeds the new list from the old one when a
        // lookup fails, so that no rule ever points at an empty list: the old list's id is known only then.
        new iam.PolicyStatement({
          actions: ['ec2:GetManagedPrefixListEntries'],
          resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:prefix-list/*`],
        }),
      ],
      policyAcknowledgements: [
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions; every other action is limited to this set\'s prefix list.' },
        { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:prefix-list/*]', reason: 'Read-only: when the prefix list is replaced (a new maxEntries), the handler reads the entries of the list it replaces, whose id is known only at that deployment, to seed the new one if a lookup fails.' },
      ],
      outsideVpcReason: 'The refresh function resolves public host names and calls the EC2 API; inside the restricted VPC it would need the very egress it manages plus an EC2 endpoint.',
      resourceType: RESOLVED_ADDRESS_SET_TYPE,
      properties: resolvedAddressSetProperties(config),
      interval: props.refreshInterval,
      metricNamespace: ADDRESS_SET_METRIC_NAMESPACE,
      metricDimension: ['AddressSet', name],
      alarmDescription: 'Refreshes of the resolved address set failed (lookup failure, timeout, overflow), or none reported',
    });
    // Consumers reference the list through the custom resource (its physical id is the list id), so a
    // security group rule, and any notebook using it, waits until the list is filled.
    this.prefixListId = handler.resource.ref;
    this.refreshFailures = handler.failures;
    this.refreshFailureAlarm = handler.failureAlarm;
  }
}

