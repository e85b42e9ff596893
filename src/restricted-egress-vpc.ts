import { Annotations, Aws, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IDependable } from 'constructs';
import { DataPerimeter } from './data-perimeter';
import { EndpointSet } from './endpoint-set';
import { NaclTightening } from './nacl-tightening';
import { acknowledgeNagFindings, cfnResourceOf } from './private/acknowledge';
import { logGroupKey } from './private/log-group-key';
import { acknowledgeCustomResourceProvider } from './private/provider-acknowledgements';
import { invalid, KINDS, requireKinds, validateIntegerInRange, validateIpv4Cidr } from './private/validation';
import { S3EndpointKind, S3EndpointPolicy, S3EndpointStrategy } from './s3-endpoint-strategy';
import { IWorkloadNetwork, NaclDestinationOptions, WorkloadInterfaceEndpointOptions, WorkloadNetwork } from './workload-network';

const BRAND = Symbol.for('cdk-sagemaker-egress.RestrictedEgressVpc');

/** Name of the subnet group that holds workloads (notebooks, Studio apps, interface endpoints). */
const WORKLOAD_SUBNET_GROUP = 'Workload';
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
   * A plain string rather than aws-ec2's `ipAddresses` (`ec2.IIpAddresses`): aws-cdk-lib silently turns
   * an unaligned block into another network (`10.0.0.1/16` becomes `10.1.0.0/16`), so the block is
   * validated before it is used.
   *
   * @default '10.0.0.0/16'
   */
  readonly vpcCidrBlock?: string;

  /**
   * Maximum number of Availability Zones to use.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * How workloads reach the internet, if at all. NAT mode is an explicit choice: it creates an
   * internet gateway and NAT gateway(s), and security groups alone then decide what workloads reach.
   *
   * @default InternetEgress.none() - no internet gateway, no NAT gateway: AWS only through VPC endpoints
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
   * added with `addInterfaceEndpoint()` and `addEndpointSet()`, and workloads add the ones they need.
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

  /**
   * The data perimeter of the interface endpoints the VPC creates: every one gets a policy that lets
   * only principals of the perimeter reach resources of the perimeter (plus the AWS-owned resources the
   * service needs), so that credentials of another account cannot use them to send data out.
   *
   * @default DataPerimeter.account() - principals and resources of the stack's account
   */
  readonly perimeter?: DataPerimeter;
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
export class RestrictedEgressVpc extends Construct implements IWorkloadNetwork {
  /** Whether `x` is a `RestrictedEgressVpc` (also across copies of this library). */
  public static isRestrictedEgressVpc(x: unknown): x is RestrictedEgressVpc {
    return typeof x === 'object' && x !== null && BRAND in x;
  }

  /** The VPC. */
  public readonly vpc: ec2.IVpc;
  /** The subnets workloads and interface endpoints are placed in. */
  public readonly workloadSubnets: ec2.SubnetSelection;
  /** The security group of the interface endpoints: HTTPS from registered workloads only. */
  public readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /**
   * Network access to the interface endpoints (their security group, default port 443): the network
   * as a peer means "its interface endpoints".
   */
  public readonly connections: ec2.Connections;
  /** The chosen internet egress. */
  public readonly internetEgress: InternetEgress;
  /** Whether the workload subnets route to the internet (NAT mode). */
  public readonly hasInternetRoute: boolean;
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

  /** Endpoints, the endpoint group, S3 and the NACLs: the same as for an existing VPC. */
  private readonly network: WorkloadNetwork;

