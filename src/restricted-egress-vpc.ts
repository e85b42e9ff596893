import { Annotations, Aws, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, DependencyGroup, IDependable } from 'constructs';
import { EndpointSet } from './endpoint-set';
import { NaclTightening } from './nacl-tightening';
import { acknowledgeNagFindings, cfnResourceOf } from './private/acknowledge';
import { closedSecurityGroup } from './private/closed-security-group';
import { logGroupKey } from './private/log-group-key';
import { NACL_RULE_BLOCK_SIZE, NaclRangeSync } from './private/nacl-range-sync';
import { invalid, validateIntegerInRange, validateIpv4Cidr } from './private/validation';
import { S3EndpointKind, S3EndpointPolicy, S3EndpointStrategy } from './s3-endpoint-strategy';

const BRAND = Symbol.for('cdk-sagemaker-egress.RestrictedEgressVpc');

/** Name of the subnet group that holds workloads (notebooks, Studio apps, interface endpoints). */
const WORKLOAD_SUBNET_GROUP = 'Workload';
/** The VPC quota "Inbound or outbound rules per security group" (default). */
const INBOUND_RULES_PER_GROUP = 60;
/** Name of the public subnet group that holds only the NAT gateways, in NAT mode. */
const EGRESS_SUBNET_GROUP = 'Egress';

/** Options of `InternetEgress.natGateway()`. */
export interface NatGatewayEgressOptions {
  /**
   * Number of NAT gateways, at most one per Availability Zone. One is the cheap default; one per AZ
   * keeps workloads of the other AZs online when an AZ fails.
   *
   * @default 1
   */
  readonly natGateways?: number;
}

/**
 * How workloads of a `RestrictedEgressVpc` may reach the internet.
 */
export abstract class InternetEgress {
  /**
   * Workload subnets are private with a default route to NAT gateways in public subnets that hold
   * nothing else. What workloads may actually reach is then decided by their security groups.
   */
  public static natGateway(options: NatGatewayEgressOptions = {}): InternetEgress {
    const natGateways = options.natGateways ?? 1;
    requireConcrete('internetEgress.natGateways', natGateways);
    if (!Number.isInteger(natGateways) || natGateways < 1) {
      invalid('internetEgress.natGateways', 'be an integer of at least 1 with InternetEgress.natGateway()', natGateways,
        'use InternetEgress.none() for a VPC without NAT gateways');
    }
    return new NatGatewayEgress(natGateways);
  }

  /**
   * No internet gateway and no NAT gateway: workload subnets are isolated and reach AWS only through
   * VPC endpoints.
   */
  public static none(): InternetEgress {
    return new NoInternetEgress();
  }

  /** Number of NAT gateways this choice creates (0 for `none()`). */
  public abstract readonly natGateways: number;

  /** Whether an internet gateway and NAT gateways are created. */
  public abstract readonly viaNatGateway: boolean;

  protected constructor() {}
}

class NatGatewayEgress extends InternetEgress {
  public readonly viaNatGateway = true;
  constructor(public readonly natGateways: number) {
    super();
  }
}

class NoInternetEgress extends InternetEgress {
  public readonly viaNatGateway = false;
  public readonly natGateways = 0;
  constructor() {
    super();
  }
}

/**
 * Properties of a `RestrictedEgressVpc`.
 */
export interface RestrictedEgressVpcProps {
  /**
   * The VPC's IPv4 CIDR block, aligned (`10.0.0.0/16`, not `10.0.0.1/16`) and from /16 to /28.
   *
   * A plain string rather than `ec2.IIpAddresses`: aws-cdk-lib silently turns an unaligned block into
   * another network (`10.0.0.1/16` becomes `10.1.0.0/16`), so the block is validated before it is used.
   *
   * @default '10.0.0.0/16'
   */
  readonly ipAddresses?: string;

  /**
   * Maximum number of Availability Zones to use.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * How workloads reach the internet, if at all.
   *
   * @default InternetEgress.natGateway() - one NAT gateway
   */
  readonly internetEgress?: InternetEgress;

  /**
   * Prefix length of each workload subnet (one per AZ).
   *
   * @default 20
   */
  readonly workloadSubnetMask?: number;

