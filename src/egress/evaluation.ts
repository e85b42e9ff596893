/**
 * Follows one packet from a workload to a destination through the model, hop by hop, the way VPC
 * networking treats it: security group egress (stateful), the source subnet's NACL outbound, the route
 * the source subnet's route table selects, then the NAT gateway, internet gateway, gateway endpoint or
 * interface endpoint, and for every NACL crossed on the way the stateless return rule on ephemeral ports.
 */
import { EgressHop, EgressHopKind, EgressOutcome } from './egress-verdict';
import { UNKNOWN_VPC } from './parsers/imported';
import { AclRule, coverage, evaluateAcl, PortSpan, prefixLength, PROTOCOL_ALL, PROTOCOL_TCP, PROTOCOL_UDP, selectRoute } from './rules';
import { AclPeer, AddressSet, EndpointPolicyModel, InterfaceEndpointModel, NetworkModel, RouteModel, SgPeer, SgRule, SubnetModel } from './template-model';
import { THIS_REGION } from '../private/cfn-values';

/**
 * Ephemeral ports of the client (Amazon Linux, so SageMaker notebooks and apps), from the VPC user
 * guide's "Ephemeral ports" section: "Many Linux kernels (including the Amazon Linux kernel) use ports 32768-61000".
 */
export const CLIENT_EPHEMERAL_PORTS: PortSpan = { from: 32768, to: 61000 };
/** Source ports a NAT gateway translates to: "A NAT gateway uses ports 1024-65535" (same section). */
export const NAT_GATEWAY_PORTS: PortSpan = { from: 1024, to: 65535 };

/** An address as the analyzer knows it: a concrete range, or a symbolic public address in named sets. */
export interface Address {
  /** The concrete range (a /32, or a subnet's CIDR for a workload or an endpoint's network interface). */
  readonly cidr?: string;
  /** Set membership of a symbolic public address: `aws:s3:<region>`, `host:pypi.org`, `internet`, `eip`. */
  readonly tags: string[];
  readonly label: string;
  /** For an address of the VPC whose own CIDR is known only at deploy time: the VPC's CIDRs it lies within. */
  readonly within?: string[];
  /** The CIDRs a symbolic address is one of, when the analyzer was told them: each is checked as its own path. */
  readonly ranges?: string[];
}

/** Whether a rule matches: yes, no, or maybe (a value known only at deploy time, or a partial CIDR). */
type Match = boolean | 'maybe';

/** What a destination resolves to, before routing. */
export type DestinationSpec =
  | { readonly kind: 'address'; readonly address: Address; readonly protocol: number; readonly port: number }
  | {
    readonly kind: 'service';
    readonly service: string;
    readonly region: string;
    readonly protocol: number;
    readonly port: number;
    /** The service used with another account's credentials or on its resources: endpoint policies decide too. */
    readonly otherAccount?: boolean;
  }
  | { readonly kind: 'dns' };

/** The workload side of a question. */
export interface SourceSpec {
  readonly label: string;
  readonly securityGroups: string[];
  readonly subnets: string[];
  readonly managedInternet?: string;
  /** Why whether SageMaker's own network gives it internet access is known only at deploy time. */
  readonly managedInternetUnknown?: string;
}

/** One evaluated path. */
export interface PathResult {
  readonly outcome: EgressOutcome.REACHABLE | EgressOutcome.BLOCKED | EgressOutcome.UNKNOWN;
  readonly hops: EgressHop[];
  readonly blockedBy?: EgressHop;
}

/** All paths of a question, and the assumptions made on the way. */
export interface Evaluation {
  readonly paths: PathResult[];
  readonly notes: string[];
}

/** Tag of an address inside the VPC whose CIDR is known only at deploy time. */
const IN_VPC = 'in-vpc';
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];
const AMAZON_DNS_ADDRESS = '169.254.169.253';
const UNFILTERED_LINK_LOCAL: Record<string, string> = {
  '169.254.169.254': 'the instance metadata service',
  '169.254.169.123': 'the Amazon Time Sync Service',
};

function protocolName(protocol: number): string {
  return protocol === PROTOCOL_TCP ? 'tcp' : protocol === PROTOCOL_UDP ? 'udp' : protocol === PROTOCOL_ALL ? 'all' : `protocol ${protocol}`;
}

function portsText(ports: PortSpan): string {
  return ports.from === ports.to ? `${ports.from}` : `${ports.from}-${ports.to}`;
}

export class Evaluator {
  private readonly notes = new Set<string>();

  /** @param s3Ranges the region's S3 CIDRs, when known: rules that name them by CIDR then match S3. */
  constructor(private readonly model: NetworkModel, private readonly s3Ranges: string[] = [], private readonly ignoreSecurityGroups = false) {}

  public evaluate(source: SourceSpec, destination: DestinationSpec): Evaluation {
    this.notes.clear();
    const paths: PathResult[] = [];
    if (source.managedInternet && destination.kind !== 'dns') {
      const target = this.publicTarget(destination);
      if (target) {
        const hop = this.hop(EgressHopKind.SAGEMAKER_MANAGED_NETWORK, source.label, '-', true, source.managedInternet);
        paths.push({ outcome: EgressOutcome.REACHABLE, hops: [hop, this.reached(target.label)] });
      }
    }
    if (source.managedInternetUnknown && destination.kind !== 'dns' && this.publicTarget(destination)) {
      const hop = this.hop(EgressHopKind.SAGEMAKER_MANAGED_NETWORK, source.label, '-', false,
        `${source.managedInternetUnknown}: SageMaker may give it internet access through a VPC it manages`, false);
      paths.push({ outcome: EgressOutcome.UNKNOWN, hops: [hop], blockedBy: hop });
    }
    if (source.subnets.length === 0 && paths.length === 0) {
      const hop = this.hop(EgressHopKind.ROUTE, source.label, '-', false, `${source.label} is not in a subnet of this template`, false);
      paths.push({ outcome: EgressOutcome.UNKNOWN, hops: [hop], blockedBy: hop });
    }
    for (const subnetKey of source.subnets) {
      // A subnet the template does not define (nor the caller describe) is walked like any other, with
      // its VPC, route table and NACL unknown: a step before them that surely blocks still decides.
      const subnet = this.model.subnets.get(subnetKey) ?? undefinedSubnet(subnetKey);
      // A workload launched without security groups gets the VPC's default group.
      const withGroups = source.securityGroups.length > 0 ? source : { ...source, securityGroups: [`${subnet.vpc}.DefaultSecurityGroup`] };
      paths.push(...this.fromSubnet(withGroups, subnet, destination));
    }
    const decided = destination.kind === 'service' && destination.otherAccount ? paths.map((p) => this.throughEndpointPolicy(p)) : paths;
    return { paths: decided, notes: [...this.notes] };
  }

