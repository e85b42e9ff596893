import { Annotations, Aws, Duration, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DeployedEgressCheckAnalysisFunction } from './deployed-egress-check.analysis-function';
import { acknowledgeNagFindings } from './private/acknowledge';
import {
  ANALYSIS_FUNCTION_TIMEOUT_SECONDS, CHECK_METRICS, DEPLOYED_EGRESS_CHECK_DIMENSION, DEPLOYED_EGRESS_CHECK_NAMESPACE,
  DeployedEgressCheckConfig, DeployedEgressCheckEvent,
} from './private/contracts/deployed-egress-check';
import { invalid, requireConstructKind, validateIntegerInRange } from './private/validation';
import { IWorkloadNetwork } from './workload-network';

type EgressRule = { cidrIp?: string; cidrIpv6?: string; destinationPrefixListId?: string; destinationSecurityGroupId?: string };
type PathRequest = ec2.CfnNetworkInsightsAccessScope.AccessScopePathRequestProperty;
type PacketHeader = ec2.CfnNetworkInsightsAccessScope.PacketHeaderStatementRequestProperty;

/** CloudWatch: Period × EvaluationPeriods may not exceed 7 days for periods of an hour or more (PutMetricAlarm). */
const MAX_ALARM_RANGE = Duration.days(7);

/**
 * A destination the deployed network may let workloads reach, in the terms Network Access Analyzer
 * reads: an address range, a prefix list or a security group with a port, or a VPC endpoint. Host
 * names and AWS services by name are not among them (see docs/deployed-egress-check.md): name the
 * prefix list a `PypiAllowlistSecurityGroup` keeps, or the endpoint.
 */
export class AllowedEgress {
  /**
   * Traffic to a peer on a port: `ec2.Peer.ipv4('203.0.113.0/24')`, `ec2.Peer.prefixList(id)`, or a
   * security group (its network interfaces). Network Access Analyzer analyzes IPv4 TCP and UDP only.
   *
   * @param peer the destination
   * @param port the port, e.g. `ec2.Port.tcp(443)`; `ec2.Port.allTraffic()` for any TCP or UDP port
   */
  public static to(peer: ec2.IPeer, port: ec2.Port): AllowedEgress {
    const rule = peer.toEgressRuleConfig() as EgressRule;
    const header = packetHeaderOf(port);
    if (rule.cidrIpv6 !== undefined) {
      invalid('peer', 'be an IPv4 range, a prefix list or a security group', rule.cidrIpv6,
        'Network Access Analyzer analyzes IPv4 only: the workloads of this library have no IPv6 egress to allow');
    }
    if (rule.cidrIp !== undefined) {
      return new AllowedEgress(`${rule.cidrIp} ${port}`, { destination: { packetHeaderStatement: { ...header, destinationAddresses: [rule.cidrIp] } } },
        rule.cidrIp === '0.0.0.0/0');
    }
    if (rule.destinationPrefixListId !== undefined) {
      return new AllowedEgress(`prefix list ${rule.destinationPrefixListId} ${port}`,
        { destination: { packetHeaderStatement: { ...header, destinationPrefixLists: [rule.destinationPrefixListId] } } });
    }
    if (rule.destinationSecurityGroupId !== undefined) {
      return new AllowedEgress(`security group ${rule.destinationSecurityGroupId} ${port}`, {
        destination: {
          resourceStatement: { resources: [rule.destinationSecurityGroupId] },
          ...(Object.keys(header).length ? { packetHeaderStatement: header } : {}),
        },
      });
    }
    return invalid('peer', 'be an IPv4 range, a prefix list or a security group', peer.uniqueId,
      'use ec2.Peer.ipv4(...), ec2.Peer.prefixList(...) or a security group');
  }

  /**
   * Any traffic to a VPC endpoint (interface, gateway or Gateway Load Balancer endpoint) that the
   * network does not already have: the network's own endpoints are always allowed.
   */
  public static vpcEndpoint(endpoint: ec2.IVpcEndpoint): AllowedEgress {
    requireConstructKind('endpoint', endpoint, (x) => typeof (x as any)?.vpcEndpointId === 'string', 'an ec2.IVpcEndpoint',
      'pass an endpoint, e.g. ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(...)');
    return new AllowedEgress(`VPC endpoint ${endpoint.vpcEndpointId}`, { destination: { resourceStatement: { resources: [endpoint.vpcEndpointId] } } });
  }

