import { Annotations, Aspects, Aws, CfnResource, Lazy, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53resolver from 'aws-cdk-lib/aws-route53resolver';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { endpointDomainNames } from './private/dns-names';
import { logGroupKey } from './private/log-group-key';
import { acknowledgeAwsCustomResource } from './private/provider-acknowledgements';
import { invalid, KINDS, requireKinds, validateDnsDomain, validateIntegerInRange } from './private/validation';
import { PypiAllowlistSecurityGroup } from './pypi-allowlist-security-group';

/** CloudFormation's allowed association priorities: "between 100 and 9900 (excluding 100 and 9900)". */
const MIN_PRIORITY = 101;
const MAX_PRIORITY = 9899;
/** DNS Firewall takes at most 1,000 domains per request (UpdateFirewallDomains); CloudFormation passes the list inline. */
const MAX_DOMAINS = 1000;
/** CreateFirewallDomainList, CreateFirewallRuleGroup, AssociateFirewallRuleGroup, CreateResolverQueryLogConfig: Name is 1 to 64 characters. */
const MAX_NAME_LENGTH = 64;
/** The catch-all domain specification of the second rule: every name not allowed by the first. */
const EVERY_DOMAIN = '*';

/** What the allowlist does with a name that is not on it. */
export enum DnsFirewallMode {
  /** Block the query, answering with `blockResponse`. */
  BLOCK = 'BLOCK',
  /** Resolve the query, and record an alert in the Resolver query log (observe before enforcing). */
  ALERT = 'ALERT',
}

/** The answer to a blocked query. */
export enum DnsBlockResponse {
  /** The name exists but has no record of the type asked (clients do not retry elsewhere). */
  NODATA = 'NODATA',
  /** The name does not exist. */
  NXDOMAIN = 'NXDOMAIN',
}

/**
 * Properties of a `DnsEgressAllowlist`.
 */
export interface DnsEgressAllowlistProps {
  /** The VPC whose DNS queries (through the VPC resolver) are filtered. */
  readonly vpc: ec2.IVpc;

  /**
   * Whether names not on the list are blocked, or only logged as alerts.
   *
   * @default DnsFirewallMode.BLOCK
   */
  readonly mode?: DnsFirewallMode;

  /**
   * The answer to a blocked query (BLOCK mode).
   *
   * @default DnsBlockResponse.NODATA
   */
  readonly blockResponse?: DnsBlockResponse;

  /**
   * Further names to allow, besides those derived from the VPC's endpoints and this library's
   * constructs: `example.com`, or `*.example.com` for every name below it (a wildcard only as the
   * leftmost label).
   *
   * @default - none
   */
  readonly allowedDomains?: string[];

  /**
   * Names of private hosted zones associated with the VPC whose records workloads resolve; each zone
   * and every name in it is allowed.
   *
   * @default - none
   */
  readonly privateHostedZones?: string[];

  /**
   * Accept an allowlist in BLOCK mode that holds no name besides the VPC's internal host names (no
   * endpoint, construct, zone or `allowedDomains` contributed one). SageMaker cannot work with it.
   *
   * @default false
   */
  readonly allowEmptyAllowlist?: boolean;

  /**
   * Priority of the rule group's association with the VPC, from 101 to 9899; DNS Firewall evaluates the
   * VPC's rule groups from the lowest priority, and the first rule that matches a name decides. This
   * group decides every name (its ALLOW is followed by a catch-all BLOCK or ALERT), so rule groups
   * associated after it (a higher number: AWS-managed threat lists, Firewall Manager groups) never see a
   * query. Give it a number above theirs to let them block first; a synth warning names the groups of
   * this app it shadows (groups associated outside the app cannot be seen).
   *
   * @default 101 - evaluated before rule groups associated with default priorities
   */
  readonly priority?: number;

  /**
   * Protect the association from being changed or removed (it must be turned off before the stack can
   * delete it).
   *
   * @default false
   */
  readonly mutationProtection?: boolean;

  /**
   * Let queries through when DNS Firewall cannot answer (fail open), set at deploy time through the
   * UpdateFirewallConfig API (CloudFormation has no resource for it). By default DNS Firewall fails closed: the VPC resolver blocks a
   * query DNS Firewall did not judge, which favours security over availability.
   *
   * @default false
   */
  readonly failOpen?: boolean;

  /**
   * Log the VPC's DNS queries (allowed, alerted and blocked) to a log group, so that blocked lookups can
   * be investigated. ALERT mode reports only there.
   *
   * @default true
   */
  readonly queryLogging?: boolean;

  /**
   * How long the query log is kept: at least one year.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly queryLogRetention?: logs.RetentionDays;

  /**
   * Customer-managed key encrypting the query log group.
   *
   * @default - a new key with automatic rotation
   */
  readonly queryLogKey?: kms.IKey;
}

/**
 * A Route 53 Resolver DNS Firewall allowlist on a VPC: names the configuration needs are answered,
 * every other query is blocked (or, in ALERT mode, logged), which closes DNS as an exfiltration channel
 * that security groups and NACLs never see.
 *
 * The list is derived at synth time, not typed in: the private DNS names of every interface endpoint
 * in the VPC (in any stack of the app), the S3 names when an S3 endpoint is present, the package index
 * names of the `PypiAllowlistSecurityGroup`s in the VPC, and the VPC's EC2 internal host names; plus
 * `privateHostedZones` and `allowedDomains`.
 */
export class DnsEgressAllowlist extends Construct {
  /** The VPC whose queries are filtered. */
  public readonly vpc: ec2.IVpc;
  /** BLOCK or ALERT. */
  public readonly mode: DnsFirewallMode;
  /** The rule group's id. */
  public readonly firewallRuleGroupId: string;
  /** The allowed domain list's id. */
  public readonly allowedDomainListId: string;
  /** The query log group, when query logging is on. */
  public readonly queryLogGroup?: logs.ILogGroup;

  private readonly extraDomains: string[];
  private readonly unknownServices = new Set<string>();
  private readonly props: DnsEgressAllowlistProps;

  constructor(scope: Construct, id: string, props: DnsEgressAllowlistProps) {
    super(scope, id);
    requireKinds({ vpc: [props.vpc, KINDS.vpc], queryLogKey: [props.queryLogKey, KINDS.key] });
    this.props = props;
    this.vpc = props.vpc;
    this.mode = props.mode ?? DnsFirewallMode.BLOCK;
    const priority = props.priority ?? MIN_PRIORITY;
    validateIntegerInRange('priority', priority, MIN_PRIORITY, MAX_PRIORITY,
      `CloudFormation accepts association priorities from ${MIN_PRIORITY} to ${MAX_PRIORITY}`);
    if (this.mode === DnsFirewallMode.ALERT && props.queryLogging === false) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:alertWithoutQueryLog',
        'DnsFirewallMode.ALERT reports names that are not on the list only in the Resolver query log, and queryLogging is false: nothing will show them.');
    }
    if (props.blockResponse !== undefined && this.mode === DnsFirewallMode.ALERT) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:blockResponseInAlertMode',
        'blockResponse has no effect in DnsFirewallMode.ALERT: nothing is blocked, queries are only logged.');
    }
    for (const domain of props.allowedDomains ?? []) validateDnsDomain('allowedDomains', domain);
    for (const zone of props.privateHostedZones ?? []) validateDnsDomain('privateHostedZones', zone, { wildcard: false });
    this.extraDomains = [
      ...(props.privateHostedZones ?? []).flatMap((zone) => [normalize(zone), `*.${normalize(zone)}`]),
      ...(props.allowedDomains ?? []).map(normalize),
    ];
    this.rejectSecondAllowlist();

    // DNS Firewall and query-logging names: at most 64 characters.
    const name = (suffix: string) => resourceName(this, suffix);
    const allowed = new route53resolver.CfnFirewallDomainList(this, 'AllowedDomains', {
      name: name('allowed'),
      domains: Lazy.list({ produce: () => this.domains() }),
    });
    const everything = new route53resolver.CfnFirewallDomainList(this, 'AllDomains', {
      name: name('all'),
      domains: [EVERY_DOMAIN],
    });
    const ruleGroup = new route53resolver.CfnFirewallRuleGroup(this, 'RuleGroup', {
      name: name('rules'),
      firewallRules: [
        {
          // Allowed names first. A CNAME chain starting at an allowed name is trusted: package indexes and
          // AWS names answer through CDN and regional names chosen by their owner (see the README).
          priority: 100,
          action: 'ALLOW',
          firewallDomainListId: allowed.attrId,
          firewallDomainRedirectionAction: 'TRUST_REDIRECTION_DOMAIN',
        },
        {
          priority: 200,
          action: this.mode,
          firewallDomainListId: everything.attrId,
          blockResponse: this.mode === DnsFirewallMode.BLOCK ? props.blockResponse ?? DnsBlockResponse.NODATA : undefined,
        },
      ],
    });
    const association = new route53resolver.CfnFirewallRuleGroupAssociation(this, 'Association', {
      firewallRuleGroupId: ruleGroup.attrId,
      vpcId: props.vpc.vpcId,
      priority,
      mutationProtection: props.mutationProtection ? 'ENABLED' : 'DISABLED',
      name: name('association'),
    });
    this.firewallRuleGroupId = ruleGroup.attrId;
    this.allowedDomainListId = allowed.attrId;

    if (props.queryLogging ?? true) {
      this.queryLogGroup = this.createQueryLogging(props);
      // Queries are logged before the firewall starts deciding, so the first blocks can be investigated.
      association.node.addDependency(this.node.findChild('QueryLoggingAssociation'));
    }
    if (props.failOpen) this.enableFailOpen(association);
    this.node.addValidation({ validate: () => this.validateDomains() });
    Aspects.of(this).add({ visit: (node) => { if (node === association) this.warnShadowedGroups(association); } });
  }

  /** Every name on the allowlist, as CloudFormation will receive it (deploy-time values as tokens). */
  public get allowedDomains(): string[] {
    return this.domains();
  }

  private domains(): string[] {
    const derived = this.derivedDomains();
    return unique([...derived, ...vpcInternalDomains(Stack.of(this).region), ...this.extraDomains]);
  }

  /** Names that the VPC's endpoints and this library's constructs need, from the whole app's tree. */
  private derivedDomains(): string[] {
    const vpcId = this.vpc.vpcId;
    const root = this.node.root;
    const names: string[] = [];
    for (const construct of root.node.findAll()) {
      if (construct instanceof ec2.CfnVPCEndpoint && sameValue(construct.vpcId, vpcId)) {
        const stack = Stack.of(construct);
        const serviceName = stack.resolve(construct.serviceName);
        const privateDnsOff = construct.vpcEndpointType === 'Interface' && stack.resolve(construct.privateDnsEnabled) === false;
        const known = privateDnsOff ? undefined : endpointDomainNames(serviceName, stack.region);
        if (known) names.push(...known);
        else this.unknownServices.add(`${JSON.stringify(serviceName)}${privateDnsOff ? ' (private DNS off: its clients use the endpoint\'s own vpce names)' : ''}`);
      } else if (construct instanceof PypiAllowlistSecurityGroup && sameValue(securityGroupVpcId(construct), vpcId)) {
        names.push(...construct.hostnames.map(normalize));
      }
    }
    return names;
  }

  private validateDomains(): string[] {
    const domains = this.domains();
    const errors: string[] = [];
    if (!Token.isUnresolved(domains) && domains.length > MAX_DOMAINS) {
      errors.push(`allowedDomains must keep the allowlist within ${MAX_DOMAINS} names (DNS Firewall's limit per request), got: ${domains.length} — ` +
        'allow whole zones with a wildcard (*.example.com) instead of single names');
    }
    for (const service of this.unknownServices) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:unknownEndpointNames',
        `The VPC has an endpoint for ${service}, whose DNS names this library does not know: add them with allowedDomains, or its clients' lookups are blocked.`);
    }
    const contributed = this.derivedDomains().length + this.extraDomains.length;
    if (contributed === 0 && this.mode === DnsFirewallMode.BLOCK && !this.props.allowEmptyAllowlist) {
      errors.push('allowedDomains must not leave the allowlist empty in DnsFirewallMode.BLOCK, got: no endpoint, construct, zone or domain in the VPC — ' +
        'SageMaker resolves its endpoints\' names and would break: add the endpoints first, name domains, use DnsFirewallMode.ALERT, or set allowEmptyAllowlist');
    }
    return errors;
  }

  /**
   * Rule groups of this app on the same VPC with a higher priority number are evaluated after this one,
   * whose catch-all decides every name first: they never apply.
   */
  private warnShadowedGroups(association: route53resolver.CfnFirewallRuleGroupAssociation): void {
    const stack = Stack.of(this);
    const shadowed = this.node.root.node.findAll()
      .filter((c): c is route53resolver.CfnFirewallRuleGroupAssociation =>
        c instanceof route53resolver.CfnFirewallRuleGroupAssociation && c !== association)
      .filter((other) => JSON.stringify(Stack.of(other).resolve(other.vpcId)) === JSON.stringify(stack.resolve(association.vpcId)))
      .filter((other) => !Token.isUnresolved(other.priority) && !Token.isUnresolved(association.priority) && other.priority > association.priority);
    if (shadowed.length === 0) return;
    Annotations.of(this).addWarningV2('cdk-sagemaker-egress:dnsAllowlistShadowsRuleGroups',
      `The allowlist (priority ${association.priority}) decides every name before the DNS Firewall rule groups associated after it on this VPC, which then never apply: ` +
      `${shadowed.map((o) => `${o.node.path} (priority ${o.priority})`).join(', ')}. Give the allowlist a priority above theirs to let them block first.`);
  }

  private rejectSecondAllowlist(): void {
    for (const other of this.node.root.node.findAll()) {
      if (other !== this && other instanceof DnsEgressAllowlist && sameValue(other.vpc.vpcId, this.vpc.vpcId)) {
        invalid('vpc', 'have one DnsEgressAllowlist only (a second one\'s catch-all rule would block the names the first allows)', this.vpc.node.path,
          `add the names to ${other.node.path} with allowedDomains instead`);
      }
    }
  }

  private createQueryLogging(props: DnsEgressAllowlistProps): logs.ILogGroup {
    const retention = props.queryLogRetention ?? logs.RetentionDays.ONE_YEAR;
    if (retention !== logs.RetentionDays.INFINITE && retention < logs.RetentionDays.ONE_YEAR) {
      invalid('queryLogRetention', 'keep the query log at least one year (365 days)', retention, 'use logs.RetentionDays.ONE_YEAR or longer');
    }
    const key = props.queryLogKey ?? logGroupKey(this, 'QueryLogKey', 'Encrypts the Route 53 Resolver query log group');
    const group = new logs.LogGroup(this, 'QueryLogGroup', {
      encryptionKey: key,
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const config = new route53resolver.CfnResolverQueryLoggingConfig(this, 'QueryLogging', {
      destinationArn: group.logGroupArn,
      name: resourceName(this, 'queries'),
    });
    new route53resolver.CfnResolverQueryLoggingConfigAssociation(this, 'QueryLoggingAssociation', {
      resolverQueryLogConfigId: config.attrId,
      resourceId: this.vpc.vpcId,
    });
    return group;
  }

  /**
   * DNS Firewall's failure mode is a setting of the VPC that only the API changes (UpdateFirewallConfig):
   * aws-cdk-lib's spec has an `AWS::Route53Resolver::FirewallConfig` type, but CloudFormation's registry
   * does not (cfn-lint and aws-cdk-lib's own validation: "does not exist in us-east-1"). Set it at deploy
   * time, and back to fail closed (the default) when this leaves the stack.
   */
  private enableFailOpen(association: CfnResource): void {
    const call = (failOpen: 'ENABLED' | 'DISABLED'): cr.AwsSdkCall => ({
      service: 'Route53Resolver',
      action: 'updateFirewallConfig',
      parameters: { ResourceId: this.vpc.vpcId, FirewallFailOpen: failOpen },
      physicalResourceId: cr.PhysicalResourceId.of(`firewall-config-${this.vpc.vpcId}`),
    });
    const setting = new cr.AwsCustomResource(this, 'FailOpen', {
      onCreate: call('ENABLED'),
      onUpdate: call('ENABLED'),
      onDelete: call('DISABLED'),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['route53resolver:UpdateFirewallConfig'],
          resources: [`arn:${Aws.PARTITION}:route53resolver:${Aws.REGION}:${Aws.ACCOUNT_ID}:firewall-config/*`],
        }),
        // Route 53 Resolver checks the VPC with the caller's permissions ("RSLVR-02309 You don't have a
        // permission to call ec2:describe-vpcs"); DescribeVpcs has no resource-level permissions.
        new iam.PolicyStatement({ actions: ['ec2:DescribeVpcs'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
    });
    setting.node.addDependency(association);
    acknowledgeAwsCustomResource(setting, 'the DNS Firewall fail-open setting', [
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53resolver:<AWS::Region>:<AWS::AccountId>:firewall-config/*]',
        reason: 'A VPC\'s firewall configuration has an id that Route 53 Resolver assigns, unknown before deployment; the statement allows that one action on firewall configurations of this account and region.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ec2:DescribeVpcs supports no resource-level permissions; Route 53 Resolver calls it with the caller\'s permissions to check the VPC. Read-only.',
      },
    ]);
  }
}

/** A name for a DNS Firewall or query-logging resource: unique in the app, at most 64 characters with its suffix. */
function resourceName(scope: Construct, suffix: string): string {
  return `${Names.uniqueResourceName(scope, { maxLength: MAX_NAME_LENGTH - suffix.length - 1, separator: '-' })}-${suffix}`;
}

/** The VPC's EC2 internal host names: ip-a-b-c-d.ec2.internal in us-east-1, ip-a-b-c-d.<region>.compute.internal elsewhere. */
function vpcInternalDomains(region: string): string[] {
  if (Token.isUnresolved(region)) return ['*.ec2.internal', `*.${region}.compute.internal`];
  return region === 'us-east-1' ? ['*.ec2.internal'] : [`*.${region}.compute.internal`];
}

function securityGroupVpcId(group: PypiAllowlistSecurityGroup): string | undefined {
  const cfn = group.securityGroup.node.defaultChild as ec2.CfnSecurityGroup | undefined;
  return cfn?.vpcId;
}

/** Two values that are the same literal, or the same deploy-time token. */
function sameValue(a: string | undefined, b: string): boolean {
  return a !== undefined && a === b;
}

function normalize(domain: string): string {
  return Token.isUnresolved(domain) ? domain : domain.toLowerCase().replace(/\.$/, '');
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