  // ---------------------------------------------------------------------------------------------
  // The API layer

  /**
   * A path to a service, used with another account's credentials or on its resources: where it goes
   * through a VPC endpoint, the endpoint's policy decides too. A path the network blocks stays blocked;
   * one whose network is unknown becomes BLOCKED when the policy surely refuses; the public endpoint (a
   * NAT gateway, SageMaker's own network) has no endpoint policy.
   */
  private throughEndpointPolicy(path: PathResult): PathResult {
    if (path.outcome === EgressOutcome.BLOCKED) return path;
    const endpointKinds = [EgressHopKind.INTERFACE_ENDPOINT, EgressHopKind.GATEWAY_ENDPOINT];
    const endpointHop = path.hops.find((h) => endpointKinds.includes(h.kind) && h.allowed);
    if (!endpointHop) {
      if (path.outcome === EgressOutcome.REACHABLE) {
        this.notes.add('The service is reached through its public endpoint, where no VPC endpoint policy applies: another account\'s credentials and resources are usable');
      }
      return path;
    }
    const policy = this.model.endpointPolicies.get(endpointHop.component) ?? this.model.endpointPolicies.get(`external:${endpointHop.component}`);
    const { hop, open } = this.endpointPolicyHop(endpointHop.component, policy);
    const before = path.hops[path.hops.length - 1]?.kind === EgressHopKind.DESTINATION ? path.hops.slice(0, -1) : path.hops;
    if (open === false) return { outcome: EgressOutcome.BLOCKED, hops: [...before, hop], blockedBy: hop };
    if (path.outcome === EgressOutcome.UNKNOWN) return path;
    if (open === 'maybe') return { outcome: EgressOutcome.UNKNOWN, hops: [...before, hop], blockedBy: hop };
    return { outcome: EgressOutcome.REACHABLE, hops: [...before, hop, ...path.hops.slice(before.length)] };
  }

