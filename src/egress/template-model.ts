/**
 * The network of a synthesized CloudFormation template, as the egress analyzer sees it: VPCs, subnets,
 * route tables, NACLs, security groups, endpoints, NAT and internet gateways, prefix lists, SageMaker
 * workloads, and this library's own address sets whose entries are filled at deploy time (modelled from
 * what they declare: which host names, which AWS prefix list, which NACLs).
 *
 * Values that are not references to this template (imported ids such as "sg-0abc") become external
 * objects whose rules are unknown; the evaluation reports them instead of guessing. The caller may
 * describe an imported VPC's subnets, route tables and NACLs (imported-network.ts), which then join.
 */
import type { EndpointPolicyFinding } from './endpoint-policy';
import { parseAddressSets } from './parsers/address-sets';
import { ParseContext } from './parsers/context';
import { parseDnsFirewalls } from './parsers/dns-firewall';
import { parseEndpointPolicies, parseEndpoints } from './parsers/endpoints';
import { describeImported, ImportedNetwork } from './parsers/imported';
import { parseNetworkAcls } from './parsers/nacls';
import { parseSubnets, parseVpcs } from './parsers/network';
import { parseGateways, parseRouteTables } from './parsers/routing';
import { parseSecurityGroups } from './parsers/security-groups';
import { parseWorkloads } from './parsers/workloads';
import { AclRule } from './rules';

export { SHARED_SPACES } from './parsers/workloads';

/** What a symbolic public address is a member of, e.g. `aws:s3:<region>` or `host:pypi.org`. */
export type MemberTag = string;

/** A set of addresses a rule or route can name: a CIDR, a prefix list, or a security group. */
export interface AddressSet {
  readonly key: string;
  readonly label: string;
  /** Concrete entries known from the template. */
  readonly cidrs: string[];
  /** Symbolic members: public addresses carrying one of these tags belong to the set. */
  readonly memberTags: MemberTag[];
  /** Entries exist that the template does not show (an imported prefix list). */
  readonly opaque: boolean;
}

/** The other side of a security group rule. */
export type SgPeer =
  | { readonly kind: 'cidr'; readonly cidr: string }
  | { readonly kind: 'unknown'; readonly what: string }
  | { readonly kind: 'set'; readonly set: AddressSet }
  | { readonly kind: 'group'; readonly group: string };

export interface SgRule {
  readonly id: string;
  readonly protocol: number;
  readonly ports?: { from: number; to: number };
  readonly peer: SgPeer;
  readonly description?: string;
  /** Why the rule's protocol or ports are not known offline (then it may or may not match). */
  readonly uncertain?: string;
}

export interface SecurityGroupModel {
  readonly id: string;
  readonly label: string;
  /** Rules unknown: imported group, or a default group the template does not restrict. */
  readonly opaque: boolean;
  readonly egress: SgRule[];
  readonly ingress: SgRule[];
}

/** Where a NACL rule points: a CIDR or a set filled at deploy time. */
export type AclPeer = {
  readonly cidr?: string;
  readonly set?: AddressSet;
  /** Why the entry's CIDR or protocol is not known offline (then it may or may not match). */
  readonly unknown?: string;
  /** The entry's action (allow or deny) is known only at deploy time. */
  readonly actionUnknown?: boolean;
  readonly entryId: string;
};

export interface NetworkAclModel {
  readonly id: string;
  readonly label: string;
  /** The VPC's default NACL: allows everything. */
  readonly isDefault: boolean;
  /** A NACL defined outside the template: its entries are unknown. */
  readonly opaque?: boolean;
  readonly outbound: AclRule<AclPeer>[];
  readonly inbound: AclRule<AclPeer>[];
}

export type RouteTarget =
  | { readonly kind: 'nat'; readonly id: string }
  | { readonly kind: 'igw'; readonly id: string }
  | { readonly kind: 'gatewayEndpoint'; readonly id: string; readonly service: string }
  /** Within the VPC: a local route the caller described for an imported route table. */
  | { readonly kind: 'local' }
  /** A route whose target is gone: the traffic is dropped. */
  | { readonly kind: 'blackhole'; readonly id: string }
  | { readonly kind: 'unknown'; readonly id: string; readonly what: string };

export interface RouteModel {
  readonly id: string;
  readonly destinationCidr?: string;
  readonly destinationSet?: AddressSet;
  /** Why the destination is not known offline. */
  readonly destinationUnknown?: string;
  readonly target: RouteTarget;
  /** Why the route may or may not be in its table (a gateway endpoint on route tables an unnamed imported table may be one of). */
  readonly presenceUnknown?: string;
}

export interface RouteTableModel {
  readonly id: string;
  /** The VPC's main route table, which a template cannot show: only the local route is assumed. */
  readonly isMain: boolean;
  /** A route table defined outside the template: its routes are unknown. */
  readonly opaque?: boolean;
  /** Why an opaque table's routes are unknown, when it is not simply defined elsewhere. */
  readonly why?: string;
  /** An imported table the caller described without its id: routes the template adds to imported tables may be its. */
  readonly unnamed?: boolean;
  readonly routes: RouteModel[];
}