  constructor(scope: Construct, id: string, props: RestrictedEgressVpcProps = {}) {
    super(scope, id);
    Object.defineProperty(this, BRAND, { value: true });

    requireKinds({ flowLogKey: [props.flowLogKey, KINDS.key] });
    const maxAzs = props.maxAzs ?? 2;
    const internetEgress = props.internetEgress ?? InternetEgress.none();
    const vpcCidr = props.vpcCidrBlock ?? '10.0.0.0/16';
    const workloadSubnetMask = props.workloadSubnetMask ?? 20;
    const egressSubnetMask = props.egressSubnetMask ?? 28;
    const endpointAzs = props.endpointAzs ?? 1;
    const flowLogRetention = props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR;

    // The VPC's layout is computed at synth time: tokens here would silently produce a different network.
    for (const [prop, value] of Object.entries({ maxAzs, vpcCidrBlock: vpcCidr, workloadSubnetMask, egressSubnetMask, endpointAzs })) {
      requireConcrete(prop, value);
    }
    validateIntegerInRange('maxAzs', maxAzs, 1, 32, 'use at least one Availability Zone');
    validateIpv4Cidr('vpcCidrBlock', vpcCidr, { minPrefix: 16, maxPrefix: 28 });
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

    // The id 'Default' keeps the network's resources where they were before it was a construct of its
    // own: CloudFormation logical ids leave 'Default' out, so nothing is replaced.
    this.network = new WorkloadNetwork(this, 'Default', {
      vpc,
      vpcSubnets: { subnetGroupName: WORKLOAD_SUBNET_GROUP },
      endpointSets: props.endpointSets,
      endpointAzs,
      s3Endpoint: props.s3Endpoint,
      s3EndpointPolicy: props.s3EndpointPolicy,
      naclTightening: props.naclTightening,
      perimeter: props.perimeter,
      natSubnets: internetEgress.viaNatGateway && props.naclTightening?.enabled ? { subnetGroupName: EGRESS_SUBNET_GROUP } : undefined,
    });
    this.workloadSubnets = this.network.workloadSubnets;
    this.endpointSecurityGroup = this.network.endpointSecurityGroup;
    this.connections = this.network.connections;
    this.hasInternetRoute = this.network.hasInternetRoute;
    this.s3Endpoint = this.network.s3Endpoint;
    this.naclTightening = this.network.naclTightening;
    this.workloadNetworkAcl = this.network.workloadNetworkAcl;
    this.egressNetworkAcl = this.network.natNetworkAcl;

    this.acknowledgeInherentFindings(vpc);
  }

  /** Interface endpoints created so far. */
  public get interfaceEndpoints(): ec2.IInterfaceVpcEndpoint[] {
    return this.network.interfaceEndpoints;
  }

  /**
   * The id of the region's S3 prefix list, which the gateway endpoint routes to, looked up at deploy
   * time (a token), with the gateway kinds of `s3Endpoint`.
   */
  public get s3PrefixListId(): string | undefined {
    return this.s3Endpoint.s3PrefixListId;
  }

  /**
   * Adds the interface endpoints of a set; endpoints already present are reused.
   */
  public addEndpointSet(set: EndpointSet): void {
    this.network.addEndpointSet(set);
  }

  /**
   * Adds an interface endpoint in the workload subnets, with private DNS, behind the endpoint security
   * group. Idempotent: returns the existing endpoint when there is one for the service.
   *
   * @param id construct id of the endpoint (used only when one is created)
   */
  public addInterfaceEndpoint(id: string, options: WorkloadInterfaceEndpointOptions): ec2.IInterfaceVpcEndpoint {
    return this.network.addInterfaceEndpoint(id, options);
  }

  /**
   * Registers a workload: it may reach the interface endpoints on 443 (and they accept it), and S3 on
   * 443 the way `s3Endpoint` needs (the S3 prefix list, or the interface endpoint). Nothing else is
   * opened. Idempotent.
   */
  public allowWorkload(workload: ec2.IConnectable): void {
    this.network.allowWorkload(workload);
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
    return this.network.addNaclDestination(scope, id, options);
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
    // restrictDefaultSecurityGroup runs on aws-cdk-lib's stack-wide provider (its handler and role).
    acknowledgeCustomResourceProvider(Stack.of(this), 'Custom::VpcRestrictDefaultSGCustomResourceProvider', 'emptying the default security group of the VPC');
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
}

/** Layout values must be concrete at synth time: a token would silently produce a different network. */
function requireConcrete(prop: string, value: string | number): void {
  if (Token.isUnresolved(value)) {
    invalid(prop, 'be known at synth time (the VPC layout is computed from it)', value, 'pass a literal value instead of a token or parameter');
  }
}