  /**
   * Prefix length of each public subnet that holds a NAT gateway (NAT mode only). A NAT gateway needs
   * one address; /28 is the smallest subnet AWS allows.
   *
   * @default 28
   */
  readonly egressSubnetMask?: number;

  /**
   * Interface endpoint sets to create in the workload subnets, with private DNS. More endpoints can be
   * added with `addInterfaceEndpoint()` and `addEndpointSet()`.
   *
   * @default [EndpointSet.NOTEBOOK]
   */
  readonly endpointSets?: EndpointSet[];

  /**
   * Number of Availability Zones that carry an interface endpoint's network interfaces. Each endpoint
   * costs per AZ-hour, so this is the main cost knob; with private DNS, workloads in other AZs still
   * reach the endpoints (cross-AZ). Set it to `maxAzs` to survive the loss of an AZ.
   *
   * @default 1
   */
  readonly endpointAzs?: number;

  /**
   * Retention of the VPC flow log. Must be at least one year.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * Customer-managed key that encrypts the flow-log group. A key you bring must allow the CloudWatch
   * Logs service principal of the region to use it.
   *
   * @default - a new key with automatic rotation
   */
  readonly flowLogKey?: kms.IKey;

  /**
   * How workloads reach S3: a gateway endpoint (free), an interface endpoint (per AZ-hour; the only
   * kind a NACL limited to the VPC CIDR lets through), or both.
   *
   * @default S3EndpointKind.GATEWAY
   */
  readonly s3Endpoint?: S3EndpointKind;

  /**
   * The S3 endpoint policy.
   *
   * @default S3EndpointPolicy.dataPerimeter() - buckets of this account and the AWS-owned buckets SageMaker needs
   */
  readonly s3EndpointPolicy?: S3EndpointPolicy;

  /**
   * Network ACLs of the workload subnets (and of the NAT subnets in NAT mode): AWS's default (allow
   * all) or tightened to the VPC CIDR plus HTTPS to the destinations the configuration needs (S3 ranges
   * with a gateway endpoint, the package index of a `PypiAllowlistSecurityGroup`).
   *
   * @default NaclTightening.off()
   */
  readonly naclTightening?: NaclTightening;
}

/** A destination that tightened NACLs must let HTTPS through to, held in a prefix list. */
export interface NaclDestinationOptions {
  /** The prefix list whose entries are the destination (it may change at run time). */
  readonly prefixListId: string;
  /** The prefix list's ARN (the synchronisation reads it). */
  readonly prefixListArn: string;
  /**
   * The prefix list's max entries, if known: checked against the NACL rule budget at synth time.
   *
   * @default - unknown: only checked at deploy time
   */
  readonly maxEntries?: number;
  /** What the destination is, for descriptions and messages ("the Python package index"). */
  readonly description: string;
}

/**
 * A VPC for workloads that must not reach the internet freely.
 *
 * - Workload subnets are private (default route to a NAT gateway) or isolated (no internet route at all).
 * - The default security group is stripped of all rules; no subnet assigns public IPs.
 * - Every flow (`ALL`) is logged to a log group encrypted with a customer-managed key and kept a year.
 * - S3 is reached through a gateway endpoint on the workload route tables (free), an interface endpoint,
 *   or both (`s3Endpoint`), under a data-perimeter endpoint policy.
 * - Optionally (`naclTightening`), the subnets' NACLs allow only the VPC CIDR and HTTPS to the
 *   destinations the configuration needs, kept current at deploy time and on a schedule.
 * - AWS APIs are reached through interface endpoints with private DNS, behind one security group that
 *   accepts HTTPS only from the workloads registered with `allowWorkload()`, not from the whole VPC.
 */
export class RestrictedEgressVpc extends Construct implements ec2.IConnectable {
  /** Whether `x` is a `RestrictedEgressVpc` (also across copies of this library). */
  public static isRestrictedEgressVpc(x: unknown): x is RestrictedEgressVpc {
    return typeof x === 'object' && x !== null && BRAND in x;
  }

