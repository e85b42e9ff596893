import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { closedSecurityGroup } from './private/closed-security-group';
import { ResolvedAddressSet } from './private/resolved-address-set';
import { invalid, validateIntegerInRange, validateIpv4Cidr } from './private/validation';
import { allowAwsEndpoints, placementOf } from './private/workload-access';
import { IWorkloadNetwork } from './workload-network';

/** pip's defaults: the index (pypi.org) and the file host (files.pythonhosted.org). */
const PYPI_HOSTNAMES = ['pypi.org', 'files.pythonhosted.org'];
/** Inbound or outbound rules per security group (VPC quota, default). */
const SECURITY_GROUP_RULE_QUOTA = 60;
/**
 * Rules other than the package-index prefix list that the group carries: HTTPS to the endpoint security
 * group (1) and to S3's AWS-managed prefix list (weight 1) with a network, or to the VPC CIDR
 * (1) and S3 (1) in any other VPC.
 */
const OTHER_RULE_WEIGHT = 2;
/**
 * Largest max entries accepted: an address that stops resolving is stamped with a tag on the prefix
 * list, and EC2 allows 50 tags per resource, some of which stack-wide tags may take.
 */
const MAX_ENTRIES_LIMIT = 40;

/**
 * Properties of a `PypiAllowlistSecurityGroup`.
 */
export interface PypiAllowlistSecurityGroupProps {
  /**
   * The network of the workloads that use the group: the group registers with its endpoints, and with
   * tightened NACLs the package-index addresses are let through them.
   *
   * @default - none: `vpc` must be given
   */
  readonly network?: IWorkloadNetwork;

  /**
   * A VPC without a network object: HTTPS is then allowed to the whole VPC CIDR and to S3 as well, with
   * a synth warning. Prefer `network`.
   *
   * @default - the network's VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * More host names to allow on 443, besides pypi.org and files.pythonhosted.org, e.g. a PyTorch
   * wheel index (`download.pytorch.org`).
   *
   * @default - none
   */
  readonly additionalHostnames?: string[];

  /**
   * CIDRs to allow on 443 as they are (a private package mirror, say). /8 or longer.
   *
   * @default - none
   */
  readonly staticCidrs?: string[];

  /**
   * Max entries of the prefix list. A security-group rule that references a customer-managed prefix
   * list counts as this many rules against the group's 60-rule quota, so keep it as small as the
   * addresses need, with room for CDN rotation.
   *
   * Changing it later replaces the prefix list: during that update the old and the new list both count
   * against the quota.
   *
   * @default 16
   */
  readonly maxEntries?: number;

  /**
   * How often the host names are re-resolved and the prefix list repaired.
   *
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;

  /**
   * How long an address that stopped resolving is kept before it is removed (CDN rotation: clients
   * may still hold it in their DNS caches).
   *
   * @default Duration.days(1)
   */
  readonly gracePeriod?: Duration;
}

/**
 * A security group whose only internet egress is HTTPS to the Python package index.
 *
 * Security groups cannot name hosts, so the addresses of pypi.org and files.pythonhosted.org (and any
 * host you add) are resolved at deploy time into a customer-managed prefix list that the group
 * references, and re-resolved on a schedule so that CDN drift is repaired without a redeploy. A failed
 * lookup never removes an address; an address that stops resolving is kept for a grace period.
 * Failures raise `refreshFailureAlarm`.
 *
 * Egress: 443 to the package-index prefix list, 443 to the VPC's interface endpoints and to S3.
 * Nothing else, in particular no 0.0.0.0/0 rule. Use it as the security group of a `NoInternetNotebook`
 * in a VPC with a NAT gateway.
 */
