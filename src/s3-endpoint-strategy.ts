import { Annotations, Aspects, Aws, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { closedSecurityGroup } from './private/closed-security-group';
import { S3PrefixListLookup } from './private/s3-prefix-list';
import { invalid } from './private/validation';

const BRAND = Symbol.for('cdk-sagemaker-egress.S3EndpointStrategy');

/**
 * How workloads reach Amazon S3 without the internet.
 *
 * | kind | cost | NACL tightening |
 * |---|---|---|
 * | `GATEWAY` | free | S3 answers from its public ranges: the NACL must allow them (the library keeps them in it) |
 * | `INTERFACE` | per AZ-hour and per GB | S3 is reached at private addresses in the VPC: no S3 ranges in the NACL |
 * | `GATEWAY_AND_INTERFACE` | per AZ-hour and per GB | as `GATEWAY` for the VPC; the interface endpoint serves on-premises clients |
 */
export enum S3EndpointKind {
  /**
   * A gateway endpoint on the workload subnets' route tables (free). Traffic goes to S3's public
   * addresses, routed privately through the region's S3 prefix list.
   */
  GATEWAY = 'gateway',

  /**
   * An interface endpoint: network interfaces in the workload subnets, with private DNS for all
   * resolvers, so `s3.<region>.amazonaws.com` resolves to private addresses in the VPC. Chargeable, and
   * the only kind with which a NACL limited to the VPC's own CIDR lets S3 through.
   */
  INTERFACE = 'interface',

  /**
   * Both. The interface endpoint's private DNS is for inbound resolver endpoints only (AWS's
   * recommended setup): queries from the VPC resolve to the gateway route, queries from on-premises
   * through a Route 53 inbound resolver endpoint resolve to the interface endpoint.
   */
  GATEWAY_AND_INTERFACE = 'gateway-and-interface',
}

/** Options of `S3EndpointPolicy.dataPerimeter()`. */
export interface S3DataPerimeterOptions {
  /**
   * Buckets of other accounts that workloads may use (any S3 action; IAM and the bucket policy still
   * decide), e.g. a partner's dataset bucket.
   *
   * @default - none
   */
  readonly allowedBucketNames?: string[];

  /**
   * Whether to allow read access to the AWS-owned buckets SageMaker and Amazon Linux need in the
   * region (see `S3EndpointPolicy.awsOwnedBucketNames()`).
   *
   * @default true
   */
  readonly allowAwsOwnedBuckets?: boolean;
}

/**
 * The policy of the S3 endpoint(s): which buckets can be reached through them at all.
 */
export abstract class S3EndpointPolicy {
  /**
   * A data perimeter: S3 only for buckets owned by the stack's account (`aws:ResourceAccount`), plus
   * read access to the AWS-owned buckets SageMaker and Amazon Linux need in the region, plus the buckets
   * you name. Copying data to a bucket of another account through the endpoint is denied.
   */
  public static dataPerimeter(options: S3DataPerimeterOptions = {}): S3EndpointPolicy {
    for (const name of options.allowedBucketNames ?? []) validateBucketName('allowedBucketNames', name);
    return new DataPerimeterPolicy(options.allowedBucketNames ?? [], options.allowAwsOwnedBuckets ?? true);
  }

  /**
   * AWS's default endpoint policy: any S3 action on any bucket of any account. Not recommended: it lets
   * a workload copy data to a bucket its authors own.
   */
  public static allowAll(): S3EndpointPolicy {
    return new AllowAllPolicy();
  }

  /** Exactly these statements (use `iam.AnyPrincipal` as the principal, as endpoint policies do). */
  public static fromStatements(statements: iam.PolicyStatement[]): S3EndpointPolicy {
    if (statements.length === 0) {
      invalid('statements', 'hold at least one statement', [], 'use S3EndpointPolicy.allowAll() for no policy, or add statements');
    }
    return new StatementsPolicy(statements);
  }

  /**
   * The AWS-owned buckets the data perimeter allows reading, for a region (a token is fine), with the
   * source that documents each:
   * - `al2023-repos-<region>-de612dc2`, `al2023-<region>`: Amazon Linux 2023 package repositories
   *   (Amazon Linux 2023 user guide; AWS's data-perimeter-policy-examples);
   * - `amazonlinux-2-repos-<region>`, `amazonlinux.<region>.amazonaws.com`, `repo.<region>.amazonaws.com`,
   *   `packages.<region>.amazonaws.com`: Amazon Linux (2) repositories (SageMaker "Give SageMaker training
   *   jobs access to resources in your Amazon VPC"; Amazon Linux 2 user guide);
   * - `jumpstart-cache-prod-<region>`: JumpStart models and scripts (SageMaker "Model deployment
   *   security"); `jumpstart-private-cache-prod-<region>`: JumpStart gated models (SageMaker Python SDK);
   * - `prod-<region>-starport-layer-bucket`: Amazon ECR image layers, fetched from S3 by every image pull
   *   (Amazon ECR "Amazon ECR interface VPC endpoints", minimum S3 bucket permissions).
   */
  public static awsOwnedBucketNames(region: string): string[] {
    return [
      `al2023-repos-${region}-de612dc2`,
      `al2023-${region}`,
      `amazonlinux-2-repos-${region}`,
      `amazonlinux.${region}.amazonaws.com`,
      `repo.${region}.amazonaws.com`,
      `packages.${region}.amazonaws.com`,
      `jumpstart-cache-prod-${region}`,
      `jumpstart-private-cache-prod-${region}`,
      `prod-${region}-starport-layer-bucket`,
    ];
  }

  /** A name for messages and summaries. */
  public abstract readonly name: string;

  /** The policy statements (none: AWS's default full-access policy). */
  public abstract statements(scope: Construct): iam.PolicyStatement[];

  /**
   * Whether the policy lets workloads use `bucketName` of another account (policies that do not limit
   * buckets by account answer yes).
   *
   * @internal
   */
  public _admitsOtherAccountBucket(_bucketName: string): boolean {
    return true;
  }
}

class DataPerimeterPolicy extends S3EndpointPolicy {
  public readonly name = 'data perimeter';
  constructor(private readonly bucketNames: string[], private readonly awsOwned: boolean) {
    super();
  }

  public _admitsOtherAccountBucket(bucketName: string): boolean {
    return this.bucketNames.includes(bucketName);
  }

  public statements(scope: Construct): iam.PolicyStatement[] {
    const stack = Stack.of(scope);
    const statements = [new iam.PolicyStatement({
      sid: 'OwnAccountBuckets',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:ResourceAccount': stack.account } },
    })];
    if (this.awsOwned) {
      const names = S3EndpointPolicy.awsOwnedBucketNames(stack.region);
      statements.push(new iam.PolicyStatement({
        sid: 'AwsOwnedBucketsReadOnly',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: names.flatMap(bucketArns),
      }));
    }
    if (this.bucketNames.length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'AllowedBuckets',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:*'],
        resources: this.bucketNames.flatMap(bucketArns),
      }));
    }
    return statements;
  }
}

