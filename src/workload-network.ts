import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, DependencyGroup, IConstruct, IDependable } from 'constructs';
import { DataPerimeter } from './data-perimeter';
import { EndpointSet } from './endpoint-set';
import { NaclTightening } from './nacl-tightening';
import { acknowledgeNagFindings } from './private/acknowledge';
import { closedSecurityGroup } from './private/closed-security-group';
import { allowedResourcesStatement, endpointActions, endpointPolicyStatements, principalCondition } from './private/endpoint-policies';
import { validateEndpointService, warnUnknownRegion } from './private/known-services';
import { NACL_RULE_BLOCK_SIZE, NaclRangeSync } from './private/nacl-range-sync';
import { invalid, requireConstructKind, validateIntegerInRange } from './private/validation';
import { isVpc } from './private/workload-access';
import { S3EndpointKind, S3EndpointPolicy, S3EndpointStrategy } from './s3-endpoint-strategy';

const BRAND = Symbol.for('cdk-sagemaker-egress.WorkloadNetwork');

/** The VPC quota "Inbound or outbound rules per security group" (default). */
const INBOUND_RULES_PER_GROUP = 60;

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

/** Options of `IWorkloadNetwork.addInterfaceEndpoint()`. */
export interface WorkloadInterfaceEndpointOptions {
  /** The service, e.g. `ec2.InterfaceVpcEndpointAwsService.ECR`. */
  readonly service: ec2.IInterfaceVpcEndpointService;

  /**
   * The endpoint's policy, exactly these statements (use `iam.AnyPrincipal` as the principal, as
   * endpoint policies do), instead of the network's `perimeter` policy for the service. Only when the
   * endpoint is created by this call: a service the network already has keeps its policy.
   *
   * @default - the policy of the network's `perimeter` for the service (none with `DataPerimeter.none()`)
   */
  readonly policyStatements?: iam.PolicyStatement[];

  /**
   * ARNs of resources outside the perimeter that principals of the perimeter may reach through the
   * endpoint (the service's actions only), e.g. a CodeArtifact domain of another account, or an AWS-owned
   * ECR registry (`arn:aws:ecr:<region>:<account>:repository/*`). Added to the endpoint's perimeter policy,
   * also when the network created the endpoint before; nothing is added to an endpoint without a
   * perimeter policy (`DataPerimeter.none()`, custom `policyStatements`, existing endpoints).
   *
   * @default - none
   */
  readonly allowedResourceArns?: string[];
}

/** An interface endpoint the VPC already has, so that the network uses it instead of creating one. */
export interface ExistingInterfaceEndpoint {
  /** The endpoint's service, e.g. `ec2.InterfaceVpcEndpointAwsService.STS`. */
  readonly service: ec2.IInterfaceVpcEndpointService;
  /**
   * The endpoint, e.g. from `ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes()` with its
   * security groups: registered workloads get HTTPS to it, and its groups an inbound rule from them.
   */
  readonly endpoint: ec2.IInterfaceVpcEndpoint;
}

/**
 * The network a SageMaker workload runs in: a VPC, the subnets workloads go in, and the private way to
 * AWS (interface endpoints behind one security group, and S3). `RestrictedEgressVpc` implements it for
 * a VPC it creates; `WorkloadNetwork` for a VPC you already have. Every workload construct takes one as
 * its `network`.
 */
export interface IWorkloadNetwork extends IConstruct, ec2.IConnectable {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** The subnets workloads and interface endpoints are placed in. */
  readonly workloadSubnets: ec2.SubnetSelection;
  /** The security group of the interface endpoints the network creates: HTTPS from registered workloads only. */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /** How workloads reach S3: the endpoint(s) and their policy. */
  readonly s3Endpoint: S3EndpointStrategy;
  /** Whether the workload subnets route to the internet (through a NAT gateway). */
  readonly hasInternetRoute: boolean;
  /** The interface endpoints of the network: created, or existing ones it was given. */
  readonly interfaceEndpoints: ec2.IInterfaceVpcEndpoint[];

  /**
   * Registers a workload: HTTPS to the interface endpoints (and they accept it) and to S3 the way the
   * S3 endpoint needs. Idempotent: registering a workload (or a security group) again adds nothing.
   */
  allowWorkload(workload: ec2.IConnectable): void;