export interface SubnetModel {
  readonly id: string;
  readonly vpc: string;
  readonly cidr?: string;
  readonly routeTable: RouteTableModel;
  readonly acl: NetworkAclModel;
  /** A subnet the template names but does not define, described by the caller (see EgressImportedSubnet). */
  readonly imported?: boolean;
}

export interface VpcModel {
  readonly id: string;
  readonly cidrs: string[];
  readonly dnsSupport: boolean;
  readonly defaultSecurityGroupRestricted: boolean;
  /**
   * A VPC the template names by id, described by the caller: its default security group and NACL are
   * not known, and the template need not show all of its subnets.
   */
  readonly imported?: boolean;
}

export interface NatGatewayModel {
  readonly id: string;
  readonly subnet?: string;
  readonly publicAddress: boolean;
}

export interface InternetGatewayModel {
  readonly id: string;
  readonly attachedTo: string[];
  /** Why an attachment's VPC is known only at deploy time (then the gateway may be attached to any VPC). */
  attachmentUnknown?: string;
}

export interface InterfaceEndpointModel {
  readonly id: string;
  readonly vpc?: string;
  /** Short service name: the part after the region, e.g. `sagemaker.api`, `s3`, `studio`. */
  readonly service: string;
  readonly serviceName: string;
  /** Why the service name is known only at deploy time (then `service` is not a service name). */
  readonly serviceUnknown?: string;
  readonly subnets: string[];
  readonly securityGroups: string[];
  readonly privateDns: boolean;
  /** DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint = OnlyInboundResolver: VPC clients resolve to the gateway endpoint. */
  readonly privateDnsOnlyForInboundResolver: boolean;
}

/** The policy of a VPC endpoint (interface or gateway), as it treats other accounts. */
export interface EndpointPolicyModel {
  readonly id: string;
  /** Short service name, as for interface endpoints. */
  readonly service: string;
  /** `Interface`, `Gateway` (or what the template says). */
  readonly type: string;
  readonly vpc?: string;
  readonly access: EndpointPolicyFinding;
}

/** A SageMaker resource whose apps run in (or outside) the VPC. */
export interface WorkloadModel {
  readonly id: string;
  readonly label: string;
  readonly type: string;
  readonly securityGroups: string[];
  readonly subnets: string[];
  /** Set when SageMaker gives the workload internet access through its own network, bypassing the VPC. */
  readonly managedInternet?: string;
  /** Why whether SageMaker gives it internet access is known only at deploy time (a parameter). */
  readonly managedInternetUnknown?: string;
}

/** One rule of a Route 53 Resolver DNS Firewall rule group. */
export interface DnsFirewallRuleModel {
  readonly priority: number;
  /** ALLOW, BLOCK or ALERT (or what the template says, if it is something else). */
  readonly action: string;
  /** The domain list's names; undefined when they are known only at deploy (imported list, file URL, parameter). */
  readonly domains?: string[];
  readonly blockResponse?: string;
  /** The one query type the rule applies to (`A`, `TXT`, `TYPE28`…); undefined: every type. */
  readonly qtype?: string;
}

/** A DNS Firewall rule group associated with a VPC. */
export interface DnsFirewallModel {
  readonly id: string;
  readonly vpc: string;
  readonly priority: number;
  /** Undefined when the rule group is defined outside the template. */
  readonly rules?: DnsFirewallRuleModel[];
}

export interface NetworkModel {
  readonly region: string;
  readonly regionKnown: boolean;
  readonly vpcs: Map<string, VpcModel>;
  readonly subnets: Map<string, SubnetModel>;
  readonly securityGroups: Map<string, SecurityGroupModel>;
  readonly natGateways: Map<string, NatGatewayModel>;
  readonly internetGateways: Map<string, InternetGatewayModel>;
  readonly interfaceEndpoints: InterfaceEndpointModel[];
  /** The policies of every VPC endpoint of the template, by logical id. */
  readonly endpointPolicies: Map<string, EndpointPolicyModel>;
  readonly workloads: WorkloadModel[];
  /** Tags of the address sets the template's dynamic sets are filled from, for the probes. */
  readonly hostnames: string[];
  /** DNS Firewall rule group associations, lowest priority (evaluated first) first. */
  readonly dnsFirewalls: DnsFirewallModel[];
}

/**
 * Builds the network model of `template` (a synthesized CloudFormation template as JSON): one parser
 * per resource family (parsers/), in the order their references need.
 */