class AllowAllPolicy extends S3EndpointPolicy {
  public readonly name = 'allow all (AWS default)';
  public statements(): iam.PolicyStatement[] {
    return [];
  }
}

class StatementsPolicy extends S3EndpointPolicy {
  public readonly name = 'custom';
  constructor(private readonly given: iam.PolicyStatement[]) {
    super();
  }
  public statements(): iam.PolicyStatement[] {
    return this.given;
  }
}

/**
 * Properties of an `S3EndpointStrategy`.
 */
export interface S3EndpointStrategyProps {
  /** The VPC. With an interface kind it must have DNS hostnames and DNS support enabled. */
  readonly vpc: ec2.IVpc;

  /**
   * Which endpoint(s) to create.
   *
   * @default S3EndpointKind.GATEWAY
   */
  readonly kind?: S3EndpointKind;

  /**
   * The workload subnets: their route tables get the gateway endpoint's route, and (by default) they
   * hold the interface endpoint's network interfaces.
   *
   * @default - the VPC's private subnets (with egress, else isolated)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Where the interface endpoint's network interfaces go (one per AZ); each AZ costs per hour.
   *
   * @default - one per AZ of `vpcSubnets`
   */
  readonly interfaceSubnets?: ec2.SubnetSelection;

  /**
   * The interface endpoint's security group.
   *
   * @default - a new group that accepts HTTPS only from the workloads given to `allowWorkload()`
   */
  readonly securityGroup?: ec2.ISecurityGroup;