  /**
   * Adds an interface endpoint with private DNS in the workload subnets, behind the endpoint security
   * group. Idempotent per service: returns the endpoint already there (created or existing).
   *
   * @param id construct id of the endpoint (used only when one is created)
   */
  addInterfaceEndpoint(id: string, options: WorkloadInterfaceEndpointOptions): ec2.IInterfaceVpcEndpoint;

  /** Adds the interface endpoints of a set; endpoints already present are reused. */
  addEndpointSet(set: EndpointSet): void;

  /**
   * Lets HTTPS to the entries of a prefix list through the tightened NACLs, keeping them current.
   * Does nothing (an empty dependency) when the NACLs are not tightened.
   *
   * @param scope where the synchronisation is created (the consumer's stack)
   * @param id its construct id
   * @returns what a resource needing the entries in place should depend on
   */
  addNaclDestination(scope: Construct, id: string, options: NaclDestinationOptions): IDependable;
}

/**
 * Properties of a `WorkloadNetwork`.
 */
export interface WorkloadNetworkProps {
  /** The VPC, e.g. from `ec2.Vpc.fromLookup()` or `ec2.Vpc.fromVpcAttributes()`. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets workloads and interface endpoints go in.
   *
   * @default - the VPC's isolated subnets, or its private subnets when it has no isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Interface endpoint sets to create in the workload subnets, with private DNS. Services listed in
   * `existingInterfaceEndpoints` are not created again.
   *
   * @default [EndpointSet.NOTEBOOK]
   */
  readonly endpointSets?: EndpointSet[];

  /**
   * Interface endpoints the VPC already has. They are used instead of new ones (a second endpoint with
   * private DNS for the same service cannot be created in a VPC), and the synth output lists them.
   *
   * @default - none: every endpoint of `endpointSets` is created
   */
  readonly existingInterfaceEndpoints?: ExistingInterfaceEndpoint[];

  /**
   * Number of Availability Zones that carry an interface endpoint's network interfaces (each costs per
   * AZ-hour). Workloads in other AZs still reach the endpoints through private DNS.
   *
   * @default 1
   */
  readonly endpointAzs?: number;

  /**
   * How workloads reach S3. A gateway endpoint is added to the workload subnets' route tables: leave a
   * VPC that already has one on those route tables at `S3EndpointKind.INTERFACE`, or remove the old one.
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
   * Network ACLs of the workload subnets (and of `natSubnets`): left as they are, or replaced by NACLs
   * that allow only the VPC CIDR and HTTPS to the destinations the configuration needs.
   *
   * @default NaclTightening.off()
   */
  readonly naclTightening?: NaclTightening;

  /**
   * The subnets of the NAT gateways the workload subnets route through. With `naclTightening` their
   * NACL is tightened too, so that internet destinations (e.g. a PyPI allowlist) are let through both.
   *
   * @default - none: only the workload subnets' NACL is tightened
   */
  readonly natSubnets?: ec2.SubnetSelection;

  /**
   * The data perimeter of the interface endpoints the network creates: every one gets a policy that
   * lets only principals of the perimeter reach resources of the perimeter (plus the AWS-owned resources
   * the service needs). Endpoints in `existingInterfaceEndpoints` keep their own policies.
   *
   * @default DataPerimeter.account() - principals and resources of the stack's account
   */
  readonly perimeter?: DataPerimeter;
}

/**
 * Brings a VPC to the posture of a `RestrictedEgressVpc`: interface endpoints with private DNS behind a
 * security group that accepts only registered workloads, an S3 endpoint under a data-perimeter policy,
 * and optionally tightened NACLs, all on the subnets given. It creates no VPC, subnet or route to the
 * internet; what the VPC already routes stays as it is, and the egress analyzer reports it.
 *
 * `RestrictedEgressVpc` uses one for the VPC it creates.
 */