export function buildModel(template: any, region?: string, imported: ImportedNetwork = { vpcs: [], subnets: [] }): NetworkModel {
  const resources = template?.Resources ?? {};
  if (typeof resources !== 'object') throw new Error('template must be a CloudFormation template with a Resources section');
  const ctx = new ParseContext(resources, region);
  const sets = parseAddressSets(ctx);
  const vpcs = parseVpcs(ctx);
  const described = describeImported(imported, vpcs);
  const securityGroups = parseSecurityGroups(ctx, vpcs, sets);
  const acls = parseNetworkAcls(ctx, vpcs, sets, described.acls);
  const gateways = parseGateways(ctx);
  const routeTables = parseRouteTables(ctx, gateways, sets, described.routeTables);
  const interfaceEndpoints = parseEndpoints(ctx, routeTables);
  const subnets = parseSubnets(ctx, routeTables, acls, described.subnets);
  const workloads = parseWorkloads(ctx);
  return {
    region: ctx.region,
    regionKnown: region !== undefined,
    vpcs,
    subnets,
    securityGroups,
    natGateways: gateways.natGateways,
    internetGateways: gateways.internetGateways,
    interfaceEndpoints,
    endpointPolicies: parseEndpointPolicies(ctx),
    workloads,
    hostnames: sets.hostnames(),
    dnsFirewalls: parseDnsFirewalls(ctx),
  };
}

/** Another stack's template, whose exports a template imports. */
export interface NamedTemplate {
  readonly name: string;
  readonly template: any;
}

/**
 * One template with the stacks it imports from: the other templates' resources are added under
 * `<stack name>/<logical id>` and each `Fn::ImportValue` of an export they declare is replaced by the
 * exported value, so that a workload in one stack and its VPC in another are one network. The primary
 * template's logical ids are unchanged.
 */
export function mergeTemplates(primary: any, others: NamedTemplate[]): any {
  if (others.length === 0) return primary;
  // Copy on write: an object or list is copied only when something inside it changes.
  const rename = (value: unknown, prefix: string, imports: boolean): unknown => {
    if (Array.isArray(value)) return mapList(value, (v) => rename(v, prefix, imports));
    if (!value || typeof value !== 'object') return value;
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string' && !v.Ref.startsWith('AWS::')) return { Ref: `${prefix}${v.Ref}` };
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
      const rest = getAtt.slice(1);
      return { 'Fn::GetAtt': [`${prefix}${getAtt[0]}`, ...(imports ? rest.map(resolveImports) : rest)] };
    }
    if (typeof getAtt === 'string') return { 'Fn::GetAtt': `${prefix}${getAtt}` };
    if (imports) {
      const imported = v['Fn::ImportValue'];
      if (typeof imported === 'string' && exported.has(imported)) return exported.get(imported);
    }
    return mapObject(v, (x) => rename(x, prefix, imports));
  };
  const resolveImports = (value: unknown): unknown => {
    if (Array.isArray(value)) return mapList(value, resolveImports);
    if (!value || typeof value !== 'object') return value;
    const imported = (value as Record<string, unknown>)['Fn::ImportValue'];
    if (typeof imported === 'string' && exported.has(imported)) return exported.get(imported);
    return mapObject(value as Record<string, unknown>, resolveImports);
  };
  const parts = [{ prefix: '', template: primary }, ...others.map((o) => ({ prefix: `${o.name}/`, template: o.template }))];
  const exported = new Map<string, unknown>();
  for (const { prefix, template } of parts) {
    // The primary template's ids stay as they are.
    const outputs = prefix ? rename(template?.Outputs ?? {}, prefix, false) : template?.Outputs ?? {};
    for (const output of Object.values(outputs as Record<string, { Value?: unknown; Export?: { Name?: unknown } }>)) {
      if (typeof output?.Export?.Name === 'string') exported.set(output.Export.Name, output.Value);
    }
  }
  // Each resource is renamed and its imports resolved in one pass.
  const resources: Record<string, unknown> = {};
  for (const { prefix, template } of parts) {
    for (const [id, resource] of Object.entries(template?.Resources ?? {})) {
      const imports = exported.size > 0;
      resources[`${prefix}${id}`] = prefix ? rename(resource, prefix, imports) : imports ? resolveImports(resource) : resource;
    }
  }
  return { ...primary, Resources: resources };
}

/** `list` with `f` applied to each element: `list` itself when nothing changes. */
function mapList(list: unknown[], f: (value: unknown) => unknown): unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const value = f(list[i]);
    if (!copy && value !== list[i]) copy = list.slice(0, i);
    if (copy) copy.push(value);
  }
  return copy ?? list;
}

/** `object` with `f` applied to each value: `object` itself when nothing changes, else a plain copy. */
function mapObject(object: Record<string, unknown>, f: (value: unknown) => unknown): Record<string, unknown> {
  const keys = Object.keys(object);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const value = f(object[keys[i]]);
    if (!copy && value !== object[keys[i]]) {
      copy = {};
      for (let j = 0; j < i; j++) define(copy, keys[j], object[keys[j]]);
    }
    if (copy) define(copy, keys[i], value);
  }
  return copy ?? object;
}

/** Sets an own property, `__proto__` included (as JSON.parse and Object.fromEntries do). */
function define(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}