  /**
   * The endpoint policy (on the gateway and the interface endpoint alike).
   *
   * @default S3EndpointPolicy.dataPerimeter()
   */
  readonly policy?: S3EndpointPolicy;
}

/**
 * The way workloads of a VPC reach Amazon S3: a gateway endpoint, an interface endpoint, or both, with
 * the private DNS setting each combination needs, a data-perimeter endpoint policy, and one method that
 * opens exactly the security-group egress the choice needs.
 */
export class S3EndpointStrategy extends Construct implements ec2.IConnectable {
  /** Whether `x` is an `S3EndpointStrategy` (also across copies of this library). */
  public static isS3EndpointStrategy(x: unknown): x is S3EndpointStrategy {
    return typeof x === 'object' && x !== null && BRAND in x;
  }

  /** The kind chosen. */
  public readonly kind: S3EndpointKind;
  /** Whether a gateway endpoint is created (traffic goes to S3's public ranges). */
  public readonly usesGatewayEndpoint: boolean;
  /** Whether an interface endpoint is created. */
  public readonly usesInterfaceEndpoint: boolean;
  /** The policy of the endpoint(s). */
  public readonly policy: S3EndpointPolicy;
  /** The gateway endpoint, with the gateway kinds. */
  public readonly gatewayEndpoint?: ec2.IGatewayVpcEndpoint;
  /** The interface endpoint, with the interface kinds. */
  public readonly interfaceEndpoint?: ec2.IInterfaceVpcEndpoint;
  /**
   * The region's S3 prefix list id (`com.amazonaws.<region>.s3`, looked up at deploy time), with the
   * gateway kinds: the destination of workloads' HTTPS egress and of the NACL's S3 ranges.
   */
  public readonly s3PrefixListId?: string;
  /** The S3 prefix list's ARN, with the gateway kinds. */
  public readonly s3PrefixListArn?: string;
  /**
   * S3 as a network peer: the S3 prefix list (gateway kinds) and the interface endpoint's security
   * group (interface kinds), default port 443.
   */
  public readonly connections: ec2.Connections;

  private readonly gateway?: ec2.GatewayVpcEndpoint;
  private readonly interfaceEndpointResource?: ec2.InterfaceVpcEndpoint;
  /** Security groups already given their S3 egress by `allowWorkload()`. */
  private readonly allowedGroups = new Set<string>();