  /** What is allowed, for messages. */
  public readonly description: string;

  private constructor(description: string, private readonly path: PathRequest, private readonly everything = false) {
    this.description = description;
  }

  /** @internal The exclude path that lets this destination through. */
  public _excludePath(): PathRequest {
    return this.path;
  }

  /** @internal Whether it allows any IPv4 address (the check then finds nothing on those ports). */
  public get _allowsAnyAddress(): boolean {
    return this.everything;
  }
}

/** `Protocols` and `DestinationPorts` of a port, as a packet header statement takes them. */
function packetHeaderOf(port: ec2.Port): PacketHeader {
  const json = port.toRuleJson() as { ipProtocol: string; fromPort?: number; toPort?: number };
  const protocol = String(json.ipProtocol);
  if (protocol === '-1') return {};
  const names: Record<string, string> = { tcp: 'tcp', udp: 'udp', 6: 'tcp', 17: 'udp' };
  const name = names[protocol];
  if (!name) {
    invalid('port', 'be a TCP or UDP port, or all traffic', port.toString(),
      'Network Access Analyzer analyzes TCP and UDP only: use ec2.Port.tcp(...), ec2.Port.udp(...) or ec2.Port.allTraffic()');
  }
  const { fromPort, toPort } = json;
  if (fromPort === undefined || toPort === undefined || (fromPort === 0 && toPort === 65535)) return { protocols: [name] };
  return { protocols: [name], destinationPorts: [fromPort === toPort ? `${fromPort}` : `${fromPort}-${toPort}`] };
}

/** Properties of a `DeployedEgressCheck`. */
export interface DeployedEgressCheckProps {
  /**
   * The network the workloads run in. Its interface endpoints and S3 endpoint (also those added to it
   * later) are allowed destinations.
   */
  readonly network: IWorkloadNetwork;

  /**
   * The workloads whose egress is checked, e.g. a `NoInternetNotebook` or a `NoInternetStudio`: the
   * paths start at the network interfaces of their security groups (for a `NoInternetStudio`, also
   * those of its user profiles, including profiles added later).
   */
  readonly workloads: ec2.IConnectable[];

  /**
   * Destinations beyond the network's endpoints that the workloads may reach, e.g. the package index
   * of a `PypiAllowlistSecurityGroup`:
   * `AllowedEgress.to(ec2.Peer.prefixList(pypi.prefixListId), ec2.Port.tcp(443))`.
   *
   * @default - none: only the network's VPC endpoints
   */
  readonly allowedDestinations?: AllowedEgress[];

  /**
   * How often an analysis runs (besides after each deployment of the stack): from one hour to one day.
   * Each analysis is billed per network interface in the account and Region.
   *
   * @default Duration.days(1)
   */
  readonly interval?: Duration;

  /**
   * Consecutive runs that prove nothing (the analysis failed, or the run could not start or read it)
   * before the alarm fires. A path the policy does not allow raises it at once.
   *
   * @default 2
   */
  readonly failedAnalysesToAlarm?: number;
}

/**
 * Checks the deployed network against the egress policy, at run time: the workloads' paths out of the
 * VPC become a Network Access Analyzer access scope (`AWS::EC2::NetworkInsightsAccessScope`), which is
 * analyzed on a schedule (daily by default) and after each deployment of the stack. A path to an
 * internet gateway (directly or through a NAT gateway), to a peering connection, transit gateway
 * attachment or virtual private gateway, or to a VPC endpoint, that the policy does not allow (the network's own
 * endpoints, `allowedDestinations`) is a finding: logged with its source, the components it goes
 * through and its destination and port, counted in the `UnallowedPaths` metric, and it raises `alarm`.
 * So does a check that keeps failing. It is opt-in: each analysis is billed per network interface in
 * the account and Region (see docs/deployed-egress-check.md).
 */