export class PypiAllowlistSecurityGroup extends Construct implements ec2.IConnectable {
  /** The security group. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** Network access of the group. */
  public readonly connections: ec2.Connections;
  /** The host names resolved into the allowlist. */
  public readonly hostnames: string[];
  /** The prefix list holding the package-index addresses. */
  public readonly prefixListId: string;
  /** Max entries of the prefix list. */
  public readonly maxEntries: number;
  /** The prefix list's ARN. */
  public readonly prefixListArn: string;
  /** The group's outbound rule weight against the 60-rule quota, before any rule you add through `connections`. */
  public readonly ruleWeight: number;
  /** 1 for each refresh that failed to resolve a host name or to fit the addresses. */
  public readonly refreshFailures: cloudwatch.IMetric;
  /** In alarm when a refresh failed or none reported; route it with `addAlarmAction()`. */
  public readonly refreshFailureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PypiAllowlistSecurityGroupProps) {
    super(scope, id);
    const hostnames = [...PYPI_HOSTNAMES, ...props.additionalHostnames ?? []];
    const staticCidrs = props.staticCidrs ?? [];
    const maxEntries = props.maxEntries ?? 16;
    const refreshInterval = props.refreshInterval ?? Duration.hours(1);
    const gracePeriod = props.gracePeriod ?? Duration.days(1);

    hostnames.forEach((h, i) => validateHostname(i < PYPI_HOSTNAMES.length ? 'hostnames' : 'additionalHostnames', h));
    rejectDuplicates('additionalHostnames', hostnames);
    staticCidrs.forEach((c) => validateIpv4Cidr('staticCidrs', c, { minPrefix: 8, maxPrefix: 32 }));
    rejectDuplicates('staticCidrs', staticCidrs);
    if (Token.isUnresolved(maxEntries)) {
      invalid('maxEntries', 'be known at synth time (the rule quota is checked with it)', maxEntries, 'pass a literal number');
    }
    // Each rule quota is checked before deploy: the prefix list weighs maxEntries rules, the group has
    // OTHER_RULE_WEIGHT more, against 60; tag stamps of missing addresses must fit EC2's 50 tags.
    validateIntegerInRange('maxEntries', maxEntries, 1, Math.min(MAX_ENTRIES_LIMIT, SECURITY_GROUP_RULE_QUOTA - OTHER_RULE_WEIGHT),
      `the prefix list weighs maxEntries of the group's ${SECURITY_GROUP_RULE_QUOTA} rules (${OTHER_RULE_WEIGHT} more are used) ` +
      'and each missing address takes one of the list\'s 50 tags');
    // Each host name needs at least one entry; static CIDRs take one each.
    if (!Token.isUnresolved(maxEntries) && hostnames.length + staticCidrs.length > maxEntries) {
      invalid('maxEntries', `fit at least one address per host name plus the static CIDRs (${hostnames.length + staticCidrs.length})`, maxEntries,
        'raise maxEntries or allow fewer hosts');
    }
    const intervalSeconds = refreshInterval.toSeconds();
    if (!Token.isUnresolved(intervalSeconds) && (intervalSeconds < 300 || intervalSeconds > 86400)) {
      invalid('refreshInterval', 'be from 5 minutes to 1 day (the failure alarm evaluates 3 intervals)', refreshInterval.toHumanString(),
        'use a Duration from Duration.minutes(5) to Duration.days(1)');
    }
    const graceSeconds = gracePeriod.toSeconds();
    if (!Token.isUnresolved(graceSeconds) && !Token.isUnresolved(intervalSeconds) && graceSeconds < intervalSeconds) {
      invalid('gracePeriod', `be at least the refresh interval (${refreshInterval.toHumanString()})`, gracePeriod.toHumanString(),
        'a shorter grace period removes an address at the first refresh that misses it');
    }

    this.hostnames = hostnames;
    this.maxEntries = maxEntries;
    this.ruleWeight = maxEntries + OTHER_RULE_WEIGHT;

    const addresses = new ResolvedAddressSet(this, 'Addresses', { hostnames, staticCidrs, maxEntries, refreshInterval, gracePeriod });
    this.prefixListId = addresses.prefixListId;
    this.prefixListArn = addresses.prefixListArn;
    this.refreshFailures = addresses.refreshFailures;
    this.refreshFailureAlarm = addresses.refreshFailureAlarm;

    const placement = placementOf(props);
    const group = closedSecurityGroup(this, 'SecurityGroup', placement.vpc, 'HTTPS to the Python package index and AWS endpoints only');
    this.securityGroup = group;
    this.connections = new ec2.Connections({ securityGroups: [group] });
    group.addEgressRule(ec2.Peer.prefixList(this.prefixListId), ec2.Port.tcp(443), 'HTTPS to the package index (resolved, refreshed prefix list)');
    allowAwsEndpoints(this, placement, this, ['sagemaker.api', 'sagemaker.runtime', 'sts', 'logs']);

    // With tightened NACLs the package-index addresses must be let through them too (workload and NAT
    // subnets); the group, and so every workload using it, waits until they are.
    const network = props.network;
    if (network && !network.hasInternetRoute) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:pypiAllowlistWithoutInternet',
        'The network\'s workload subnets have no route to the internet (InternetEgress.none()): the prefix list, its Lambda function and its alarm ' +
        'are deployed for nothing, and pip never reaches PyPI. Use InternetEgress.natGateway() for the network, or a CodeArtifactPypiMirror instead of the allowlist.');
    }
    if (network) {
      const naclEntries = network.addNaclDestination(this, 'NaclEntries', {
        prefixListId: this.prefixListId,
        prefixListArn: this.prefixListArn,
        maxEntries,
        description: 'the Python package index',
      });
      group.node.addDependency(naclEntries);
    }
  }
}

/** A DNS host name (RFC 1123 labels, at least two), no wildcard, no scheme. */
function validateHostname(prop: string, hostname: string): void {
  if (Token.isUnresolved(hostname)) return;
  const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
  const labels = hostname.toLowerCase().split('.');
  if (hostname.length > 253 || labels.length < 2 || !labels.every((l) => label.test(l))) {
    const fix = /^https?:\/\//.test(hostname) ? `drop the scheme and path: "${hostname.replace(/^https?:\/\//, '').split('/')[0]}"` : 'use a host name such as "download.pytorch.org"';
    invalid(prop, 'hold host names (no scheme, path or wildcard)', hostname, fix);
  }
}

function rejectDuplicates(prop: string, values: string[]): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value.toLowerCase())) invalid(prop, 'not repeat an entry', value, 'remove the duplicate');
    seen.add(value.toLowerCase());
  }
}
