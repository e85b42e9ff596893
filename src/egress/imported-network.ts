/**
 * A description of network resources the template only names by id (an imported VPC's subnets,
 * route tables and NACLs), given by the caller so that the analyzer can follow paths through them.
 */
/** A VPC the template names by id (`vpc-…`) but does not define. */
export interface EgressImportedVpc {
  /** The VPC's id, as the template names it, e.g. `vpc-0123456789abcdef0`. */
  readonly vpcId: string;

  /** The VPC's IPv4 CIDR blocks, primary and secondary: the local route of each of its route tables carries them. */
  readonly cidrBlocks: string[];

  /**
   * Whether the VPC's Amazon-provided DNS resolver is enabled (`EnableDnsSupport`).
   *
   * @default true
   */
  readonly dnsSupport?: boolean;
}

/** Where a route of an imported route table sends its traffic. */
export enum EgressRouteTarget {
  /** Within the VPC (the local route), for a VPC not described in `importedVpcs`. */
  LOCAL = 'LOCAL',
  /** An internet gateway: a SageMaker workload has no public IPv4 address, so this does not reach the internet. */
  INTERNET_GATEWAY = 'INTERNET_GATEWAY',
  /** A NAT gateway the template does not define: where it leads is not known (UNKNOWN past it). */
  NAT_GATEWAY = 'NAT_GATEWAY',
  /** A route whose target is gone: the traffic is dropped. */
  BLACKHOLE = 'BLACKHOLE',
  /** Anything else (transit gateway, peering connection, network interface, firewall endpoint…): the analyzer does not follow it (UNKNOWN). */
  OTHER = 'OTHER',
}

/** One route of an imported route table. */
export interface EgressImportedRoute {
  /** The destination CIDR, e.g. `0.0.0.0/0`. */
  readonly destinationCidr: string;

  /** Where the route sends the traffic. */
  readonly target: EgressRouteTarget;

  /**
   * The target's id (`nat-…`, `igw-…`, `tgw-…`), shown in verdicts.
   *
   * @default - the kind of target
   */
  readonly targetId?: string;
}

/** One entry of an imported network ACL, as `describe-network-acls` lists it. */
export interface EgressNetworkAclEntry {
  /** The rule number: entries are evaluated from the lowest. */
  readonly ruleNumber: number;
  /** True for an outbound entry, false for an inbound one. */
  readonly egress: boolean;
  /** True for allow, false for deny. */
  readonly allow: boolean;
  /** The IPv4 CIDR the entry applies to. */
  readonly cidr: string;

  /**
   * The IP protocol number: -1 (all), 6 (TCP), 17 (UDP), 1 (ICMP)…
   *
   * @default -1
   */
  readonly protocol?: number;

  /**
   * The first port of the range (TCP and UDP only).
   *
   * @default - every port
   */
  readonly fromPort?: number;

  /**
   * The last port of the range.
   *
   * @default - `fromPort`
   */
  readonly toPort?: number;
}

/** The network ACL of an imported subnet. */
export interface EgressImportedNetworkAcl {
  /**
   * The NACL's id (`acl-…`), shown in verdicts; entries the template adds to a NACL of this id join it.
   *
   * @default - named after the subnet
   */
  readonly networkAclId?: string;

  /** Its entries, both directions; the final `*` entry that denies what no entry matches is implied. */
  readonly entries: EgressNetworkAclEntry[];
}

/** A subnet the template names by id (`subnet-…`) but does not define, as the caller describes it. */
export interface EgressImportedSubnet {
  /** The subnet's id, as the template names it, e.g. `subnet-0123456789abcdef0`. */
  readonly subnetId: string;

  /** The subnet's IPv4 CIDR block. */
  readonly cidr: string;

  /**
   * The subnet's VPC.
   *
   * @default - the VPC of `importedVpcs` whose CIDR blocks contain `cidr`; with none, the VPC is unknown
   * (its DNS resolver and local route are then unknown unless the routes list a LOCAL one)
   */
  readonly vpcId?: string;

  /**
   * The id of the subnet's route table (`rtb-…`): routes the template adds to a table of this id
   * join it, such as the route of a gateway endpoint whose `RouteTableIds` name it.
   *
   * @default - not named: a gateway endpoint of the template on imported route tables may or may not
   * route from this subnet, so what it would carry is UNKNOWN
   */
  readonly routeTableId?: string;

  /**
   * The route table's routes besides the VPC's local route, which `importedVpcs` implies (list a
   * LOCAL route when the VPC is not described). An empty list is a table with the local route only.
   *
   * @default - unknown: every verdict that depends on a route from this subnet is UNKNOWN
   */
  readonly routes?: EgressImportedRoute[];

  /**
   * The subnet's network ACL. A NACL association in the template replaces it.
   *
   * @default - the VPC's default network ACL as EC2 creates it, which allows all traffic both ways
   */
  readonly networkAcl?: EgressImportedNetworkAcl;
}