  constructor(scope: Construct, id: string, props: S3EndpointStrategyProps) {
    super(scope, id);
    Object.defineProperty(this, BRAND, { value: true });
    const kind = props.kind ?? S3EndpointKind.GATEWAY;
    if (!Token.isUnresolved(kind) && !Object.values(S3EndpointKind).includes(kind)) {
      invalid('kind', `be one of ${Object.keys(S3EndpointKind).map((k) => `S3EndpointKind.${k}`).join(', ')}`, kind, 'use the enum');
    }
    this.kind = kind;
    this.usesGatewayEndpoint = kind !== S3EndpointKind.INTERFACE;
    this.usesInterfaceEndpoint = kind !== S3EndpointKind.GATEWAY;
    this.policy = props.policy ?? S3EndpointPolicy.dataPerimeter();
    const subnets = props.vpcSubnets ?? {};

    if (this.usesInterfaceEndpoint && props.vpc instanceof ec2.Vpc && (!props.vpc.dnsHostnamesEnabled || !props.vpc.dnsSupportEnabled)) {
      invalid('vpc', 'have DNS hostnames and DNS support enabled for an S3 interface endpoint with private DNS', props.vpc.node.path,
        'create the VPC with enableDnsHostnames: true and enableDnsSupport: true, or use S3EndpointKind.GATEWAY');
    }
    if (!this.usesInterfaceEndpoint && (props.interfaceSubnets || props.securityGroup)) {
      invalid(props.interfaceSubnets ? 'interfaceSubnets' : 'securityGroup', 'be left out with S3EndpointKind.GATEWAY (there is no interface endpoint)',
        kind, 'choose S3EndpointKind.INTERFACE or GATEWAY_AND_INTERFACE, or drop the option');
    }

    const peers: { securityGroups?: ec2.ISecurityGroup[]; peer?: ec2.IPeer } = {};
    if (this.usesGatewayEndpoint) {
      const lookup = S3PrefixListLookup.of(this);
      this.s3PrefixListId = lookup.prefixListId;
      this.s3PrefixListArn = lookup.prefixListArn;
      this.gateway = new ec2.GatewayVpcEndpoint(this, 'Gateway', {
        vpc: props.vpc,
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: [subnets],
      });
      this.gatewayEndpoint = this.gateway;
      peers.peer = ec2.Peer.prefixList(this.s3PrefixListId);
    }
    if (this.usesInterfaceEndpoint) {
      const securityGroup = props.securityGroup ??
        closedSecurityGroup(this, 'SecurityGroup', props.vpc, 'S3 interface endpoint: HTTPS from registered workloads only');
      const endpoint = new ec2.InterfaceVpcEndpoint(this, 'Interface', {
        vpc: props.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.S3,
        subnets: props.interfaceSubnets ?? subnets,
        securityGroups: [securityGroup],
        privateDnsEnabled: true,
        // With a gateway endpoint, S3 requires "private DNS only for inbound resolver endpoints", and
        // checks that the gateway endpoint exists when the interface endpoint is created or changed
        // (S3 user guide, "AWS PrivateLink for Amazon S3", private DNS).
        privateDnsOnlyForInboundResolverEndpoint: this.usesGatewayEndpoint
          ? ec2.VpcEndpointPrivateDnsOnlyForInboundResolverEndpoint.ONLY_INBOUND_RESOLVER
          : ec2.VpcEndpointPrivateDnsOnlyForInboundResolverEndpoint.ALL_RESOLVERS,
        open: false,
      });
      if (this.gateway) endpoint.node.addDependency(this.gateway);
      this.interfaceEndpointResource = endpoint;
      this.interfaceEndpoint = endpoint;
      peers.securityGroups = [securityGroup];
    }
    this.connections = new ec2.Connections({ ...peers, defaultPort: ec2.Port.tcp(443) });

    Aspects.of(this).add({ visit: (node) => { if (node === this) this.warnBucketsOutsidePerimeter(); } });

    const region = Stack.of(this).region;
    if (kind === S3EndpointKind.INTERFACE && (Token.isUnresolved(region) || region === 'us-east-1')) {
      // In us-east-1 boto3, botocore and the AWS CLI default to S3's legacy global endpoint
      // (s3.amazonaws.com; setting us_east_1_regional_endpoint, default "legacy"), which the interface
      // endpoint's private DNS does not answer for: without a gateway endpoint those requests go nowhere.
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:s3InterfaceUsEast1',
        `${Token.isUnresolved(region) ? 'If this stack is deployed in us-east-1: ' : ''}with S3EndpointKind.INTERFACE only, SDKs that default to S3's legacy global endpoint ` +
        '(boto3 and the AWS CLI in us-east-1) cannot reach S3. Set AWS_S3_US_EAST_1_REGIONAL_ENDPOINT=regional for the workloads ' +
        '(e.g. notebook.addOnStartCommands(\'echo "export AWS_S3_US_EAST_1_REGIONAL_ENDPOINT=regional" > /etc/profile.d/s3-regional.sh\') and in the kernels\' environment), ' +
        'or use S3EndpointKind.GATEWAY or GATEWAY_AND_INTERFACE.');
    }