export class DeployedEgressCheck extends Construct {
  /** The access scope's id. */
  public readonly accessScopeId: string;
  /** The access scope's ARN. */
  public readonly accessScopeArn: string;
  /** The function that starts the analyses and reports their findings. */
  public readonly analysisFunction: lambda.IFunction;
  /** Paths the policy does not allow, in the newest analysis that succeeded (Maximum per interval). */
  public readonly unallowedPaths: cloudwatch.IMetric;
  /** 1 for a run that proved nothing: its analysis failed, or it could not start or read one (Maximum per interval). */
  public readonly failedRuns: cloudwatch.IMetric;
  /** Network interfaces the newest successful analysis looked at: what an analysis is billed by. */
  public readonly analyzedNetworkInterfaces: cloudwatch.IMetric;
  /** In alarm while the newest successful analysis found a path the policy does not allow. */
  public readonly findingsAlarm: cloudwatch.IAlarm;
  /** In alarm after `failedAnalysesToAlarm` intervals in a row without a successful run, or without any run. */
  public readonly failureAlarm: cloudwatch.IAlarm;
  /** Either of the two: the one alarm to send somewhere (`alarm.addAlarmAction(...)`). */
  public readonly alarm: cloudwatch.CompositeAlarm;

  private readonly props: DeployedEgressCheckProps;
  private policy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: DeployedEgressCheckProps) {
    super(scope, id);
    requireConstructKind('network', props.network, isWorkloadNetwork, 'an IWorkloadNetwork',
      'pass the RestrictedEgressVpc or WorkloadNetwork the workloads run in');
    validateWorkloads(props.workloads);
    const interval = props.interval ?? Duration.days(1);
    const failedToAlarm = props.failedAnalysesToAlarm ?? 2;
    validateInterval(interval, failedToAlarm);
    for (const allowed of props.allowedDestinations ?? []) {
      requireConstructKind('allowedDestinations', allowed, (x) => x instanceof AllowedEgress, 'an AllowedEgress',
        'use AllowedEgress.to(...) or AllowedEgress.vpcEndpoint(...)');
      if (allowed._allowsAnyAddress) {
        Annotations.of(this).addWarningV2('cdk-sagemaker-egress:deployedCheckAllowsInternet',
          `allowedDestinations allows ${allowed.description}: any address on those ports is allowed, so the check finds no internet path there. Allow the prefix list or ranges the workloads need instead.`);
      }
    }
    this.props = props;

    const accessScope = new ec2.CfnNetworkInsightsAccessScope(this, 'Resource', {
      matchPaths: this.matchPaths(),
      excludePaths: Lazy.any({ produce: () => this.excludePaths() }, { omitEmptyArray: true }) as any,
      tags: [{ key: 'Name', value: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }) }],
    });
    this.accessScopeId = accessScope.attrNetworkInsightsAccessScopeId;
    this.accessScopeArn = accessScope.attrNetworkInsightsAccessScopeArn;

    const checkName = Names.uniqueResourceName(this, { maxLength: 200, separator: '-' });
    const config: DeployedEgressCheckConfig = {
      ScopeId: this.accessScopeId,
      CheckName: checkName,
      // A few intervals back: older analyses are no longer news, and the list stays short.
      LookbackSeconds: Math.max(interval.toSeconds() * (failedToAlarm + 1), Duration.days(1).toSeconds()),
      IntervalSeconds: interval.toSeconds(),
    };
    const fn = this.createFunction();
    this.analysisFunction = fn;

    const input = (trigger: string): events.RuleTargetInput => events.RuleTargetInput.fromObject({
      check: config, trigger, eventId: events.EventField.eventId,
    } satisfies Record<keyof DeployedEgressCheckEvent, unknown>);
    const schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the deployed egress check (Network Access Analyzer) on its schedule',
      schedule: events.Schedule.rate(interval),
      targets: [new targets.LambdaFunction(fn, { event: input('schedule'), retryAttempts: 2 })],
    });
    // After each deployment of the stack, asynchronously: nothing here can fail or hold up the deployment.
    const afterDeployment = new events.Rule(this, 'AfterDeployment', {
      description: 'Runs the deployed egress check when the stack finishes a deployment',
      eventPattern: {
        source: ['aws.cloudformation'],
        detailType: ['CloudFormation Stack Status Change'],
        detail: {
          'stack-id': [Stack.of(this).stackId],
          'status-details': { status: ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'] },
        },
      },
      targets: [new targets.LambdaFunction(fn, { event: input('deployment'), retryAttempts: 2 })],
    });
    // The function has its permissions before anything invokes it.
    for (const rule of [schedule, afterDeployment]) rule.node.addDependency(this.policy!);

    const metric = (metricName: string) => new cloudwatch.Metric({
      namespace: DEPLOYED_EGRESS_CHECK_NAMESPACE,
      metricName,
      dimensionsMap: { [DEPLOYED_EGRESS_CHECK_DIMENSION]: checkName },
      statistic: 'Maximum',
      period: interval,
    });
    this.unallowedPaths = metric(CHECK_METRICS.unallowedPaths);
    this.failedRuns = metric(CHECK_METRICS.failedRuns);
    this.analyzedNetworkInterfaces = metric(CHECK_METRICS.analyzedNetworkInterfaces);

    const findingsAlarm = new cloudwatch.Alarm(this, 'FindingsAlarm', {
      alarmDescription: 'The deployed network lets a workload reach a destination the egress policy does not allow: see the function\'s log for the path',
      metric: this.unallowedPaths,
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Each run reports the newest successful analysis again, so a finding stays in alarm until an
      // analysis shows it gone; a period without a successful analysis is the failure alarm's business.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription: `The deployed egress check proved nothing for ${failedToAlarm} interval(s) in a row: analyses failed, could not be started or read, or did not run`,
      metric: this.failedRuns,
      threshold: 1,
      evaluationPeriods: failedToAlarm,
      datapointsToAlarm: failedToAlarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // A check that stopped running proves nothing either; but CloudWatch applies this only once the
      // evaluation range holds fewer than evaluationPeriods real datapoints, so that raises it late, not
      // at once (docs/deployed-egress-check.md).
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    for (const a of [findingsAlarm, failureAlarm]) {
      acknowledgeNagFindings(a.node.defaultChild as cloudwatch.CfnAlarm, ['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
        id: `${pack}-CloudWatchAlarmAction`,
        reason: 'Actions go on the composite alarm `alarm` (either of the two), which the application sends where it chooses with addAlarmAction(); the README shows how.',
      })));
    }
    this.findingsAlarm = findingsAlarm;
    this.failureAlarm = failureAlarm;
    this.alarm = new cloudwatch.CompositeAlarm(this, 'Alarm', {
      alarmDescription: 'The deployed network allows egress the policy does not, or the deployed egress check keeps failing',
      alarmRule: cloudwatch.AlarmRule.anyOf(findingsAlarm, failureAlarm),
    });
  }

  /**
   * The paths that leave the VPC (or end at a VPC endpoint) from the workloads' security groups. A match
   * condition takes a source and a destination only (through resources belong to exclusion conditions:
   * guide, "Network Access Scopes"), so every entry names where the path ends.
   */
  private matchPaths(): PathRequest[] {
    const source = { resourceStatement: { resources: Lazy.list({ produce: () => this.sourceGroups() }) } };
    const toTypes = (...resourceTypes: string[]): PathRequest => ({ source, destination: { resourceStatement: { resourceTypes } } });
    return [
      // The internet, directly or behind a NAT gateway: a NAT gateway can only be named as a through
      // component, but a path through it to the internet ends at the internet gateway, matched here.
      toTypes('AWS::EC2::InternetGateway'),
      // Other networks: the resource types the guide allows as a destination ("Resource statements").
      toTypes('AWS::EC2::VPCPeeringConnection', 'AWS::EC2::TransitGatewayAttachment', 'AWS::EC2::VPNGateway'),
      toTypes('AWS::EC2::VPCEndpoint'),
    ];
  }

  /** What the policy allows: the network's endpoints, then `allowedDestinations`. */
  private excludePaths(): PathRequest[] {
    const endpoints = this.networkEndpointIds();
    return [
      ...endpoints.length ? [{ destination: { resourceStatement: { resources: endpoints } } }] : [],
      ...(this.props.allowedDestinations ?? []).map((a) => a._excludePath()),
    ];
  }

  private sourceGroups(): string[] {
    // A Studio domain's apps run with its user profiles' security groups too (also profiles added later).
    const connectables = this.props.workloads.flatMap((w) => [w, ...userProfilesOf(w)]);
    return [...new Set(connectables.flatMap((w) => w.connections.securityGroups.map((g) => g.securityGroupId)))];
  }

  private networkEndpointIds(): string[] {
    const s3 = this.props.network.s3Endpoint;
    return [...new Set([
      ...this.props.network.interfaceEndpoints.map((e) => e.vpcEndpointId),
      ...s3.gatewayEndpoint ? [s3.gatewayEndpoint.vpcEndpointId] : [],
      ...s3.interfaceEndpoint ? [s3.interfaceEndpoint.vpcEndpointId] : [],
    ])];
  }

  private createFunction(): lambda.Function {
    const role = new iam.Role(this, 'AnalysisRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the Network Access Analyzer analyses of a deployed egress check',
    });
    const fn = new DeployedEgressCheckAnalysisFunction(this, 'Analysis', {
      role,
      description: 'Runs the deployed egress check\'s Network Access Analyzer analyses and reports their findings (cdk-sagemaker-egress)',
      // An analysis takes minutes: the run waits for it as long as it can, the next run collects it otherwise.
      timeout: Duration.seconds(ANALYSIS_FUNCTION_TIMEOUT_SECONDS),
      memorySize: 256,
    });
    const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
    const stack = Stack.of(this);
    const analysisArn = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:network-insights-access-scope-analysis/*`;
    const policy = new iam.ManagedPolicy(this, 'AnalysisPolicy', {
      description: 'Deployed egress check: analyses of its own access scope (start, read, delete old ones), the reads Network Access Analyzer makes with the caller\'s credentials, its own logs',
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['ec2:StartNetworkInsightsAccessScopeAnalysis'],
          resources: [this.accessScopeArn, analysisArn],
        }),
        // Deleting: the function deletes only the old analyses it lists for its own scope; IAM cannot say so
        // (Network Access Analyzer has no condition keys, and an analysis's ARN does not name its scope).
        new iam.PolicyStatement({
          actions: ['ec2:GetNetworkInsightsAccessScopeAnalysisFindings', 'ec2:DeleteNetworkInsightsAccessScopeAnalysis'],
          resources: [analysisArn],
        }),
        // No resource-level permissions (Network Access Analyzer guide, "Policy resources").
        new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInsightsAccessScopeAnalyses'], resources: ['*'] }),
        // The analysis reads the network with the caller's credentials ("Required API permissions"): the read-only
        // actions of AmazonVPCNetworkAccessAnalyzerFullAccessPolicy, without Direct Connect and Global Accelerator
        // (not supported by the analyzer), Resource Groups and tagging (only for resource groups in a scope).
        new iam.PolicyStatement({ actions: ANALYSIS_READ_ACTIONS, resources: ['*'] }),
        new iam.PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/lambda/${fn.functionName}:*`],
        }),
      ],
    });
    this.policy = policy;
    acknowledgeNagFindings(policy.node.defaultChild as iam.CfnManagedPolicy, [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'DescribeNetworkInsightsAccessScopeAnalyses and the describe/list reads Network Access Analyzer makes with the caller\'s credentials (EC2, ELB, Network Firewall, tiros) support no resource-level permissions; all are read-only.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-insights-access-scope-analysis/*]',
        reason: 'Analyses are created by the function at run time, so their ids are not known in the template; starting one is also limited to this check\'s access scope. '
          + 'Reading findings and deleting old analyses cannot be narrower: the analysis ARN does not name its scope and there are no condition keys; the function deletes only analyses of its own scope.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/<${stack.getLogicalId(cfnFunction)}>:*]`,
        reason: 'The function writes its log streams, named by Lambda at run time, in its own log group only.',
      },
    ]);
    acknowledgeNagFindings(cfnFunction, [
      ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({
        id: `${pack}-LambdaInsideVPC`,
        reason: 'The function calls only the EC2 API, about the network it checks; inside the restricted VPC it would need an EC2 endpoint the workloads must not have.',
      })),
      ...['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
        id: `${pack}-LambdaConcurrency`,
        reason: 'Reserving concurrency fails deployments in accounts at the minimum unreserved concurrency (10); the function runs once an interval and after deployments. '
          + 'Concurrent runs are safe: a run starts no analysis while one is running, a retried delivery starts none (client token), and two runs that overlap '
          + '(after a deployment and on the schedule) and list before either starts can each start one: one analysis more, billed, and the same result.',
      })),
      ...['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({
        id: `${pack}-LambdaDLQ`,
        reason: 'The function never fails an invocation: a run that cannot do its work reports FailedRuns 1, which raises the alarm when it repeats, and the next run starts over from the analyses EC2 keeps.',
      })),
    ]);
    return fn;
  }
}

/**
 * The read-only actions Network Access Analyzer performs with the caller's credentials while it builds
 * its model of the network, from AmazonVPCNetworkAccessAnalyzerFullAccessPolicy (v3).
 */