export class WorkloadNetwork extends Construct implements IWorkloadNetwork {
  /** Whether `x` is an `IWorkloadNetwork` made by this library (also across copies of it). */
  public static isWorkloadNetwork(x: unknown): x is IWorkloadNetwork {
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
  /** How workloads reach S3: the endpoint(s) and their policy. */
  public readonly s3Endpoint: S3EndpointStrategy;
  /** Whether the workload subnets route to the internet (they are not all isolated subnets). */
  public readonly hasInternetRoute: boolean;
  /** The NACL setting. */
  public readonly naclTightening: NaclTightening;
  /** The NACL of the workload subnets, when tightened. */
  public readonly workloadNetworkAcl?: ec2.INetworkAcl;
  /** The NACL of the NAT subnets, when tightened and `natSubnets` are given. */
  public readonly natNetworkAcl?: ec2.INetworkAcl;
  /** The data perimeter of the interface endpoints the network creates. */
  public readonly perimeter: DataPerimeter;

  private readonly endpointSubnets: ec2.SubnetSelection;
  private readonly endpoints = new Map<string, ec2.IInterfaceVpcEndpoint>();
  /** Endpoints given as existing: workloads are registered with their own security groups. */
  private readonly existingEndpoints: ec2.IInterfaceVpcEndpoint[] = [];
  /** Endpoints this network created under its perimeter policy (by service name): they take `allowedResourceArns`. */
  private readonly perimeterEndpoints = new Map<string, { endpoint: ec2.InterfaceVpcEndpoint; actions: string[] }>();
  /** Security groups registered with `allowWorkload()`: each is one inbound rule of the endpoint security group. */
  private readonly registeredGroups = new Set<string>();
  /** Destinations registered for the tightened NACLs (S3 ranges first), for the synth-time budget. */
  private readonly naclDestinations: { description: string; maxEntries: number; ruleNumberBase: number }[] = [];
  /** Subnet associations per NACL: they wait for the synchronisations in their stack. */
  private readonly naclAssociations = new Map<ec2.INetworkAcl, ec2.SubnetNetworkAclAssociation[]>();
  /** The synchronisation of the S3 ranges, which later ones in the same stack wait for. */
  private s3RangesSync?: NaclRangeSync;

  constructor(scope: Construct, id: string, props: WorkloadNetworkProps) {
    super(scope, id);
    Object.defineProperty(this, BRAND, { value: true });
    warnUnknownRegion(this);
    requireConstructKind('vpc', props.vpc, isVpc, 'an ec2.IVpc',
      'pass the VPC itself (e.g. ec2.Vpc.fromLookup(...)); a RestrictedEgressVpc is already a network and needs no WorkloadNetwork');
    const vpc = props.vpc;
    this.vpc = vpc;
    this.perimeter = props.perimeter ?? DataPerimeter.account();
    if (!this.perimeter.enabled) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:noDataPerimeter',
        'perimeter is DataPerimeter.none(): the interface endpoints keep AWS\'s default policy (any principal, any resource), so code with another account\'s credentials can send data out through them (e.g. logs:PutLogEvents, sts:AssumeRole into that account). ' +
        'The egress analyzer reports those services REACHABLE for other accounts, so an EgressPolicy fails unless it allows EgressDestination.otherAccount(...). ' +
        'Use DataPerimeter.account() (the default) or DataPerimeter.organization(orgId).');
    }