    const statements = this.policy.statements(this);
    for (const statement of statements) {
      this.gateway?.addToPolicy(statement);
      this.interfaceEndpointResource?.addToPolicy(statement);
    }
    if (statements.length === 0) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:s3EndpointAllowsAll',
        'The S3 endpoint policy allows every bucket of every account: a workload can copy data to any bucket. Prefer S3EndpointPolicy.dataPerimeter().');
    }
  }

  /**
   * Lets a workload reach S3 over HTTPS, with exactly the egress the kind needs: to the S3 prefix list
   * (gateway kinds; with both, the VPC's resolver answers with the gateway route), or to the interface
   * endpoint's security group, which then accepts the workload (interface kind). Idempotent: a
   * security group already allowed gets no second rule (the prefix list id is a deploy-time token, so
   * aws-cdk-lib cannot see that two such rules are the same, and EC2 rejects the duplicate).
   */
  public allowWorkload(workload: ec2.IConnectable): void {
    const groups = workload.connections.securityGroups;
    const fresh = groups.filter((group) => !this.allowedGroups.has(group.node.path));
    if (groups.length > 0 && fresh.length === 0) return;
    for (const group of fresh) this.allowedGroups.add(group.node.path);
    const target = groups.length === 0 ? workload.connections : new ec2.Connections({ securityGroups: fresh });
    if (this.usesGatewayEndpoint) {
      target.allowTo(ec2.Peer.prefixList(this.s3PrefixListId!), ec2.Port.tcp(443), 'HTTPS to S3 through the gateway endpoint');
    } else {
      target.allowTo(this, ec2.Port.tcp(443), 'HTTPS to the S3 interface endpoint');
    }
  }

  /**
   * A bucket of another account used in the app (imported with its account, e.g.
   * `s3.Bucket.fromBucketAttributes(this, 'Data', { bucketName, account })`) that the endpoint policy does
   * not admit: granting it to a workload synthesizes, but the endpoint refuses every request to it.
   */
  private warnBucketsOutsidePerimeter(): void {
    const account = Stack.of(this).account;
    if (Token.isUnresolved(account)) return;
    for (const node of this.node.root.node.findAll()) {
      const bucket = node as Partial<s3.IBucket>;
      if (typeof bucket.bucketArn !== 'string' || typeof bucket.bucketName !== 'string' || !bucket.env) continue;
      const owner = bucket.env.account;
      if (Token.isUnresolved(owner) || owner === account || Token.isUnresolved(bucket.bucketName)) continue;
      if (this.policy._admitsOtherAccountBucket(bucket.bucketName)) continue;
      Annotations.of(node).addWarningV2('cdk-sagemaker-egress:bucketOutsideDataPerimeter',
        `The bucket "${bucket.bucketName}" belongs to account ${owner}, outside the S3 endpoint's data perimeter (${this.node.path}): ` +
        'workloads granted it reach it only through that endpoint, which refuses every request to it. Admit it with ' +
        `s3EndpointPolicy: S3EndpointPolicy.dataPerimeter({ allowedBucketNames: ['${bucket.bucketName}'] }) on the network (policy on an S3EndpointStrategy).`);
    }
  }

  /**
   * Adds a statement to the endpoint policy of every endpoint. Not possible with
   * `S3EndpointPolicy.allowAll()`, whose absent policy already allows everything.
   */
  public addToPolicy(statement: iam.PolicyStatement): void {
    if (this.policy.statements(this).length === 0) {
      invalid('policy', 'be a restricting policy to add statements to', this.policy.name,
        'the endpoint already allows all of S3; use S3EndpointPolicy.dataPerimeter() to restrict it');
    }
    this.gateway?.addToPolicy(statement);
    this.interfaceEndpointResource?.addToPolicy(statement);
  }
}

function bucketArns(name: string): string[] {
  return [`arn:${Aws.PARTITION}:s3:::${name}`, `arn:${Aws.PARTITION}:s3:::${name}/*`];
}

/** S3 general-purpose bucket naming rules: 3-63 lower-case letters, digits, dots and hyphens. */
function validateBucketName(prop: string, name: string): void {
  if (Token.isUnresolved(name)) return;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    const fix = name.startsWith('arn:') ? `pass the bucket name, not its ARN: "${name.split(':::')[1]?.split('/')[0] ?? name}"` : 'use the bucket\'s name, e.g. "my-dataset-bucket"';
    invalid(prop, 'hold S3 bucket names (3-63 lower-case letters, digits, dots and hyphens)', name, fix);
  }
}