const ANALYSIS_READ_ACTIONS = [
  'ec2:DescribeAvailabilityZones', 'ec2:DescribeCustomerGateways', 'ec2:DescribeInstances', 'ec2:DescribeInternetGateways',
  'ec2:DescribeManagedPrefixLists', 'ec2:DescribeNatGateways', 'ec2:DescribeNetworkAcls', 'ec2:DescribeNetworkInterfaces',
  'ec2:DescribePrefixLists', 'ec2:DescribeRegions', 'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets',
  'ec2:DescribeTransitGatewayAttachments', 'ec2:DescribeTransitGatewayConnects', 'ec2:DescribeTransitGatewayPeeringAttachments',
  'ec2:DescribeTransitGatewayRouteTables', 'ec2:DescribeTransitGateways', 'ec2:DescribeTransitGatewayVpcAttachments',
  'ec2:DescribeVpcEndpoints', 'ec2:DescribeVpcEndpointServiceConfigurations', 'ec2:DescribeVpcPeeringConnections', 'ec2:DescribeVpcs',
  'ec2:DescribeVpnConnections', 'ec2:DescribeVpnGateways', 'ec2:GetManagedPrefixListEntries', 'ec2:GetTransitGatewayRouteTablePropagations',
  'ec2:SearchTransitGatewayRoutes',
  'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTags', 'elasticloadbalancing:DescribeTargetGroupAttributes',
  'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth',
  'network-firewall:DescribeFirewall', 'network-firewall:DescribeFirewallPolicy', 'network-firewall:DescribeResourcePolicy',
  'network-firewall:DescribeRuleGroup', 'network-firewall:ListFirewallPolicies', 'network-firewall:ListFirewalls', 'network-firewall:ListRuleGroups',
  'tiros:CreateQuery', 'tiros:GetQueryAnswer',
];