    this.workloadSubnets = props.vpcSubnets ?? defaultWorkloadSubnets(vpc);
    const workloadSubnets = vpc.selectSubnets(this.workloadSubnets).subnets;
    if (workloadSubnets.length === 0) {
      invalid('vpcSubnets', 'select at least one subnet of the VPC', JSON.stringify(this.workloadSubnets),
        'select the private or isolated subnets the workloads run in');
    }
    const publicSubnets = new Set(vpc.publicSubnets.map((s) => s.node.path));
    if (workloadSubnets.some((s) => publicSubnets.has(s.node.path))) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:publicWorkloadSubnet',
        'vpcSubnets selects a public subnet: workloads there would route to the internet gateway. Select private or isolated subnets.');
    }
    const isolated = new Set(vpc.isolatedSubnets.map((s) => s.node.path));
    this.hasInternetRoute = !workloadSubnets.every((s) => isolated.has(s.node.path));

    const endpointAzs = props.endpointAzs ?? 1;
    if (Token.isUnresolved(endpointAzs)) {
      invalid('endpointAzs', 'be known at synth time', endpointAzs, 'pass a number');
    }
    validateIntegerInRange('endpointAzs', endpointAzs, 1, Math.max(1, workloadSubnets.length),
      `endpoints can be placed in at most the ${workloadSubnets.length} workload subnet(s); an environment-agnostic stack gets 2 AZs, set the stack's env (account and region) to use more`);
    this.endpointSubnets = { subnets: workloadSubnets.slice(0, endpointAzs) };

    // Endpoints answer requests; they never open connections, so the group has no egress at all.
    const endpointSecurityGroup = closedSecurityGroup(this, 'EndpointSecurityGroup', vpc,
      'Interface VPC endpoints: HTTPS from registered workloads only');
    this.endpointSecurityGroup = endpointSecurityGroup;
    this.connections = new ec2.Connections({ securityGroups: [endpointSecurityGroup], defaultPort: ec2.Port.tcp(443) });

    for (const [i, existing] of (props.existingInterfaceEndpoints ?? []).entries()) {
      requireConstructKind(`existingInterfaceEndpoints[${i}].endpoint`, existing.endpoint, (x) => typeof (x as any)?.vpcEndpointId === 'string',
        'an ec2.IInterfaceVpcEndpoint', 'pass ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(...)');
      if (this.endpoints.has(existing.service.name)) {
        invalid('existingInterfaceEndpoints', 'name each service once', existing.service.name, 'remove the duplicate');
      }
      this.endpoints.set(existing.service.name, existing.endpoint);
      this.existingEndpoints.push(existing.endpoint);
    }

    const s3Kind = props.s3Endpoint ?? S3EndpointKind.GATEWAY;
    this.s3Endpoint = new S3EndpointStrategy(this, 'S3Endpoint', {
      vpc,
      kind: s3Kind,
      vpcSubnets: this.workloadSubnets,
      // The interface endpoint sits with the other interface endpoints, behind the same security group.
      interfaceSubnets: s3Kind === S3EndpointKind.GATEWAY ? undefined : this.endpointSubnets,
      securityGroup: s3Kind === S3EndpointKind.GATEWAY ? undefined : endpointSecurityGroup,
      policy: props.s3EndpointPolicy,
    });
    if (this.s3Endpoint.interfaceEndpoint) {
      this.endpoints.set(ec2.InterfaceVpcEndpointAwsService.S3.name, this.s3Endpoint.interfaceEndpoint);
    }

    this.naclTightening = props.naclTightening ?? NaclTightening.off();
    if (this.naclTightening.enabled) {
      const vpcCidr = cidrOf(vpc);
      const workloadAcl = this.createTightenedAcl('WorkloadNetworkAcl', vpcCidr);
      this.workloadNetworkAcl = workloadAcl;
      let s3Ranges: NaclRangeSync | undefined;
      if (this.s3Endpoint.usesGatewayEndpoint) {
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
      this.associate(workloadAcl, workloadSubnets, 'Workload', s3Ranges);
      if (props.natSubnets) {
        const natAcl = this.createTightenedAcl('EgressNetworkAcl', vpcCidr);
        this.natNetworkAcl = natAcl;
        this.associate(natAcl, vpc.selectSubnets(props.natSubnets).subnets, 'Egress');
      }
      if (s3Kind === S3EndpointKind.GATEWAY_AND_INTERFACE) {
        Annotations.of(this).addWarningV2('cdk-sagemaker-egress:naclBlocksOnPremisesS3',
          'With tightened NACLs the workload subnets accept only the VPC CIDR: clients outside the VPC (on-premises, peered networks) cannot reach the S3 interface endpoint that S3EndpointKind.GATEWAY_AND_INTERFACE creates for them.');
      }
    } else if (props.natSubnets) {
      invalid('natSubnets', 'be given only with naclTightening (they are used for nothing else)', JSON.stringify(props.natSubnets),
        'remove natSubnets, or set naclTightening: NaclTightening.tightened()');
    }

    for (const set of props.endpointSets ?? [EndpointSet.NOTEBOOK]) {
      this.addEndpointSet(set);
    }
    if (this.existingEndpoints.length > 0) {
      const existingServices = (props.existingInterfaceEndpoints ?? []).map((e) => serviceLabel(e.service)).join(', ');
      Annotations.of(this).addInfo(`Existing interface endpoints used, not created: ${existingServices}.`);
      if (this.perimeter.enabled) {
        Annotations.of(this).addWarningV2('cdk-sagemaker-egress:existingEndpointPolicies',
          `The data perimeter (${this.perimeter.name}) covers only the endpoints the network creates: the existing endpoints for ${existingServices} keep their own policies, which the library does not see. ` +
          'Give them a policy that allows only principals and resources of your perimeter (aws:PrincipalAccount/aws:ResourceAccount or aws:PrincipalOrgID/aws:ResourceOrgID), or let the network create them.');
      }
    }

    this.node.addValidation({ validate: () => this.validateEndpointGroupRules() });
  }

  /** The interface endpoints of the network: created, or existing ones it was given. */
  public get interfaceEndpoints(): ec2.IInterfaceVpcEndpoint[] {
    return [...this.endpoints.values()];
  }

  /** Adds the interface endpoints of a set; endpoints already present are reused. */
  public addEndpointSet(set: EndpointSet): void {
    for (const service of set.services) {
      this.addInterfaceEndpoint(`${endpointIdOf(service.shortName)}Endpoint`, { service });
    }
  }

  /**
   * Adds an interface endpoint with private DNS in the workload subnets, behind the endpoint security
   * group. Idempotent per service: returns the endpoint already there (created or existing).
   *
   * @param id construct id of the endpoint (used only when one is created)
   */
  public addInterfaceEndpoint(id: string, options: WorkloadInterfaceEndpointOptions): ec2.IInterfaceVpcEndpoint {
    validateEndpointService('service', options.service);
    const existing = this.endpoints.get(options.service.name);
    if (existing) {
      if (options.policyStatements) {
        invalid('policyStatements', 'be given only when the endpoint is created (the network already has one for this service, with its policy)',
          serviceLabel(options.service), 'use allowedResourceArns to let principals of the perimeter reach more resources, or create the network with endpointSets that leave the service out and add the endpoint first');
      }
      const ours = this.perimeterEndpoints.get(options.service.name);
      if (ours && options.allowedResourceArns?.length) {
        ours.endpoint.addToPolicy(allowedResourcesStatement(principalCondition(this, this.perimeter), ours.actions, options.allowedResourceArns));
      }
      return existing;
    }
    const endpoint = new ec2.InterfaceVpcEndpoint(this, id, {
      vpc: this.vpc,
      service: options.service,
      subnets: this.endpointSubnets,
      securityGroups: [this.endpointSecurityGroup],
      privateDnsEnabled: true,
      // Do not open the endpoint to the whole VPC CIDR: workloads are registered one by one.
      open: false,
    });
    if (options.policyStatements) {
      if (options.policyStatements.length === 0) {
        invalid('policyStatements', 'hold at least one statement', [], 'leave policyStatements unset for the perimeter\'s policy');
      }
      for (const statement of options.policyStatements) endpoint.addToPolicy(statement);
    } else if (this.perimeter.enabled) {
      const statements = endpointPolicyStatements(this, options.service, this.perimeter, options.allowedResourceArns);
      for (const statement of statements) endpoint.addToPolicy(statement);
      this.perimeterEndpoints.set(options.service.name, { endpoint, actions: endpointActions(options.service) });
    }
    this.endpoints.set(options.service.name, endpoint);
    return endpoint;
  }

  /**
   * Registers a workload: HTTPS to the interface endpoints (and they accept it) and to S3 the way the S3
   * endpoint needs. Idempotent: a security group registered before gets no second rule.
   */
  public allowWorkload(workload: ec2.IConnectable): void {
    const groups = workload.connections.securityGroups;
    const fresh = groups.filter((group) => !this.registeredGroups.has(group.node.path));
    if (fresh.length === 0 && groups.length > 0) return;
    for (const group of fresh) this.registeredGroups.add(group.node.path);
    // Only the groups not registered yet: aws-cdk-lib de-duplicates rules by peer, but the S3 prefix
    // list id is a deploy-time token, so a second registration would write a second, identical rule
    // that EC2 rejects as a duplicate.
    const target = groups.length === 0 ? workload : new ec2.Connections({ securityGroups: fresh });
    // Rules are declared from the workload's side so that a workload in another stack than the VPC puts
    // both rules in its own stack (no cross-stack cycle).
    target.connections.allowTo(this, ec2.Port.tcp(443), 'HTTPS between a registered workload and the interface endpoints');
    for (const endpoint of this.existingEndpoints) {
      target.connections.allowTo(endpoint, ec2.Port.tcp(443), 'HTTPS between a registered workload and an existing interface endpoint');
    }
    this.s3Endpoint.allowWorkload(target);
  }

  /**
   * Lets HTTPS to the entries of a prefix list through the tightened NACLs (workload and NAT subnets),
   * keeping them current at deploy time and on a schedule. Does nothing (an empty dependency) when the
   * NACLs are not tightened, and warns when the workload subnets have no route to the internet.
   *
   * @param scope where the synchronisation is created (the consumer's stack)
   * @param id its construct id
   * @returns what a resource needing the entries in place should depend on
   */
  public addNaclDestination(scope: Construct, id: string, options: NaclDestinationOptions): IDependable {
    if (!this.naclTightening.enabled) return new DependencyGroup();
    if (!this.hasInternetRoute) {
      Annotations.of(scope).addWarningV2('cdk-sagemaker-egress:naclDestinationWithoutInternet',
        `${options.description} is an internet destination, but the workload subnets have no route to the internet (InternetEgress.none()): nothing reaches it, and the NACLs are left as they are.`);
      return new DependencyGroup();
    }
    const acls = [this.workloadNetworkAcl!, ...this.natNetworkAcl ? [this.natNetworkAcl] : []];
    const sync = this.createNaclSync(id, acls, options, scope,
      blockFor(`${scope.node.path}/${id}`, this.naclDestinations.map((d) => d.ruleNumberBase)));
    if (Stack.of(scope) === Stack.of(this)) {
      // Two synchronisations writing one NACL at once would each count the quota on its own snapshot.
      if (this.s3RangesSync) sync.node.addDependency(this.s3RangesSync);
      // Subnets switch to the tightened NACLs only with these entries in place. (A consumer in another
      // stack deploys after the VPC's stack, so the switch happens first there: see the README.)
      for (const acl of acls) {
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
        'They are counted exactly at deploy time, after aggregation, and if they do not fit, the first deployment fails and a later one keeps the working entries and raises the alarm. Raise the "Rules per network ACL" quota and maxEntriesPerDirection (up to 40), use S3EndpointKind.INTERFACE, or lower the prefix list\'s maxEntries.');
    }
    const advice = this.s3Endpoint.usesGatewayEndpoint
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

/** The VPC's isolated subnets, else its private ones (never public ones). */
function defaultWorkloadSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return vpc.isolatedSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
}

/** `sts` for an AWS service, else the endpoint service name. */
function serviceLabel(service: ec2.IInterfaceVpcEndpointService): string {
  return service instanceof ec2.InterfaceVpcEndpointAwsService ? service.shortName : service.name;
}

/** 'sagemaker.api' -> 'SagemakerApi' */
function endpointIdOf(shortName: string): string {
  return shortName.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1)).join('');
}

/**
 * The VPC's CIDR for the tightened NACLs: the literal block where the template states it (a VPC of this
 * app), else the VPC's attribute (a literal for `fromLookup()`, whatever was given to `fromVpcAttributes()`).
 */
function cidrOf(vpc: ec2.IVpc): string {
  const cfn = vpc.node.defaultChild;
  if (cfn instanceof ec2.CfnVPC && typeof cfn.cidrBlock === 'string' && !Token.isUnresolved(cfn.cidrBlock)) return cfn.cidrBlock;
  try {
    return vpc.vpcCidrBlock;
  } catch {
    return invalid('vpc', 'carry its CIDR block for tightened NACLs (they allow the VPC CIDR)', vpc.node.path,
      'pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes(), or use ec2.Vpc.fromLookup()');
  }
}