  /**
   * The `RestrictedEgressVpc` that created `vpc`, or `undefined` when `vpc` was made otherwise. Lets
   * constructs that accept any `ec2.IVpc` reuse its endpoint security group and S3 prefix list.
   */
  public static ownerOf(vpc: ec2.IVpc): RestrictedEgressVpc | undefined {
    const owner = vpc.node.scope;
    return RestrictedEgressVpc.isRestrictedEgressVpc(owner) && owner.vpc === vpc ? owner : undefined;
  }

  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The subnets workloads and interface endpoints are placed in. */
  public readonly workloadSubnets: ec2.SubnetSelection;
  /** The security group of the interface endpoints: HTTPS from registered workloads only. */
  public readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /**
   * Network access to the interface endpoints (their security group, default port 443): the VPC as a
   * peer means "its interface endpoints".
   */
  public readonly connections: ec2.Connections;
  /** The chosen internet egress. */
  public readonly internetEgress: InternetEgress;
  /** How workloads reach S3: the endpoint(s) and their policy. */
  public readonly s3Endpoint: S3EndpointStrategy;
  /** The NACL setting. */
  public readonly naclTightening: NaclTightening;
  /** The NACL of the workload subnets, when tightened. */
  public readonly workloadNetworkAcl?: ec2.INetworkAcl;
  /** The NACL of the NAT gateways' subnets, when tightened in NAT mode. */
  public readonly egressNetworkAcl?: ec2.INetworkAcl;
  /** The encrypted log group receiving the VPC flow log. */
  public readonly flowLogGroup: logs.ILogGroup;
  /** The key encrypting the flow-log group. */
  public readonly flowLogKey: kms.IKey;
  /**
   * The id of the region's S3 prefix list, which the gateway endpoint routes to, looked up at deploy
   * time (a token), with the gateway kinds of `s3Endpoint`.
   */
  public readonly s3PrefixListId?: string;

  private readonly endpointSubnets: ec2.SubnetSelection;
  private readonly endpoints = new Map<string, ec2.IInterfaceVpcEndpoint>();
  /** Security groups registered with `allowWorkload()`: each is one inbound rule of the endpoint security group. */
  private readonly registeredGroups = new Set<string>();
  /** Destinations registered for the tightened NACLs (S3 ranges first), for the synth-time budget. */
  private readonly naclDestinations: { description: string; maxEntries: number; ruleNumberBase: number }[] = [];
  /** Subnet associations per NACL: they wait for the synchronisations in their stack. */
  private readonly naclAssociations = new Map<ec2.INetworkAcl, ec2.SubnetNetworkAclAssociation[]>();
  /** The synchronisation of the S3 ranges, which later ones in the same stack wait for. */
  private s3RangesSync?: NaclRangeSync;