/** The user profiles of a `NoInternetStudio` (by shape: the class is not imported, to stay one-way). */
function userProfilesOf(workload: ec2.IConnectable): ec2.IConnectable[] {
  const profiles = (workload as { userProfiles?: unknown }).userProfiles;
  return Array.isArray(profiles) ? profiles.filter((p): p is ec2.IConnectable => Array.isArray(p?.connections?.securityGroups)) : [];
}

function isWorkloadNetwork(x: unknown): boolean {
  const n = x as Partial<IWorkloadNetwork> | undefined;
  return typeof n === 'object' && n !== null && typeof n.allowWorkload === 'function'
    && Array.isArray(n.interfaceEndpoints) && n.s3Endpoint !== undefined;
}

function validateWorkloads(workloads: ec2.IConnectable[] | undefined): void {
  if (!Array.isArray(workloads) || workloads.length === 0) {
    invalid('workloads', 'name at least one workload', workloads ?? [], 'pass the notebooks or Studio domains whose egress is checked, e.g. [notebook]');
  }
  workloads.forEach((w, i) => {
    requireConstructKind(`workloads[${i}]`, w, (x) => Array.isArray((x as any)?.connections?.securityGroups), 'an ec2.IConnectable',
      'pass a workload construct, e.g. a NoInternetNotebook');
    if (w.connections.securityGroups.length === 0) {
      invalid(`workloads[${i}]`, 'have a security group (the analyses start at its network interfaces)', (w as any).node?.path ?? 'a workload',
        'give the workload a security group');
    }
  });
}

function validateInterval(interval: Duration, failedToAlarm: number): void {
  if (Token.isUnresolved(interval.toSeconds()) || Token.isUnresolved(failedToAlarm)) {
    invalid('interval', 'be known at synth time, as must failedAnalysesToAlarm', interval.toString(), 'pass concrete values');
  }
  const seconds = interval.toSeconds();
  if (seconds < 3600 || seconds > 86400 || seconds % 60 !== 0) {
    invalid('interval', 'be whole minutes from one hour to one day', interval.toHumanString(),
      'use e.g. Duration.days(1) (the default) or Duration.hours(6): every analysis is billed per network interface of the account and Region');
  }
  const maxRuns = Math.floor(MAX_ALARM_RANGE.toSeconds() / seconds);
  validateIntegerInRange('failedAnalysesToAlarm', failedToAlarm, 1, maxRuns,
    `CloudWatch evaluates at most 7 days, that is ${maxRuns} interval(s) of ${interval.toHumanString()}; use a shorter interval or fewer runs`);
}