  private endpointPolicyHop(id: string, policy: EndpointPolicyModel | undefined): { hop: EgressHop; open: boolean | 'maybe' } {
    if (!policy) {
      return {
        open: 'maybe',
        hop: this.hop(EgressHopKind.ENDPOINT_POLICY, id, '-', false, `endpoint ${id} is not defined in this template: its policy is unknown`, false),
      };
    }
    const access = policy.access;
    access.notes.forEach((n) => this.notes.add(`Endpoint ${id}: ${n}`));
    const decisions = [access.principals, access.resources];
    if (access.policy === 'absent') {
      return {
        open: true,
        hop: this.hop(EgressHopKind.ENDPOINT_POLICY, id, '-', true,
          `endpoint ${id} has no policy: AWS's default policy allows any principal and any resource, so another account's credentials and resources are usable through it`),
      };
    }
    const open = decisions.filter((d) => d.open === true);
    if (open.length > 0) {
      return {
        open: true,
        hop: this.hop(EgressHopKind.ENDPOINT_POLICY, id, open[0].statement ?? '-', true,
          `the policy of endpoint ${id} lets another account through: ${open.map((d) => d.detail).join('; ')}`),
      };
    }
    const maybe = decisions.find((d) => d.open === 'maybe');
    if (maybe) {
      return {
        open: 'maybe',
        hop: this.hop(EgressHopKind.ENDPOINT_POLICY, id, maybe.statement ?? '-', false,
          `whether the policy of endpoint ${id} lets another account through is known only at deploy time: ${maybe.detail}`, false),
      };
    }
    const unlimited = access.unlimitedPrincipalStatements;
    const deny = decisions.find((d) => d.statement);
    return {
      open: false,
      hop: this.hop(EgressHopKind.ENDPOINT_POLICY, id, deny?.statement ?? '-', false,
        `the policy of endpoint ${id} refuses another account: ${decisions.map((d) => d.detail).join('; ')}` +
        (unlimited.length > 0
          ? `; principals are not limited: ${unlimited.join(', ')} admit${unlimited.length === 1 ? 's' : ''} a principal of any account (to this account's resources or the resources named)`
          : '')),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Destinations

  /** The public address of a destination, when it has one (for SageMaker's own network). */
  private publicTarget(destination: DestinationSpec): Address | undefined {
    if (destination.kind === 'service') return this.servicePublicAddress(destination.service, destination.region);
    if (destination.kind === 'address' && !this.isPrivate(destination.address)) return destination.address;
    return undefined;
  }

  private servicePublicAddress(service: string, region: string): Address {
    const where = region === THIS_REGION ? 'this region' : region;
    const ranges = service === 's3' && region === THIS_REGION && this.s3Ranges.length > 0 ? this.s3Ranges : undefined;
    return { tags: [`aws:${service}:${region}`, 'aws-public-endpoint'], label: `the public endpoint of ${service} in ${where}`, ranges };
  }

  private isPrivate(address: Address): boolean {
    return address.cidr !== undefined && PRIVATE_RANGES.some((range) => coverage(range, address.cidr!) === 'all');
  }

  private fromSubnet(source: SourceSpec, subnet: SubnetModel, destination: DestinationSpec): PathResult[] {
    const vpc = this.model.vpcs.get(subnet.vpc);
    if (destination.kind === 'dns') return [this.amazonDns(subnet, vpc?.dnsSupport)];
    if (destination.kind === 'address' && destination.address.cidr) {
      const ip = destination.address.cidr.split('/')[0];
      const vpcBase = vpc?.cidrs[0] ? vpcPlusTwo(vpc.cidrs[0]) : undefined;
      if (ip === AMAZON_DNS_ADDRESS || ip === vpcBase) {
        if (destination.port === 53) return [this.amazonDns(subnet, vpc?.dnsSupport)];
      }
      if (UNFILTERED_LINK_LOCAL[ip]) {
        const hop = this.hop(EgressHopKind.DESTINATION, subnet.id, '-', true, `${UNFILTERED_LINK_LOCAL[ip]} (${ip}): security groups and network ACLs do not filter it`);
        return [{ outcome: EgressOutcome.REACHABLE, hops: [hop] }];
      }
    }
    if (destination.kind === 'service') {
      const endpoints = this.interfaceEndpointsFor(subnet, destination.service, destination.region);
      if (endpoints.length > 0) {
        return endpoints.flatMap((endpoint) => {
          if (endpoint.subnets.length === 0) {
            // Private DNS answers for the service with the endpoint's interfaces, and it has none.
            const hop = this.hop(EgressHopKind.INTERFACE_ENDPOINT, endpoint.id, 'SubnetIds', false,
              `interface endpoint ${endpoint.id} (${endpoint.service}) has no SubnetIds: private DNS resolves ${endpoint.service} to it, and it has no network interface`);
            return [{ outcome: EgressOutcome.BLOCKED, hops: [hop], blockedBy: hop }];
          }
          return endpoint.subnets.map((endpointSubnet) =>
            this.toInterfaceEndpoint(source, subnet, endpoint, endpointSubnet, destination.protocol, destination.port));
        });
      }
      const address = this.servicePublicAddress(destination.service, destination.region);
      // With its ranges known, S3 is any one of them: each must get through.
      const addresses = address.ranges ? address.ranges.map((cidr) => ({ ...address, cidr, label: `${address.label} (${cidr})` })) : [address];
      const results = addresses.map((a) => this.routed(source, subnet, a, destination.protocol, destination.port));
      return this.unlessUnknownEndpoint(source, subnet, destination.service, destination.protocol, destination.port, results);
    }
    return [this.routed(source, subnet, destination.address, destination.protocol, destination.port)];
  }

  /**
   * A service with no interface endpoint of a known service: an endpoint of the VPC whose service name
   * is known only at deploy may be this service's. Its path and the one without it must agree, else UNKNOWN.
   */
  private unlessUnknownEndpoint(source: SourceSpec, subnet: SubnetModel, service: string, protocol: number, port: number,
    results: PathResult[]): PathResult[] {
    const vpcUnknown = subnet.vpc === UNKNOWN_VPC;
    const maybe = this.model.interfaceEndpoints.filter((e) => e.serviceUnknown && e.privateDns && !e.privateDnsOnlyForInboundResolver
      && (e.vpc === undefined || e.vpc === subnet.vpc || vpcUnknown));
    if (maybe.length === 0) return results;
    const through = maybe.flatMap((e) => e.subnets.map((s) => this.toInterfaceEndpoint(source, subnet, { ...e, service }, s, protocol, port)));
    const outcomes = new Set([...results, ...through].map((p) => p.outcome));
    if (outcomes.size === 1) {
      maybe.forEach((e) => this.notes.add(`${e.serviceUnknown}: whether or not it is ${service}'s, the answer is the same`));
      return results;
    }
    const e = maybe[0];
    const hop = this.hop(EgressHopKind.INTERFACE_ENDPOINT, e.id, '-', false,
      `${e.serviceUnknown}: if it is ${service}'s, ${through[0].outcome}; if not, ${results[0]?.outcome ?? 'no path'}`, false);
    return [{ outcome: EgressOutcome.UNKNOWN, hops: [hop], blockedBy: hop }];
  }

  /**
   * Interface endpoints whose private DNS answers for the service inside the subnet's VPC: an endpoint
   * of that VPC, one in the subnet itself (hence in its VPC), or, when neither VPC is known, any.
   */
  private interfaceEndpointsFor(subnet: SubnetModel, service: string, region: string): InterfaceEndpointModel[] {
    if (region !== THIS_REGION) return [];
    const inSubnet = (e: InterfaceEndpointModel) => e.subnets.some((k) => k.replace(/^external:/, '') === subnet.id);
    const vpcUnknown = subnet.vpc === UNKNOWN_VPC;
    const candidates = this.model.interfaceEndpoints
      .filter((e) => e.service === service && (e.vpc === undefined || e.vpc === subnet.vpc || vpcUnknown || inSubnet(e)));
    for (const e of candidates.filter((c) => vpcUnknown && c.vpc !== undefined && !inSubnet(c))) {
      this.notes.add(`Assumed that ${subnet.id} is in ${e.vpc!.replace(/^external:/, '')}, the VPC of interface endpoint ${e.id} (the subnet's VPC is not known)`);
    }
    const used = candidates.filter((e) => e.privateDns && !e.privateDnsOnlyForInboundResolver);
    for (const e of candidates.filter((c) => !used.includes(c))) {
      this.notes.add(e.privateDns
        ? `Interface endpoint ${e.id} answers only the Resolver's inbound endpoints (PrivateDnsOnlyForInboundResolverEndpoint): clients in the VPC use the gateway endpoint`
        : `Interface endpoint ${e.id} has private DNS off: ${service}'s public name still resolves to its public addresses, so only clients that use the endpoint's own DNS name reach it`);
    }
    return used;
  }

  /** The Amazon-provided DNS resolver of the subnet's VPC; `dnsSupport` undefined: the VPC is not known. */
  private amazonDns(subnet: SubnetModel, dnsSupport: boolean | undefined): PathResult {
    if (dnsSupport === undefined) {
      const vpc = subnet.vpc === UNKNOWN_VPC ? `the VPC of ${subnet.id}` : `VPC ${subnet.vpc.replace(/^external:/, '')}`;
      const hop = this.hop(EgressHopKind.AMAZON_DNS, subnet.vpc === UNKNOWN_VPC ? subnet.id : subnet.vpc, 'EnableDnsSupport', false,
        `${vpc} is not defined in this template: whether its Amazon-provided DNS resolver is enabled (EnableDnsSupport) is unknown; describe it with the analyzer's importedVpcs option`, false);
      return { outcome: EgressOutcome.UNKNOWN, hops: [hop], blockedBy: hop };
    }
    const hop = this.hop(EgressHopKind.AMAZON_DNS, subnet.vpc, 'EnableDnsSupport', dnsSupport, dnsSupport
      ? 'the Amazon-provided DNS resolver (VPC+2, 169.254.169.253) answers any name; security groups and network ACLs do not filter this traffic'
      : 'EnableDnsSupport is false: the VPC has no Amazon-provided DNS resolver');
    return dnsSupport ? { outcome: EgressOutcome.REACHABLE, hops: [hop] } : { outcome: EgressOutcome.BLOCKED, hops: [hop], blockedBy: hop };
  }

  // ---------------------------------------------------------------------------------------------
  // Paths

  private toInterfaceEndpoint(
    source: SourceSpec, subnet: SubnetModel, endpoint: InterfaceEndpointModel, endpointSubnetKey: string, protocol: number, port: number,
  ): PathResult {
    const endpointSubnet = this.model.subnets.get(endpointSubnetKey);
    const address: Address = {
      cidr: endpointSubnet?.cidr,
      tags: endpointSubnet?.cidr ? [] : [IN_VPC],
      within: this.model.vpcs.get(subnet.vpc)?.cidrs,
      label: `interface endpoint ${endpoint.id} (${endpoint.service})${endpointSubnet ? ` in ${endpointSubnet.id}` : ''}`,
    };
    const groups = endpoint.securityGroups.length > 0 ? endpoint.securityGroups : [`${subnet.vpc}.DefaultSecurityGroup`];
    const path = new PathBuilder();
    path.add(this.hop(EgressHopKind.INTERFACE_ENDPOINT, endpoint.id, '-', true, `private DNS resolves ${endpoint.service} to the endpoint's network interfaces${endpointSubnet ? `, one in ${endpointSubnet.id}` : ''}`));
    if (!path.add(this.securityGroupEgress(source.securityGroups, address, groups, protocol, port))) return path.result();
    if (!endpointSubnet) {
      return path.unknown(this.hop(EgressHopKind.INTERFACE_ENDPOINT, endpoint.id, '-', false, `endpoint subnet ${endpointSubnetKey.replace(/^external:/, '')} is not defined in this template (describe it with the analyzer's importedSubnets option)`, false));
    }
    // The endpoint's interfaces are reached by the local route of one of the VPC's CIDRs, primary or secondary.
    // A route more specific than the local one (an inspection appliance) may take it; else the local route does.
    const selected = this.selectRoute(subnet, address);
    const local = selected === 'local' || (selected === undefined && endpointSubnet.vpc === subnet.vpc);
    const routeHop = local ? this.routeHop(subnet, address, 'local') : this.routeHop(subnet, address, selected);
    if (!path.add(routeHop)) return routeHop.known ? path.result() : path.unknown(routeHop);
    if (!local) {
      return path.unknown(this.hop(EgressHopKind.ROUTE, subnet.routeTable.id, '-', false, `a route other than the local one carries ${address.label}: the analyzer cannot follow it`, false));
    }
    this.crossSubnets(path, subnet, endpointSubnet, address, protocol, port);
    if (path.done) return path.result();
    if (!path.add(this.securityGroupIngress(groups, source.securityGroups, subnet, protocol, port))) return path.result();
    this.returnAcrossSubnets(path, subnet, endpointSubnet, address, protocol);
    if (path.done) return path.result();
    path.add(this.reached(address.label));
    return path.result();
  }

  /** A destination reached through the source subnet's route table. */
  private routed(source: SourceSpec, subnet: SubnetModel, address: Address, protocol: number, port: number): PathResult {
    const path = new PathBuilder();
    if (!path.add(this.securityGroupEgress(source.securityGroups, address, undefined, protocol, port))) return path.result();
    const selected = this.selectRoute(subnet, address);
    const routeHop = this.routeHop(subnet, address, selected);
    if (!path.add(routeHop)) return routeHop.known ? path.result() : path.unknown(routeHop);
    const target = typeof selected === 'string' ? { kind: 'local' as const } : selected!.target;
    switch (target.kind) {
      case 'local': {
        const destinationSubnet = [...this.model.subnets.values()].find((s) => s.vpc === subnet.vpc && s.cidr && address.cidr && coverage(s.cidr, address.cidr) === 'all');
        const vpc = this.model.vpcs.get(subnet.vpc);
        if (!destinationSubnet && (!vpc || vpc.imported)) {
          // The template (and the caller's description) need not show every subnet of an imported VPC.
          return path.unknown(this.hop(EgressHopKind.DESTINATION, subnet.vpc, '-', false,
            `${address.label} is in the VPC's range but in none of the subnets the template defines or the analyzer was told about: describe its subnet with importedSubnets`, false));
        }
        if (!destinationSubnet) {
          return path.blocked(this.hop(EgressHopKind.DESTINATION, subnet.vpc, '-', false, `${address.label} is in the VPC's range but in none of its subnets`));
        }
        this.crossSubnets(path, subnet, destinationSubnet, address, protocol, port);
        if (path.done) return path.result();
        this.notes.add(`${address.label} is a private address: the security group of whatever has that address is not known to the analyzer`);
        this.returnAcrossSubnets(path, subnet, destinationSubnet, address, protocol);
        if (path.done) return path.result();
        path.add(this.reached(`${address.label} (its own security group not evaluated)`));
        return path.result();
      }
      case 'gatewayEndpoint': {
        if (!path.add(this.acl(subnet, 'out', address, protocol, { from: port, to: port }, EgressHopKind.NETWORK_ACL_OUTBOUND))) return path.result();
        path.add(this.hop(EgressHopKind.GATEWAY_ENDPOINT, target.id, selected && typeof selected !== 'string' ? selected.id : '-', true,
          `gateway endpoint for ${target.service}: traffic stays on the AWS network (the endpoint policy decides which buckets or tables)`));
        if (!path.add(this.acl(subnet, 'in', address, protocol, CLIENT_EPHEMERAL_PORTS, EgressHopKind.NETWORK_ACL_RETURN_INBOUND))) return path.result();
        path.add(this.reached(address.label));
        return path.result();
      }
      case 'nat':
        return this.throughNat(path, subnet, target.id, address, protocol, port);
      case 'igw':
        return path.blocked(this.hop(EgressHopKind.INTERNET_GATEWAY, target.id, '-', false,
          'the workload has no public IPv4 address, and an internet gateway only forwards traffic from instances with one (route through a NAT gateway)'));
      case 'blackhole':
        // routeHop() has already stopped the path; kept for the type.
        return path.blocked(this.hop(EgressHopKind.ROUTE, target.id, '-', false, `the route to ${address.label} is a blackhole`));
      default:
        return path.unknown(this.hop(EgressHopKind.ROUTE, target.id, '-', false, `the route leads to ${target.what}: the analyzer cannot follow it`, false));
    }
  }

  private throughNat(path: PathBuilder, subnet: SubnetModel, natId: string, address: Address, protocol: number, port: number): PathResult {
    const nat = this.model.natGateways.get(natId);
    if (!nat) {
      // A NAT gateway of an imported route table: the traffic leaves the subnet, then is not followed.
      if (!path.add(this.acl(subnet, 'out', address, protocol, { from: port, to: port }, EgressHopKind.NETWORK_ACL_OUTBOUND))) return path.result();
      return path.unknown(this.hop(EgressHopKind.NAT_GATEWAY, natId, '-', false, `NAT gateway ${natId} is not defined in this template: its subnet, routes and NACLs are unknown`, false));
    }
    const natSubnet = nat.subnet ? this.model.subnets.get(nat.subnet) : undefined;
    if (!natSubnet) return path.unknown(this.hop(EgressHopKind.NAT_GATEWAY, natId, '-', false, `the subnet of NAT gateway ${natId} is not in this template`, false));
    if (natSubnet.id !== subnet.id) {
      if (!path.add(this.acl(subnet, 'out', address, protocol, { from: port, to: port }, EgressHopKind.NETWORK_ACL_OUTBOUND))) return path.result();
      if (!path.add(this.acl(natSubnet, 'in', this.subnetAddress(subnet), protocol, { from: port, to: port }, EgressHopKind.NETWORK_ACL_INBOUND))) return path.result();
    }
    if (!nat.publicAddress) {
      return path.blocked(this.hop(EgressHopKind.NAT_GATEWAY, natId, '-', false, `NAT gateway ${natId} is private (no Elastic IP): it cannot reach the internet`));
    }
    path.add(this.hop(EgressHopKind.NAT_GATEWAY, natId, '-', true, `NAT gateway ${natId} translates the source to its Elastic IP (ports ${portsText(NAT_GATEWAY_PORTS)})`));
    const selected = this.selectRoute(natSubnet, address);
    const routeHop = this.routeHop(natSubnet, address, selected);
    if (!path.add(routeHop)) return routeHop.known ? path.result() : path.unknown(routeHop);
    const target = typeof selected === 'string' ? { kind: 'local' as const } : selected!.target;
    if (target.kind === 'gatewayEndpoint') {
      // Unusual, but valid: the NAT subnet's own gateway endpoint route carries the translated traffic.
      path.add(this.hop(EgressHopKind.GATEWAY_ENDPOINT, target.id, '-', true, `gateway endpoint for ${target.service} from the NAT gateway's subnet`));
    } else if (target.kind !== 'igw') {
      return path.blocked(this.hop(EgressHopKind.ROUTE, natSubnet.routeTable.id, '-', false,
        `the NAT gateway's subnet routes ${address.label} to ${target.kind === 'unknown' ? target.what : target.kind}, not to an internet gateway`));
    } else {
      const igw = this.model.internetGateways.get(target.id)!;
      if (this.isPrivate(address)) {
        return path.blocked(this.hop(EgressHopKind.INTERNET_GATEWAY, igw.id, '-', false, `${address.label} is a private address: the internet does not route it`));
      }
      if (!path.add(this.acl(natSubnet, 'out', address, protocol, { from: port, to: port }, EgressHopKind.NETWORK_ACL_OUTBOUND))) return path.result();
      if (!igw.attachedTo.includes(natSubnet.vpc) && igw.attachmentUnknown) {
        return path.unknown(this.hop(EgressHopKind.INTERNET_GATEWAY, igw.id, '-', false, `whether internet gateway ${igw.id} is attached to ${natSubnet.vpc} is unknown: ${igw.attachmentUnknown}`, false));
      }
      if (!igw.attachedTo.includes(natSubnet.vpc)) {
        return path.blocked(this.hop(EgressHopKind.INTERNET_GATEWAY, igw.id, '-', false, `internet gateway ${igw.id} is not attached to ${natSubnet.vpc}`));
      }
      path.add(this.hop(EgressHopKind.INTERNET_GATEWAY, igw.id, '-', true, `internet gateway ${igw.id} forwards the NAT gateway's traffic to the internet`));
    }
    // Replies: into the NAT subnet on the NAT's ports, then back across to the client's ephemeral ports.
    if (!path.add(this.acl(natSubnet, 'in', address, protocol, NAT_GATEWAY_PORTS, EgressHopKind.NETWORK_ACL_RETURN_INBOUND))) return path.result();
    if (natSubnet.id !== subnet.id) {
      if (!path.add(this.acl(natSubnet, 'out', this.subnetAddress(subnet), protocol, CLIENT_EPHEMERAL_PORTS, EgressHopKind.NETWORK_ACL_RETURN_OUTBOUND))) return path.result();
      if (!path.add(this.acl(subnet, 'in', address, protocol, CLIENT_EPHEMERAL_PORTS, EgressHopKind.NETWORK_ACL_RETURN_INBOUND))) return path.result();
    }
    path.add(this.reached(address.label));
    return path.result();
  }

  /** NACLs apply where traffic leaves one subnet and enters another, "not as it is routed within a subnet". */
  private crossSubnets(path: PathBuilder, from: SubnetModel, to: SubnetModel, address: Address, protocol: number, port: number): void {
    if (from.id === to.id) return;
    if (!path.add(this.acl(from, 'out', address, protocol, { from: port, to: port }, EgressHopKind.NETWORK_ACL_OUTBOUND))) return;
    path.add(this.acl(to, 'in', this.subnetAddress(from), protocol, { from: port, to: port }, EgressHopKind.NETWORK_ACL_INBOUND));
  }

  private returnAcrossSubnets(path: PathBuilder, from: SubnetModel, to: SubnetModel, address: Address, protocol: number): void {
    if (from.id === to.id) return;
    if (!path.add(this.acl(to, 'out', this.subnetAddress(from), protocol, CLIENT_EPHEMERAL_PORTS, EgressHopKind.NETWORK_ACL_RETURN_OUTBOUND))) return;
    path.add(this.acl(from, 'in', address, protocol, CLIENT_EPHEMERAL_PORTS, EgressHopKind.NETWORK_ACL_RETURN_INBOUND));
  }

  // ---------------------------------------------------------------------------------------------
  // Components

  private subnetAddress(subnet: SubnetModel): Address {
    return {
      cidr: subnet.cidr,
      tags: subnet.cidr ? [] : [IN_VPC],
      within: this.model.vpcs.get(subnet.vpc)?.cidrs,
      label: `subnet ${subnet.id}${subnet.cidr ? ` (${subnet.cidr})` : ''}`,
    };
  }

  /**
   * Whether a CIDR covers `address`: yes, no, or 'maybe' when it covers only part of a range (the
   * answer then depends on which address the workload has). Symbolic public addresses are covered by
   * 0.0.0.0/0 only.
   */
  private cidrMatches(cidr: string, address: Address): Match {
    if (address.cidr) {
      const c = coverage(cidr, address.cidr);
      return c === 'all' ? true : c === 'part' ? 'maybe' : false;
    }
    if (prefixLength(cidr) === 0) return true;
    // An address of the VPC whose CIDR is known only at deploy time may or may not be in a narrower block.
    if (address.tags.includes(IN_VPC)) {
      const within = address.within ?? [];
      if (within.length > 0 && within.every((c) => coverage(cidr, c) === 'all')) return true;
      if (within.length > 0 && within.every((c) => coverage(cidr, c) === 'none')) return false;
      return 'maybe';
    }
    if (!PRIVATE_RANGES.some((range) => coverage(range, cidr) === 'all')) {
      this.notes.add(`Assumed that ${address.label} is outside ${cidr} (its addresses are not known offline)`);
    }
    return false;
  }

  private setMatches(set: AddressSet, address: Address): Match {
    if (address.tags.some((t) => set.memberTags.includes(t))) return true;
    if (address.cidr && set.cidrs.some((c) => coverage(c, address.cidr!) === 'all')) return true;
    // A prefix list defined outside the template may hold anything.
    if (set.opaque) return 'maybe';
    if (address.cidr && !this.isPrivate(address) && (set.memberTags.length > 0 || set.opaque)) {
      this.notes.add(`Assumed that ${address.label} is not among the ${set.label} (they are known only at deploy time)`);
    }
    return false;
  }

  private peerMatches(peer: SgPeer, address: Address, peerGroups: string[] | undefined): Match {
    switch (peer.kind) {
      case 'cidr': return this.cidrMatches(peer.cidr, address);
      case 'set': return this.setMatches(peer.set, address);
      case 'group': return peerGroups?.includes(peer.group) ?? false;
      case 'unknown': return 'maybe';
    }
  }

  /** The first rule that surely lets the traffic through, else one that might (its values are known only at deploy). */
  private firstRule(rules: SgRule[], protocol: number, port: number, peer: (rule: SgRule) => Match): { sure?: SgRule; maybe?: SgRule } {
    let maybe: SgRule | undefined;
    for (const rule of rules) {
      if (!ruleCovers(rule.protocol, rule.ports, protocol, port)) continue;
      const match = peer(rule);
      if (match === true && !rule.uncertain) return { sure: rule };
      if (match !== false && !maybe) maybe = rule;
    }
    return { maybe };
  }

  private uncertainty(rule: SgRule, address: string): string {
    if (rule.uncertain) return `${rule.id} might allow it: ${rule.uncertain}`;
    if (rule.peer.kind === 'unknown') return `${rule.id} might allow it: ${rule.peer.what}`;
    if (rule.peer.kind === 'set' && rule.peer.set.opaque) return `${rule.id} might allow it: the entries of ${rule.peer.set.label} are unknown`;
    return `${rule.id} covers only part of ${address}: the answer depends on the workload's address`;
  }

  private securityGroupEgress(
    sourceGroups: string[], address: Address, destinationGroups: string[] | undefined, protocol: number, port: number,
  ): EgressHop {
    return this.securityGroupRules(EgressHopKind.SECURITY_GROUP_EGRESS, sourceGroups, address, destinationGroups, protocol, port,
      `${protocolName(protocol)}/${port} to ${address.label}`, 'the workload has no security group in the template');
  }

  private securityGroupIngress(
    destinationGroups: string[], sourceGroups: string[], sourceSubnet: SubnetModel, protocol: number, port: number,
  ): EgressHop {
    const from = this.subnetAddress(sourceSubnet);
    return this.securityGroupRules(EgressHopKind.SECURITY_GROUP_INGRESS, destinationGroups, from, sourceGroups, protocol, port,
      `${protocolName(protocol)}/${port} from the workload's security groups or ${from.label}`);
  }

  /**
   * Whether one of `groupKeys` has a rule (egress or ingress, by `kind`) for the traffic: the first rule
   * that surely allows it, else one that might (values known only at deploy time), else none.
   */
  private securityGroupRules(
    kind: EgressHopKind, groupKeys: string[], peer: Address, peerGroups: string[] | undefined,
    protocol: number, port: number, what: string, noGroups?: string,
  ): EgressHop {
    const direction = kind === EgressHopKind.SECURITY_GROUP_EGRESS ? 'egress' : 'ingress';
    if (this.ignoreSecurityGroups) return this.hop(kind, groupKeys.join(', '), 'set aside', true, `security groups set aside: ${what} assumed allowed`);
    const groups = groupKeys.map((k) => this.model.securityGroups.get(k) ?? k);
    let maybe: { group: string; rule: SgRule } | undefined;
    for (const group of groups) {
      if (typeof group === 'string') continue;
      const found = this.firstRule(direction === 'egress' ? group.egress : group.ingress, protocol, port, (r) => this.peerMatches(r.peer, peer, peerGroups));
      const rule = found.sure;
      if (rule) return this.hop(kind, group.id, rule.id, true, `${rule.id} allows ${what}${rule.description ? ` ("${rule.description}")` : ''}`);
      if (found.maybe && !maybe) maybe = { group: group.id, rule: found.maybe };
    }
    if (maybe) return this.hop(kind, maybe.group, maybe.rule.id, false, this.uncertainty(maybe.rule, peer.label), false);
    const unknown = groups.find((g): g is string => typeof g === 'string');
    if (unknown) {
      return this.hop(kind, unknown, '-', false, `security group ${unknown.replace(/^external:/, '')} is not defined in this template: its ${direction} rules are unknown`, false);
    }
    if (groups.length === 0 && noGroups) return this.hop(kind, '-', '-', false, noGroups, false);
    return this.hop(kind, groupKeys.join(', '), '-', false, `no ${direction} rule of ${groupKeys.join(', ')} allows ${what}`);
  }

  private acl(subnet: SubnetModel, direction: 'in' | 'out', peer: Address, protocol: number, ports: PortSpan, kind: EgressHopKind): EgressHop {
    const acl = subnet.acl;
    if (acl.opaque) return this.hop(kind, acl.id, '-', false, `${acl.label} on ${subnet.id}: its entries are unknown`, false);
    const rules = direction === 'out' ? acl.outbound : acl.inbound;
    const match = (rule: AclRule<AclPeer>): Match => {
      if (rule.data.unknown) return 'maybe';
      return rule.data.set ? this.setMatches(rule.data.set, peer) : this.cidrMatches(rule.data.cidr!, peer);
    };
    const way = direction === 'out' ? `to ${peer.label}` : `from ${peer.label}`;
    // Entries whose match (or action) is uncertain are tried in every combination: the answer is
    // known only if all combinations agree.
    const uncertain = rules.filter((r) => match(r) === 'maybe' || (r.data.actionUnknown && match(r) === true)).sort((a, b) => a.ruleNumber - b.ruleNumber);
    // The ways an uncertain entry may turn out: absent (it does not match), or matching as allow or deny.
    const choices = (r: AclRule<AclPeer>): Array<AclRule<AclPeer> | undefined> => {
      const as = r.data.actionUnknown ? [{ ...r, allow: true }, { ...r, allow: false }] : [r];
      return match(r) === 'maybe' ? [undefined, ...as] : as;
    };
    const combinations = uncertain.reduce((n, r) => n * choices(r).length, 1);
    let decision = evaluateAcl(rules, protocol, ports, (rule) => match(rule) === true && !rule.data.actionUnknown);
    let agree = combinations <= 4096;
    for (let c = 0; agree && c < combinations; c++) {
      let rest = c;
      const variant = new Map<AclRule<AclPeer>, AclRule<AclPeer> | undefined>();
      for (const r of uncertain) {
        const options = choices(r);
        variant.set(r, options[rest % options.length]);
        rest = Math.floor(rest / options.length);
      }
      const variantRules = rules.map((r) => (variant.has(r) ? variant.get(r) : r)).filter((r): r is AclRule<AclPeer> => r !== undefined);
      const outcome = evaluateAcl(variantRules, protocol, ports, (rule) => match(rule) !== false);
      if (c === 0) decision = outcome;
      else if (outcome.allowed !== decision.allowed) agree = false;
    }
    if (!agree) {
      const first = uncertain[0];
      const why = first.data.unknown ?? (match(first) === 'maybe'
        ? `its CIDR ${first.data.cidr} covers only part of ${peer.label}, so the answer depends on the address`
        : 'its action (allow or deny) is resolved only at deploy time');
      return this.hop(kind, acl.id, uncertain.map((r) => `rule ${r.ruleNumber}`).join(', '), false,
        `${acl.label} on ${subnet.id}: whether ${protocolName(protocol)} ${portsText(ports)} ${way} passes depends on ` +
        `${uncertain.map((r) => `rule ${r.ruleNumber} (${r.data.entryId})`).join(', ')}: ${why}`, false);
    }
    const what = `${protocolName(protocol)} ${portsText(ports)} ${way}`;
    const where = `${acl.label} on ${subnet.id}`;
    if (decision.allowed) {
      const rulesUsed = decision.allowedBy.map((r) => `rule ${r.ruleNumber}`).join(', ');
      return this.hop(kind, acl.id, rulesUsed, true, `${where}: ${rulesUsed} (${decision.allowedBy.map((r) => r.data.entryId).join(', ')}) allow ${what}`);
    }
    const ports_ = (decision.deniedPorts ?? []).map(portsText).join(', ');
    if (decision.deniedBy) {
      return this.hop(kind, acl.id, `rule ${decision.deniedBy.ruleNumber}`, false,
        `${where}: rule ${decision.deniedBy.ruleNumber} (${decision.deniedBy.data.entryId}) denies ${protocolName(protocol)} ${ports_} ${way}`);
    }
    return this.hop(kind, acl.id, '*', false, `${where}: no rule allows ${protocolName(protocol)} ${ports_} ${way}, so the default rule * denies it` +
      (kind === EgressHopKind.NETWORK_ACL_RETURN_INBOUND ? ' (NACLs are stateless: the reply needs its own inbound rule on the ephemeral ports)' : ''));
  }

  /** The route for `address`: 'local' for the VPC's own range, a route, or undefined for none. */
  private selectRoute(subnet: SubnetModel, address: Address): RouteModel | 'local' | undefined {
    const vpc = this.model.vpcs.get(subnet.vpc);
    const cidrRoutes = [
      ...(vpc?.cidrs ?? []).map((cidr) => ({ destination: cidr, data: 'local' as RouteModel | 'local' })),
      ...subnet.routeTable.routes.filter((r) => r.destinationCidr)
        .map((r) => ({ destination: r.destinationCidr!, data: (r.target.kind === 'local' ? 'local' : r) as RouteModel | 'local' })),
    ];
    let best: { data: RouteModel | 'local'; prefix: number } | undefined;
    if (address.cidr) {
      const chosen = selectRoute(cidrRoutes, address.cidr);
      if (chosen) best = { data: chosen.data, prefix: prefixLength(chosen.destination) };
    } else {
      const any = cidrRoutes.find((r) => prefixLength(r.destination) === 0);
      if (any) best = { data: any.data, prefix: 0 };
      if (address.tags.includes(IN_VPC)) {
        // An address of the VPC (its subnet's CIDR known only at deploy) is carried by the local route,
        // unless a route more specific than the VPC's CIDR takes it.
        const local = { data: 'local' as const, prefix: Math.max(1, ...(vpc?.cidrs ?? []).map(prefixLength)) };
        const narrower = cidrRoutes.filter((r) => r.data !== 'local' && prefixLength(r.destination) > local.prefix && this.cidrMatches(r.destination, address) !== false);
        narrower.forEach((r) => this.notes.add(`Assumed that ${address.label} is outside ${r.destination}, the destination of a route more specific than the local one`));
        best = local;
      }
      for (const r of cidrRoutes) if (prefixLength(r.destination) > 0) this.cidrMatches(r.destination, address);
    }
    for (const route of subnet.routeTable.routes.filter((r) => r.destinationSet)) {
      const set = route.destinationSet!;
      // A prefix list's entries compete by their own length; a symbolic member beats only 0.0.0.0/0.
      const hit = address.cidr ? set.cidrs.find((c) => coverage(c, address.cidr!) === 'all') : undefined;
      // An address known to be one of the set's ranges ranks by that range's own length.
      const member = address.tags.some((t) => set.memberTags.includes(t));
      const prefix = hit ? prefixLength(hit) : member ? (address.cidr ? prefixLength(address.cidr) : 1) : -1;
      if (prefix < 0 && address.cidr) this.setMatches(set, address);
      if (prefix >= 0 && (!best || prefix > best.prefix)) best = { data: route, prefix };
    }
    return best?.data;
  }

  private routeHop(subnet: SubnetModel, address: Address, selected: RouteModel | 'local' | undefined): EgressHop {
    const table = subnet.routeTable;
    if (table.isMain) this.notes.add(`${subnet.id} has no route table association: the VPC's main route table is assumed to hold only the local route`);
    if (selected === 'local') return this.hop(EgressHopKind.ROUTE, table.id, 'local', true, `${table.id}: the local route carries ${address.label} within the VPC`);
    const unknownRoute = table.routes.find((r) => r.destinationUnknown);
    if (unknownRoute) {
      // A route whose destination is known only at deploy (an on-premises range, an imported prefix list)
      // may take what only the default route would carry; a more specific known route is assumed to win.
      if (!selected || (selected.destinationCidr !== undefined && prefixLength(selected.destinationCidr) === 0)) {
        return this.hop(EgressHopKind.ROUTE, table.id, unknownRoute.id, false,
          `${table.id}: route ${unknownRoute.id} might take this traffic: its destination ${unknownRoute.destinationUnknown}`, false);
      }
      this.notes.add(`Assumed that route ${unknownRoute.id} (destination ${unknownRoute.destinationUnknown}) is less specific than ${selected.id} for ${address.label}`);
    }
    if (table.opaque) return this.hop(EgressHopKind.ROUTE, table.id, '-', false, table.why ?? `route table ${table.id} is not defined in this template: its routes are unknown`, false);
    if (!selected && table.routes.every((r) => !r.destinationUnknown) && !table.opaque) {
      return this.hop(EgressHopKind.ROUTE, table.id, '-', false, `${table.id} has no route to ${address.label}`);
    }
    if (!selected) return this.hop(EgressHopKind.ROUTE, table.id, '-', false, `${table.id} has no route to ${address.label}`);
    const to = selected.destinationCidr ?? selected.destinationSet!.label;
    const target = selected.target;
    if (selected.presenceUnknown) {
      return this.hop(EgressHopKind.ROUTE, table.id, selected.id, false, `${table.id}: route ${selected.id} (${to}) would carry ${address.label}, but whether the table has it is unknown: ${selected.presenceUnknown}`, false);
    }
    if (target.kind === 'blackhole') {
      return this.hop(EgressHopKind.ROUTE, table.id, selected.id, false, `${table.id}: route ${selected.id} (${to}) is a blackhole (its target ${target.id} is gone): the traffic is dropped`);
    }
    if (target.kind === 'unknown') return this.hop(EgressHopKind.ROUTE, table.id, selected.id, false, `${table.id}: route ${selected.id} (${to}) leads to ${target.what}`, false);
    if (target.kind === 'local') return this.hop(EgressHopKind.ROUTE, table.id, 'local', true, `${table.id}: the local route carries ${address.label} within the VPC`);
    return this.hop(EgressHopKind.ROUTE, table.id, selected.id, true, `${table.id}: route ${selected.id} (${to}) to ${target.kind === 'nat' ? 'NAT gateway' : target.kind === 'igw' ? 'internet gateway' : 'gateway endpoint'} ${target.id}`);
  }

  private reached(label: string): EgressHop {
    return this.hop(EgressHopKind.DESTINATION, label, '-', true, `reaches ${label}`);
  }

  private hop(kind: EgressHopKind, component: string, rule: string, allowed: boolean, detail: string, known = true): EgressHop {
    return { kind, component: component.replace(/^external:/, ''), rule, allowed, known, detail };
  }
}

/** A subnet the template names but does not define, and the caller did not describe: everything about it is unknown. */
function undefinedSubnet(key: string): SubnetModel {
  const id = key.replace(/^external:/, '');
  const hint = 'describe it with the analyzer\'s importedSubnets option';
  return {
    id,
    vpc: UNKNOWN_VPC,
    routeTable: { id: `route table of ${id}`, isMain: false, opaque: true, routes: [], why: `subnet ${id} is not defined in this template: its route table is unknown (${hint})` },
    acl: { id: `network ACL of ${id}`, label: `the network ACL of subnet ${id} (not defined in this template; ${hint})`, isDefault: false, opaque: true, outbound: [], inbound: [] },
  };
}

function ruleCovers(ruleProtocol: number, rulePorts: PortSpan | undefined, protocol: number, port: number): boolean {
  if (ruleProtocol !== PROTOCOL_ALL && ruleProtocol !== protocol) return false;
  return !rulePorts || (port >= rulePorts.from && port <= rulePorts.to);
}

function vpcPlusTwo(cidr: string): string {
  const octets = cidr.split('/')[0].split('.').map(Number);
  octets[3] += 2;
  return octets.join('.');
}

/** Steps whose rules may be uncertain without stopping the walk. */
const RULE_HOPS = [
  EgressHopKind.SECURITY_GROUP_EGRESS, EgressHopKind.SECURITY_GROUP_INGRESS, EgressHopKind.NETWORK_ACL_OUTBOUND,
  EgressHopKind.NETWORK_ACL_INBOUND, EgressHopKind.NETWORK_ACL_RETURN_OUTBOUND, EgressHopKind.NETWORK_ACL_RETURN_INBOUND,
];

/** Collects hops until one does not let the traffic through. */
class PathBuilder {
  public done = false;
  private readonly hops: EgressHop[] = [];
  private blockedBy?: EgressHop;
  private unknownAt?: EgressHop;

  /**
   * Adds a hop; false (and the path is finished) when it does not let the traffic through. A rule whose
   * answer is unknown (security group or NACL) does not finish the path: a later step that surely
   * blocks still makes the answer BLOCKED; otherwise it is UNKNOWN.
   */
  public add(hop: EgressHop): boolean {
    if (this.done) return false;
    this.hops.push(hop);
    if (hop.allowed) return true;
    if (!hop.known && RULE_HOPS.includes(hop.kind)) {
      this.unknownAt = this.unknownAt ?? hop;
      return true;
    }
    this.done = true;
    if (hop.known) this.blockedBy = hop;
    else this.unknownAt = this.unknownAt ?? hop;
    return false;
  }

  public blocked(hop: EgressHop): PathResult {
    this.add(hop);
    return this.result();
  }

  public unknown(hop: EgressHop): PathResult {
    if (!this.hops.includes(hop)) this.add(hop);
    return this.result();
  }

  public result(): PathResult {
    if (this.blockedBy) return { outcome: EgressOutcome.BLOCKED, hops: this.hops, blockedBy: this.blockedBy };
    if (this.unknownAt) return { outcome: EgressOutcome.UNKNOWN, hops: this.hops, blockedBy: this.unknownAt };
    return { outcome: EgressOutcome.REACHABLE, hops: this.hops };
  }
}