  constructor(scope: Construct, id: string, props: RestrictedEgressVpcProps = {}) {
    super(scope, id);
    Object.defineProperty(this, BRAND, { value: true });

    const maxAzs = props.maxAzs ?? 2;
    const internetEgress = props.internetEgress ?? InternetEgress.natGateway();
    const vpcCidr = props.ipAddresses ?? '10.0.0.0/16';
    const workloadSubnetMask = props.workloadSubnetMask ?? 20;
    const egressSubnetMask = props.egressSubnetMask ?? 28;
    const endpointAzs = props.endpointAzs ?? 1;
    const flowLogRetention = props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR;

    // The VPC's layout is computed at synth time: tokens here would silently produce a different network.
    for (const [prop, value] of Object.entries({ maxAzs, ipAddresses: vpcCidr, workloadSubnetMask, egressSubnetMask, endpointAzs })) {
      requireConcrete(prop, value);
    }
    validateIntegerInRange('maxAzs', maxAzs, 1, 32, 'use at least one Availability Zone');
    validateIpv4Cidr('ipAddresses', vpcCidr, { minPrefix: 16, maxPrefix: 28 });
    const vpcPrefix = Number(vpcCidr.split('/')[1]);
    validateIntegerInRange('workloadSubnetMask', workloadSubnetMask, vpcPrefix, 28,
      `a subnet must fit in the VPC (/${vpcPrefix}) and be no smaller than /28`);
    if (internetEgress.viaNatGateway) {
      validateIntegerInRange('egressSubnetMask', egressSubnetMask, vpcPrefix, 28,
        `a subnet must fit in the VPC (/${vpcPrefix}) and be no smaller than /28`);
      validateIntegerInRange('internetEgress.natGateways', internetEgress.natGateways, 1, maxAzs,
        `there is at most one NAT gateway per Availability Zone (maxAzs is ${maxAzs})`);
    }
    validateIntegerInRange('endpointAzs', endpointAzs, 1, maxAzs,
      `endpoints can be placed in at most the ${maxAzs} Availability Zone(s) of the VPC`);
    if (!Token.isUnresolved(flowLogRetention) && flowLogRetention !== logs.RetentionDays.INFINITE && flowLogRetention < 365) {
      invalid('flowLogRetention', 'keep flow logs for at least 365 days', flowLogRetention, 'use logs.RetentionDays.ONE_YEAR or longer');
    }

    const subnetConfiguration: ec2.SubnetConfiguration[] = [{
      name: WORKLOAD_SUBNET_GROUP,
      subnetType: internetEgress.viaNatGateway ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
      cidrMask: workloadSubnetMask,
    }];
    if (internetEgress.viaNatGateway) {
      subnetConfiguration.push({
        name: EGRESS_SUBNET_GROUP,
        subnetType: ec2.SubnetType.PUBLIC,
        cidrMask: egressSubnetMask,
        // The NAT gateway brings its own Elastic IP; nothing else in these subnets gets a public address.
        mapPublicIpOnLaunch: false,
      });
    }

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(vpcCidr),
      maxAzs,
      natGateways: internetEgress.natGateways,
      natGatewaySubnets: internetEgress.viaNatGateway ? { subnetGroupName: EGRESS_SUBNET_GROUP } : undefined,
      createInternetGateway: internetEgress.viaNatGateway,
      subnetConfiguration,
      restrictDefaultSecurityGroup: true,
      enableDnsHostnames: true, // required by interface endpoints with private DNS
      enableDnsSupport: true,
    });
    this.vpc = vpc;
    this.internetEgress = internetEgress;
    this.workloadSubnets = { subnetGroupName: WORKLOAD_SUBNET_GROUP };

    for (const subnet of [...vpc.publicSubnets, ...vpc.privateSubnets, ...vpc.isolatedSubnets]) {
      // Explicit, so the template states it whatever aws-cdk-lib's defaults become.
      (subnet.node.defaultChild as ec2.CfnSubnet).mapPublicIpOnLaunch = false;
    }

    // Flow log of every flow, to a log group encrypted with a customer-managed key. The group is kept
    // when the stack is deleted (evidence outlives the network) and named by CloudFormation, so that
    // deleting and redeploying the stack does not collide with the retained group.
    this.flowLogKey = props.flowLogKey ?? this.createFlowLogKey();
    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      encryptionKey: this.flowLogKey,
      retention: flowLogRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const flowLogDelivery = this.createFlowLogRole(this.flowLogGroup);
    const flowLog = new ec2.FlowLog(this, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogDelivery.role),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    // The role has its permissions only through the managed policy: attach it before delivery starts.
    flowLog.node.addDependency(flowLogDelivery.policy);

    // Endpoints answer requests; they never open connections, so the group has no egress at all.
    const endpointSecurityGroup = closedSecurityGroup(this, 'EndpointSecurityGroup', vpc,
      'Interface VPC endpoints: HTTPS from registered workloads only');
    this.endpointSecurityGroup = endpointSecurityGroup;
    this.connections = new ec2.Connections({ securityGroups: [endpointSecurityGroup], defaultPort: ec2.Port.tcp(443) });

    const workloadSubnets = vpc.selectSubnets(this.workloadSubnets).subnets;
    if (endpointAzs > workloadSubnets.length) {
      invalid('endpointAzs', `be at most the number of Availability Zones the VPC got (${workloadSubnets.length})`, endpointAzs,
        'an environment-agnostic stack gets 2 AZs; set the stack\'s env (account and region) to use more');
    }
    this.endpointSubnets = { subnets: workloadSubnets.slice(0, endpointAzs) };

    const s3Kind = props.s3Endpoint ?? S3EndpointKind.GATEWAY;
    this.s3Endpoint = new S3EndpointStrategy(this, 'S3Endpoint', {
      vpc,
      kind: s3Kind,
      subnets: this.workloadSubnets,
      // The interface endpoint sits with the other interface endpoints, behind the same security group.
      interfaceSubnets: s3Kind.usesInterfaceEndpoint ? this.endpointSubnets : undefined,
      securityGroup: s3Kind.usesInterfaceEndpoint ? endpointSecurityGroup : undefined,
      policy: props.s3EndpointPolicy,
    });
    this.s3PrefixListId = this.s3Endpoint.s3PrefixListId;
    if (this.s3Endpoint.interfaceEndpoint) {
      this.endpoints.set(ec2.InterfaceVpcEndpointAwsService.S3.name, this.s3Endpoint.interfaceEndpoint);
    }

    this.naclTightening = props.naclTightening ?? NaclTightening.off();
    if (this.naclTightening.enabled) {
      const workloadAcl = this.createTightenedAcl('WorkloadNetworkAcl', vpcCidr);
      this.workloadNetworkAcl = workloadAcl;
      let s3Ranges: NaclRangeSync | undefined;
      if (s3Kind.usesGatewayEndpoint) {
        // The trap this closes: S3 answers a gateway-endpoint request from its public ranges, which a
        // NACL limited to the VPC CIDR drops (NACLs are stateless and cannot reference prefix lists).
        s3Ranges = this.createNaclSync('S3Ranges', [workloadAcl], {
          prefixListId: this.s3Endpoint.s3PrefixListId!,
          prefixListArn: this.s3Endpoint.s3PrefixListArn!,
          maxEntries: S3_RANGES_ESTIMATE,
          description: 'the S3 ranges of the region (gateway endpoint)',
        }, this, S3_RANGES_RULE_NUMBER);
        this.s3RangesSync = s3Ranges;
      }
      // Subnets switch to the NACL only once it lets S3's return traffic in.
      this.associate(workloadAcl, vpc.selectSubnets(this.workloadSubnets).subnets, 'Workload', s3Ranges);
      if (internetEgress.viaNatGateway) {
        const egressAcl = this.createTightenedAcl('EgressNetworkAcl', vpcCidr);
        this.egressNetworkAcl = egressAcl;
        this.associate(egressAcl, vpc.publicSubnets, 'Egress');
      }
      if (s3Kind.usesInterfaceEndpoint && s3Kind.usesGatewayEndpoint) {
        Annotations.of(this).addWarningV2('cdk-sagemaker-egress:naclBlocksOnPremisesS3',
          'With tightened NACLs the workload subnets accept only the VPC CIDR: clients outside the VPC (on-premises, peered networks) cannot reach the S3 interface endpoint that S3EndpointKind.GATEWAY_AND_INTERFACE creates for them.');
      }
    }

    for (const set of props.endpointSets ?? [EndpointSet.NOTEBOOK]) {
      this.addEndpointSet(set);
    }

    this.acknowledgeInherentFindings(vpc);
    this.node.addValidation({ validate: () => this.validateEndpointGroupRules() });
  }

  /** Interface endpoints created so far. */
  public get interfaceEndpoints(): ec2.IInterfaceVpcEndpoint[] {
    return [...this.endpoints.values()];
  }


  /**
   * Adds the interface endpoints of a set; endpoints already present are reused.
   */
  public addEndpointSet(set: EndpointSet): void {
    for (const service of set.services) {
      this.addInterfaceEndpoint(service);
    }
  }

  /**
   * Adds an interface endpoint for `service` in the workload subnets, with private DNS, behind the
   * endpoint security group. Idempotent: returns the existing endpoint when there is one.
   *
   * @param service the service, e.g. `ec2.InterfaceVpcEndpointAwsService.ECR`
   * @param id construct id of the endpoint; required for services that are not `InterfaceVpcEndpointAwsService`
   */
  public addInterfaceEndpoint(service: ec2.IInterfaceVpcEndpointService, id?: string): ec2.IInterfaceVpcEndpoint {
    const existing = this.endpoints.get(service.name);
    if (existing) return existing;
    const constructId = id ?? (service instanceof ec2.InterfaceVpcEndpointAwsService ? `${endpointIdOf(service.shortName)}Endpoint` : undefined);
    if (!constructId) {
      invalid('id', 'be given for an endpoint service that is not an InterfaceVpcEndpointAwsService', service.name,
        'pass a construct id, e.g. addInterfaceEndpoint(service, \'PartnerApiEndpoint\')');
    }
    const endpoint = new ec2.InterfaceVpcEndpoint(this, constructId, {
      vpc: this.vpc,
      service,
      subnets: this.endpointSubnets,
      securityGroups: [this.endpointSecurityGroup],
      privateDnsEnabled: true,
      // Do not open the endpoint to the whole VPC CIDR: workloads are registered one by one.
      open: false,
    });
    this.endpoints.set(service.name, endpoint);
    return endpoint;
  }

  /**
   * Registers a workload: it may reach the interface endpoints on 443 (and they accept it), and S3 on
   * 443 the way `s3Endpoint` needs (the S3 prefix list, or the interface endpoint). Nothing else is opened.
   */
  public allowWorkload(workload: ec2.IConnectable): void {
    for (const group of workload.connections.securityGroups) {
      this.registeredGroups.add(group.node.path);
    }
    // Rules are declared from the workload's side so that a workload in another stack than the VPC puts
    // both rules in its own stack (no cross-stack cycle).
    workload.connections.allowTo(this, ec2.Port.tcp(443), 'HTTPS between a registered workload and the interface endpoints');
    this.s3Endpoint.allowWorkload(workload);
  }

  /**
   * Lets HTTPS to the entries of a prefix list (and its return traffic) through the tightened NACLs of
   * the workload and NAT subnets, keeping the entries current at deploy time and on a schedule. Used by
   * `PypiAllowlistSecurityGroup`; call it for other internet destinations of NAT mode.
   *
   * Does nothing (and returns an empty dependency) when the NACLs are not tightened, or warns when the
   * VPC has no internet egress at all.
   *
   * @param scope where the synchronisation is created (the consumer's stack)
   * @param id its construct id
   * @returns what a resource needing the entries in place should depend on
   */
  public addNaclDestination(scope: Construct, id: string, options: NaclDestinationOptions): IDependable {
    if (!this.naclTightening.enabled) return new DependencyGroup();
    if (!this.internetEgress.viaNatGateway) {
      Annotations.of(scope).addWarningV2('cdk-sagemaker-egress:naclDestinationWithoutInternet',
        `${options.description} is an internet destination, but the VPC has no internet egress (InternetEgress.none()): nothing reaches it, and the NACLs are left as they are.`);
      return new DependencyGroup();
    }
    const sync = this.createNaclSync(id, [this.workloadNetworkAcl!, this.egressNetworkAcl!], options, scope,
      blockFor(`${scope.node.path}/${id}`, this.naclDestinations.map((d) => d.ruleNumberBase)));
    if (Stack.of(scope) === Stack.of(this)) {
      // Two synchronisations writing one NACL at once would each count the quota on its own snapshot.
      if (this.s3RangesSync) sync.node.addDependency(this.s3RangesSync);
      // Subnets switch to the tightened NACLs only with these entries in place. (A consumer in another
      // stack deploys after the VPC's stack, so the switch happens first there: see the README.)
      for (const acl of [this.workloadNetworkAcl!, this.egressNetworkAcl!]) {
        for (const association of this.naclAssociations.get(acl) ?? []) association.node.addDependency(sync);
      }
    }
    return sync;
  }

  /**
   * A NACL that allows all traffic within the VPC CIDR both ways and nothing else; synchronisations add
   * the external destinations in their own rule-number blocks (1000 and up), never touching these rules.
   */
  private createTightenedAcl(id: string, vpcCidr: string): ec2.NetworkAcl {
    const acl = new ec2.NetworkAcl(this, id, { vpc: this.vpc });
    const reason = 'Tightened NACLs are opt-in defence in depth under the security groups (naclTightening): they allow the VPC CIDR and, in rules kept current at deploy time, HTTPS to the destinations the configuration needs, so a security group opened by mistake still cannot reach the internet.';
    acknowledgeNagFindings(acl.node.defaultChild as ec2.CfnNetworkAcl, [{ id: 'AwsSolutions-VPC3', reason }]);
    for (const direction of [ec2.TrafficDirection.INGRESS, ec2.TrafficDirection.EGRESS]) {
      const entry = acl.addEntry(direction === ec2.TrafficDirection.INGRESS ? 'VpcInbound' : 'VpcOutbound', {
        ruleNumber: VPC_RULE_NUMBER,
        cidr: ec2.AclCidr.ipv4(vpcCidr),
        traffic: ec2.AclTraffic.allTraffic(),
        direction,
        ruleAction: ec2.Action.ALLOW,
      });
      acknowledgeNagFindings(entry.node.defaultChild as ec2.CfnNetworkAclEntry, [{ id: 'AwsSolutions-VPC3', reason }]);
    }
    return acl;
  }

  private associate(acl: ec2.INetworkAcl, subnets: ec2.ISubnet[], prefix: string, after?: IDependable): void {
    const associations = subnets.map((subnet, i) => {
      const association = new ec2.SubnetNetworkAclAssociation(this, `${prefix}NetworkAclAssociation${i + 1}`, { networkAcl: acl, subnet });
      if (after) association.node.addDependency(after);
      return association;
    });
    this.naclAssociations.set(acl, associations);
  }

  private createNaclSync(id: string, acls: ec2.INetworkAcl[], destination: NaclDestinationOptions, scope: Construct,
    ruleNumberBase: number): NaclRangeSync {
    const budget = this.naclTightening.maxEntriesPerDirection;
    this.naclDestinations.push({ description: destination.description, maxEntries: destination.maxEntries ?? 1, ruleNumberBase });
    // Static part of the budget, per direction: the default deny rule, the VPC rule, and at least one
    // entry per destination. What the destinations really need is counted again at deploy time.
    const minimum = 2 + this.naclDestinations.length;
    if (minimum > budget) {
      invalid('naclTightening.maxEntriesPerDirection', `leave room for ${this.naclDestinations.length} NACL destination(s) plus the default deny and VPC rules (${minimum})`, budget,
        'raise the "Rules per network ACL" quota and maxEntriesPerDirection (up to 40), or use S3EndpointKind.INTERFACE so that the S3 ranges need no NACL rules');
    }
    // Upper bound: each destination set at its declared size (the S3 ranges at a typical count).
    const upTo = this.naclDestinations.reduce((sum, d) => sum + d.maxEntries, 0);
    if (2 + upTo > budget) {
      Annotations.of(scope).addWarningV2('cdk-sagemaker-egress:naclBudgetMayOverflow',
        `The NACL destinations (${this.naclDestinations.map((d) => d.description).join(', ')}) may need up to ${upTo} rules per direction besides the default deny and VPC rules, more than naclTightening.maxEntriesPerDirection (${budget}) allows. ` +
        'They are counted exactly at deploy time, after aggregation, and a deployment fails (keeping the working entries) if they do not fit. Raise the "Rules per network ACL" quota and maxEntriesPerDirection (up to 40), use S3EndpointKind.INTERFACE, or lower the prefix list\'s maxEntries.');
    }
    const advice = this.s3Endpoint.kind.usesGatewayEndpoint
      ? 'Raise the "Rules per network ACL" quota and naclTightening.maxEntriesPerDirection (up to 40), use S3EndpointKind.INTERFACE (no S3 ranges in the NACL), or allow fewer destinations.'
      : 'Raise the "Rules per network ACL" quota and naclTightening.maxEntriesPerDirection (up to 40), or allow fewer destinations.';
    return new NaclRangeSync(scope, id, {
      networkAcls: acls,
      sources: [{ prefixListId: destination.prefixListId, prefixListArn: destination.prefixListArn }],
      ruleNumberBase,
      maxEntriesPerDirection: budget,
      refreshInterval: this.naclTightening.refreshInterval,
      subject: `the NACL entries for ${destination.description}`,
      overflowAdvice: advice,
    });
  }

  /**
   * The flow-log delivery role, with its permissions in a managed policy (NIST/HIPAA/PCI reject inline
   * policies) and a trust policy limited to this account's flow logs (confused-deputy protection).
   */
  private createFlowLogRole(logGroup: logs.ILogGroup): { role: iam.IRole; policy: iam.ManagedPolicy } {
    const role = new iam.Role(this, 'FlowLogRole', {
      description: 'Delivers the VPC flow log to its log group',
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc-flow-log/*` },
        },
      }),
    });
    const policy = new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      description: 'Writes the VPC flow log to its log group',
      roles: [role],
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroup.logGroupArn],
      })],
    });
    // aws-cdk-lib would add the same grants to an inline default policy; the managed policy has them.
    return { role: role.withoutPolicyUpdates(), policy };
  }

  private createFlowLogKey(): kms.IKey {
    return logGroupKey(this, 'FlowLogKey', 'Encrypts the VPC flow-log group');
  }

  private acknowledgeInherentFindings(vpc: ec2.Vpc): void {
    if (this.internetEgress.viaNatGateway) {
      for (const subnet of vpc.publicSubnets) {
        const route = subnet.node.tryFindChild('DefaultRoute');
        const cfnRoute = route && cfnResourceOf(route);
        if (cfnRoute) {
          const reason = 'NAT mode: this public subnet holds only a NAT gateway (or is reserved for one), which needs a default route to the internet gateway; workload subnets route to the NAT and their security groups decide what they reach.';
          acknowledgeNagFindings(cfnRoute, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((pack) => ({
            id: `${pack}-VPCNoUnrestrictedRouteToIGW`, reason,
          })));
        }
      }
    } else if (this.vpc.publicSubnets.length > 0) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:unexpectedPublicSubnets', 'InternetEgress.none() should create no public subnet');
    }
  }

  /** Each registered workload group is one inbound rule of the endpoint security group (VPC quota: 60 by default). */
  private validateEndpointGroupRules(): string[] {
    if (this.registeredGroups.size <= INBOUND_RULES_PER_GROUP) return [];
    return [`the endpoint security group must hold at most ${INBOUND_RULES_PER_GROUP} inbound rules (the "Inbound or outbound rules per security group" quota), ` +
      `got: ${this.registeredGroups.size} registered workload security groups — let workloads share a security group (e.g. NoInternetStudio securityGroups), ` +
      'or raise the quota (rules per group times groups per interface must stay within 1000)'];
  }
}

/** Rule number of the VPC-internal NACL rules. */
const VPC_RULE_NUMBER = 100;
/** The block of the S3 ranges. */
const S3_RANGES_RULE_NUMBER = 1000;
/** Blocks of other destination sets: 1100 .. 31000, one of 100 each. */
const FIRST_DESTINATION_RULE_NUMBER = 1100;
const DESTINATION_BLOCKS = 300;
/**
 * Rules the S3 ranges typically take after aggregation, for the synth-time warning only (the real count
 * is read at deploy time: the AWS-managed list has a handful of CIDRs per region).
 */
const S3_RANGES_ESTIMATE = 8;

/**
 * A rule-number block that stays the same for a destination whatever else is added or removed (derived
 * from its construct path), so that an unrelated change never moves entries; a collision probes on.
 */
function blockFor(path: string, taken: number[]): number {
  let hash = 7;
  for (const char of path) hash = (hash * 31 + char.charCodeAt(0)) % 2147483647;
  for (let i = 0; i < DESTINATION_BLOCKS; i++) {
    const base = FIRST_DESTINATION_RULE_NUMBER + ((hash + i) % DESTINATION_BLOCKS) * NACL_RULE_BLOCK_SIZE;
    if (!taken.includes(base)) return base;
  }
  throw new Error('no free NACL rule-number block is left');
}

/** Layout values must be concrete at synth time: a token would silently produce a different network. */
function requireConcrete(prop: string, value: string | number): void {
  if (Token.isUnresolved(value)) {
    invalid(prop, 'be known at synth time (the VPC layout is computed from it)', value, 'pass a literal value instead of a token or parameter');
  }
}

/** 'sagemaker.api' -> 'SagemakerApi' */
function endpointIdOf(shortName: string): string {
  return shortName.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1)).join('');
}

