/** What one step of a path is. */
export enum EgressHopKind {
  /** An egress rule of the workload's security groups. */
  SECURITY_GROUP_EGRESS = 'SECURITY_GROUP_EGRESS',
  /** An ingress rule of the security groups of the destination (an interface endpoint). */
  SECURITY_GROUP_INGRESS = 'SECURITY_GROUP_INGRESS',
  /** A NACL rule for traffic leaving a subnet. */
  NETWORK_ACL_OUTBOUND = 'NETWORK_ACL_OUTBOUND',
  /** A NACL rule for traffic entering a subnet. */
  NETWORK_ACL_INBOUND = 'NETWORK_ACL_INBOUND',
  /** A NACL rule for the reply leaving the destination's (or NAT gateway's) subnet: NACLs are stateless. */
  NETWORK_ACL_RETURN_OUTBOUND = 'NETWORK_ACL_RETURN_OUTBOUND',
  /** A NACL rule for the reply entering a subnet, on the client's ephemeral ports: NACLs are stateless. */
  NETWORK_ACL_RETURN_INBOUND = 'NETWORK_ACL_RETURN_INBOUND',
  /** The route a route table selects (or the lack of one). */
  ROUTE = 'ROUTE',
  /** A NAT gateway. */
  NAT_GATEWAY = 'NAT_GATEWAY',
  /** An internet gateway. */
  INTERNET_GATEWAY = 'INTERNET_GATEWAY',
  /** A gateway VPC endpoint (S3, DynamoDB). */
  GATEWAY_ENDPOINT = 'GATEWAY_ENDPOINT',
  /** An interface VPC endpoint the service's name resolves to (private DNS). */
  INTERFACE_ENDPOINT = 'INTERFACE_ENDPOINT',
  /**
   * The policy of the VPC endpoint (interface or gateway) the path goes through, for a service used
   * with another account's credentials or on another account's resources (`EgressDestination.otherAccount`).
   */
  ENDPOINT_POLICY = 'ENDPOINT_POLICY',
  /** The Amazon-provided DNS resolver, which security groups and NACLs do not filter. */
  AMAZON_DNS = 'AMAZON_DNS',
  /** Network access SageMaker provides outside the VPC (notebook direct internet access, Studio PublicInternetOnly). */
  SAGEMAKER_MANAGED_NETWORK = 'SAGEMAKER_MANAGED_NETWORK',
  /** The destination itself. */
  DESTINATION = 'DESTINATION',
}

/** The answer to one question. */
export enum EgressOutcome {
  /** Reachable from every subnet of the workload, on every address the destination's name resolves to. */
  REACHABLE = 'REACHABLE',
  /** Reachable from none. */
  BLOCKED = 'BLOCKED',
  /** Reachable from some subnets or on some of the destination's addresses only: intermittent in practice. */
  PARTIAL = 'PARTIAL',
  /** A component on the way is not in the template (an imported security group, a transit gateway route...). */
  UNKNOWN = 'UNKNOWN',
}

/** One step of a path: which component, which rule, and whether it lets the traffic through. */
export interface EgressHop {
  /** What the step is. */
  readonly kind: EgressHopKind;
  /** The logical id of the component (security group, NACL, route table, gateway, endpoint, workload). */
  readonly component: string;
  /**
   * What decides at this step: for a NACL `rule 100` (or the rules that allowed, e.g. `rule 100, rule 200`)
   * or `*` (the default deny); for a security group the logical id of the rule resource (or
   * `<group> egress rule 2` for an inline rule); for a route its logical id or `local`; for an endpoint
   * policy the statement (its Sid, or `Statement[i]`) that allows or denies; `set aside` when
   * security groups are ignored; `-` when nothing more specific applies.
   */
  readonly rule: string;
  /** Whether the traffic passes; false also for a step whose rules are unknown. */
  readonly allowed: boolean;
  /** Whether the step's rules are known from the template. */
  readonly known: boolean;
  /** A sentence a reviewer can read. */
  readonly detail: string;
}

/** The analyzer's answer for one workload and one destination. */
export interface EgressVerdict {
  /** The workload asked about. */
  readonly source: string;
  /** The destination asked about. */
  readonly destination: string;
  /** The answer. */
  readonly outcome: EgressOutcome;
  /** True only when `outcome` is REACHABLE. */
  readonly reachable: boolean;
  /**
   * The hop-by-hop path: the path that gets through when reachable, otherwise the one that is blocked,
   * ending at the blocking step.
   */
  readonly path: EgressHop[];
  /** The step that blocks the traffic (absent when reachable). */
  readonly blockedBy?: EgressHop;
  /** Assumptions the answer rests on, e.g. that an address is not among a host name's addresses. */
  readonly notes: string[];
}
