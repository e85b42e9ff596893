/**
 * The network of a synthesized CloudFormation template, as the egress analyzer sees it: VPCs, subnets,
 * route tables, NACLs, security groups, endpoints, NAT and internet gateways, prefix lists, SageMaker
 * workloads, and this library's own address sets whose entries are filled at deploy time (modelled from
 * what they declare: which host names, which AWS prefix list, which NACLs).
 *
 * Values that are not references to this template (imported ids such as "sg-0abc") become external
 * objects whose rules are unknown; the evaluation reports them instead of guessing.
 */
import { AclRule, PROTOCOL_ALL, PROTOCOL_ICMP, PROTOCOL_TCP, PROTOCOL_UDP } from './rules';
import { ipv4RangeOf } from '../private/cidr';
import { wantedEntry } from '../private/nacl-plan';

/** One resource of a template. */
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

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
  | { readonly kind: 'unknown'; readonly id: string; readonly what: string };

export interface RouteModel {
  readonly id: string;
  readonly destinationCidr?: string;
  readonly destinationSet?: AddressSet;
  /** Why the destination is not known offline. */
  readonly destinationUnknown?: string;
  readonly target: RouteTarget;
}

export interface RouteTableModel {
  readonly id: string;
  /** The VPC's main route table, which a template cannot show: only the local route is assumed. */
  readonly isMain: boolean;
  /** A route table defined outside the template: its routes are unknown. */
  readonly opaque?: boolean;
  readonly routes: RouteModel[];
}

export interface SubnetModel {
  readonly id: string;
  readonly vpc: string;
  readonly cidr?: string;
  readonly routeTable: RouteTableModel;
  readonly acl: NetworkAclModel;
}

export interface VpcModel {
  readonly id: string;
  readonly cidrs: string[];
  readonly dnsSupport: boolean;
  readonly defaultSecurityGroupRestricted: boolean;
}

export interface NatGatewayModel {
  readonly id: string;
  readonly subnet?: string;
  readonly publicAddress: boolean;
}

export interface InternetGatewayModel {
  readonly id: string;
  readonly attachedTo: string[];
}

export interface InterfaceEndpointModel {
  readonly id: string;
  readonly vpc?: string;
  /** Short service name: the part after the region, e.g. `sagemaker.api`, `s3`, `studio`. */
  readonly service: string;
  readonly serviceName: string;
  readonly subnets: string[];
  readonly securityGroups: string[];
  readonly privateDns: boolean;
  /** DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint = OnlyInboundResolver: VPC clients resolve to the gateway endpoint. */
  readonly privateDnsOnlyForInboundResolver: boolean;
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
  readonly workloads: WorkloadModel[];
  /** Tags of the address sets the template's dynamic sets are filled from, for the probes. */
  readonly hostnames: string[];
  /** DNS Firewall rule group associations, lowest priority (evaluated first) first. */
  readonly dnsFirewalls: DnsFirewallModel[];
}

/** Suffix of the workload id of a domain's shared spaces. */
export const SHARED_SPACES = '.SharedSpaces';

/** The placeholder region of a region-agnostic template. */
export const THIS_REGION = '${AWS::Region}';

/** The logical id a value refers to (`Ref`, `Fn::GetAtt`), or undefined for anything else. */
export function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
  }
  return undefined;
}

/** A stable key for a value: the logical id it refers to, `external:<text>` for a literal, else its JSON. */
export function valueKey(value: unknown): string {
  const getAtt = (value as Record<string, unknown> | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && (getAtt[1] === 'DefaultSecurityGroup' || getAtt[1] === 'DefaultNetworkAcl')) return `${getAtt[0]}.${getAtt[1]}`;
  const imported = (value as Record<string, unknown> | undefined)?.['Fn::ImportValue'];
  if (imported !== undefined) return `external:${typeof imported === 'string' ? imported : describe(imported)} (Fn::ImportValue)`;
  const ref = referencedId(value);
  if (ref) return ref;
  if (typeof value === 'string') return `external:${value}`;
  return `expr:${describe(value)}`;
}

/** A short text for a value the analyzer cannot resolve, e.g. `Fn::If` or `Ref Parameter`. */
export function describe(value: unknown): string {
  const ref = referencedId(value);
  if (ref) return `${Object.keys(value as object)[0]} ${ref}`;
  if (value && typeof value === 'object') return Object.keys(value).join(', ');
  return JSON.stringify(value);
}

/** A string with pseudo parameters left as placeholders; undefined when the value is not a plain join. */
export function flatten(value: unknown, region: string): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (v.Ref === 'AWS::Region') return region;
    if (typeof v.Ref === 'string' && v.Ref.startsWith('AWS::')) return `\${${v.Ref}}`;
    const sub = v['Fn::Sub'];
    if (typeof sub === 'string') {
      // Only pseudo parameters can be expanded offline.
      if (/\$\{(?!AWS::)[^}]*\}/.test(sub)) return undefined;
      return sub.replace(/\$\{AWS::Region\}/g, region);
    }
    const join = v['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      const parts = join[1].map((p: unknown) => flatten(p, region));
      return parts.every((p: string | undefined) => p !== undefined) ? parts.join(join[0]) : undefined;
    }
  }
  return undefined;
}

const SERVICE_NAME = /^(?:com\.amazonaws|aws\.sagemaker|aws\.api)\.([^.]+(?:-[^.]+)*|\$\{AWS::Region\})\.(.+)$/;

/** `com.amazonaws.<region>.sagemaker.api` -> { region, service: 'sagemaker.api' }. */
export function parseServiceName(serviceName: string): { region: string; service: string } | undefined {
  const match = SERVICE_NAME.exec(serviceName);
  return match ? { region: match[1], service: match[2] } : undefined;
}

export function protocolNumber(value: unknown): number {
  const text = String(value).toLowerCase();
  switch (text) {
    case '-1': case 'all': return PROTOCOL_ALL;
    case 'tcp': case '6': return PROTOCOL_TCP;
    case 'udp': case '17': return PROTOCOL_UDP;
    case 'icmp': case '1': return PROTOCOL_ICMP;
    default: return Number.isFinite(Number(text)) ? Number(text) : NaN;
  }
}

function toArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * A CIDR value of a template: a literal, or the CIDR of a VPC of the template; anything else (a
 * parameter, an import, a condition, a malformed literal) is unknown, with the reason.
 */
function cidrValue(value: unknown, resources: Record<string, CfnResource>): { cidr?: string; unknown?: string } {
  let literal = value;
  const getAtt = (value as Record<string, unknown> | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'CidrBlock' && resources[getAtt[0]]?.Type === 'AWS::EC2::VPC') {
    literal = resources[getAtt[0]].Properties?.CidrBlock;
  }
  if (typeof literal !== 'string') return { unknown: `${describe(value)} is resolved only at deploy time` };
  try {
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(literal)) throw new Error('no prefix length');
    ipv4RangeOf(literal);
    return { cidr: literal };
  } catch {
    return { unknown: `${JSON.stringify(literal)} is not an IPv4 CIDR` };
  }
}

/** Builds the network model of `template` (a synthesized CloudFormation template as JSON). */
export function buildModel(template: any, region?: string): NetworkModel {
  const regionName = region ?? THIS_REGION;
  const resources: Record<string, CfnResource> = template?.Resources ?? {};
  if (typeof resources !== 'object') throw new Error('template must be a CloudFormation template with a Resources section');
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r?.Type === type);
  const isThisRegion = (r: string) => r === regionName || r === THIS_REGION || regionName === THIS_REGION;

  // ---- Address sets: AWS-managed prefix lists, customer-managed prefix lists, this library's sets.
  const sets = new Map<string, AddressSet>();
  const awsPrefixListTag = (name: string): MemberTag | undefined => {
    const parsed = parseServiceName(name);
    if (!parsed) return undefined;
    return `aws:${parsed.service}:${isThisRegion(parsed.region) ? THIS_REGION : parsed.region}`;
  };
  for (const [id, r] of ofType('AWS::EC2::PrefixList')) {
    const cidrs = toArray(r.Properties?.Entries).map((e: any) => e?.Cidr).filter((c): c is string => typeof c === 'string');
    sets.set(id, { key: id, label: `prefix list ${id}`, cidrs, memberTags: [], opaque: false });
  }
  for (const [id, r] of ofType('Custom::ResolvedAddressSet')) {
    // The refresher writes the addresses the host names resolve to (plus static CIDRs) into its prefix list.
    const hostnames = toArray(r.Properties?.Hostnames).filter((h): h is string => typeof h === 'string');
    const cidrs = toArray(r.Properties?.StaticCidrs).filter((c): c is string => typeof c === 'string');
    const set: AddressSet = {
      key: id,
      label: `addresses of ${hostnames.join(', ')} (${id}, resolved at deploy and refreshed)`,
      cidrs,
      memberTags: hostnames.map((h) => `host:${h.toLowerCase()}`),
      opaque: false,
    };
    sets.set(id, set);
    const prefixList = referencedId(r.Properties?.PrefixListId);
    if (prefixList) sets.set(prefixList, set);
  }
  for (const [id, r] of ofType('Custom::AWS')) {
    // This library's lookup of an AWS-managed prefix list (DescribeManagedPrefixLists by name).
    const call = flatten(r.Properties?.Create, regionName);
    if (!call || !call.includes('describeManagedPrefixLists')) continue;
    try {
      const parsed = JSON.parse(call);
      const name = parsed?.parameters?.Filters?.[0]?.Values?.[0];
      const tag = typeof name === 'string' ? awsPrefixListTag(name) : undefined;
      if (tag) sets.set(id, { key: id, label: `AWS-managed prefix list ${name}`, cidrs: [], memberTags: [tag], opaque: false });
    } catch {
      // not a lookup this analyzer understands: references to it stay opaque
    }
  }
  const setOf = (value: unknown): AddressSet => {
    const ref = referencedId(value);
    const known = ref ? sets.get(ref) : undefined;
    if (known) return known;
    const key = valueKey(value);
    return { key, label: `prefix list ${typeof value === 'string' ? value : key} (not defined in this template)`, cidrs: [], memberTags: [], opaque: true };
  };

  // ---- VPCs.
  const vpcs = new Map<string, VpcModel>();
  const restricted = new Set(ofType('Custom::VpcRestrictDefaultSG').map(([, r]) => referencedId(r.Properties?.DefaultSecurityGroupId)));
  for (const [id, r] of ofType('AWS::EC2::VPC')) {
    const cidr = cidrValue(r.Properties?.CidrBlock, resources).cidr;
    const cidrs = cidr ? [cidr] : [];
    vpcs.set(id, { id, cidrs, dnsSupport: r.Properties?.EnableDnsSupport !== false && r.Properties?.EnableDnsSupport !== 'false', defaultSecurityGroupRestricted: restricted.has(id) });
  }
  for (const [, r] of ofType('AWS::EC2::VPCCidrBlock')) {
    const vpc = vpcs.get(referencedId(r.Properties?.VpcId) ?? '');
    const cidr = cidrValue(r.Properties?.CidrBlock, resources).cidr;
    if (vpc && cidr) vpc.cidrs.push(cidr);
  }

  // ---- Security groups, inline and standalone rules.
  const securityGroups = new Map<string, SecurityGroupModel>();
  const sgRule = (id: string, rule: any, egress: boolean): SgRule => {
    if (!rule || typeof rule !== 'object' || rule.IpProtocol === undefined) {
      return { id, protocol: PROTOCOL_ALL, peer: { kind: 'unknown', what: `the rule is ${describe(rule)}, resolved only at deploy time` } };
    }
    const protocol = protocolNumber(rule.IpProtocol);
    const known = Number.isFinite(protocol) && [rule.FromPort, rule.ToPort].every((p) => p === undefined || Number.isFinite(Number(p)));
    const ports = known && (protocol === PROTOCOL_TCP || protocol === PROTOCOL_UDP)
      ? { from: Number(rule.FromPort ?? 0), to: Number(rule.ToPort ?? 65535) } : undefined;
    let peer: SgPeer;
    const prefixList = egress ? rule.DestinationPrefixListId : rule.SourcePrefixListId;
    const group = egress ? rule.DestinationSecurityGroupId : rule.SourceSecurityGroupId;
    if (rule.CidrIp !== undefined) {
      const cidr = cidrValue(rule.CidrIp, resources);
      peer = cidr.cidr ? { kind: 'cidr', cidr: cidr.cidr } : { kind: 'unknown', what: `CidrIp ${cidr.unknown}` };
    } else if (prefixList !== undefined) {
      peer = { kind: 'set', set: setOf(prefixList) };
    } else if (group !== undefined) {
      peer = { kind: 'group', group: valueKey(group) };
    } else {
      // IPv6-only rules (CidrIpv6) do not concern an IPv4 analysis.
      peer = { kind: 'cidr', cidr: '255.255.255.255/32' };
    }
    const uncertain = known ? undefined : `its protocol or ports (${describe(rule.IpProtocol)}) are resolved only at deploy time`;
    return { id, protocol: known ? protocol : PROTOCOL_ALL, ports, peer, description: rule.Description, uncertain };
  };
  const ruleList = (id: string, value: unknown, egress: boolean): SgRule[] => {
    const direction = egress ? 'egress' : 'ingress';
    if (value === undefined) return [];
    if (!Array.isArray(value)) return [sgRule(`${id} ${direction} rules`, value, egress)];
    return value.map((rule, i) => sgRule(`${id} ${direction} rule ${i + 1}`, rule, egress));
  };
  for (const [id, r] of ofType('AWS::EC2::SecurityGroup')) {
    const p = r.Properties ?? {};
    const egress = ruleList(id, p.SecurityGroupEgress, true);
    securityGroups.set(id, { id, label: id, opaque: false, egress, ingress: ruleList(id, p.SecurityGroupIngress, false) });
  }
  for (const vpc of vpcs.values()) {
    // Fn::GetAtt <Vpc>.DefaultSecurityGroup: closed when this library's (or CDK's) restriction resource empties it.
    const id = `${vpc.id}.DefaultSecurityGroup`;
    securityGroups.set(id, vpc.defaultSecurityGroupRestricted
      ? { id, label: `default security group of ${vpc.id} (rules removed at deploy)`, opaque: false, egress: [], ingress: [] }
      : {
        id,
        label: `default security group of ${vpc.id}`,
        opaque: false,
        egress: [{ id: `${id} default egress rule`, protocol: PROTOCOL_ALL, peer: { kind: 'cidr', cidr: '0.0.0.0/0' } }],
        ingress: [{ id: `${id} default ingress rule (from itself)`, protocol: PROTOCOL_ALL, peer: { kind: 'group', group: id } }],
      });
  }
  // EC2 adds its allow-all egress rule to a group created without egress rules (an empty list is none).
  const hasEgress = new Set(ofType('AWS::EC2::SecurityGroup')
    .filter(([, r]) => {
      const rules = r.Properties?.SecurityGroupEgress;
      return rules !== undefined && !(Array.isArray(rules) && rules.length === 0);
    })
    .map(([id]) => id));
  for (const [type, egress] of [['AWS::EC2::SecurityGroupEgress', true], ['AWS::EC2::SecurityGroupIngress', false]] as const) {
    for (const [id, r] of ofType(type)) {
      const group = securityGroups.get(valueKey(r.Properties?.GroupId));
      if (!group) continue;
      (egress ? group.egress : group.ingress).push(sgRule(id, r.Properties, egress));
      if (egress) hasEgress.add(group.id);
    }
  }
  for (const group of securityGroups.values()) {
    if (!hasEgress.has(group.id) && !group.id.endsWith('.DefaultSecurityGroup')) {
      group.egress.push({ id: `${group.id} default egress rule (EC2 adds it to a group created without egress rules)`, protocol: PROTOCOL_ALL, peer: { kind: 'cidr', cidr: '0.0.0.0/0' } });
    }
  }
  // ---- NACLs: numbered entries, plus this library's entries synchronised from prefix lists at deploy.
  const acls = new Map<string, NetworkAclModel>();
  // The VPC's default NACL: rule 100 allows everything, both ways; entries a template adds to it come first by number.
  const defaultAcl = (vpc: string): NetworkAclModel => ({
    id: `${vpc}.DefaultNetworkAcl`,
    label: `default network ACL of ${vpc}`,
    isDefault: true,
    outbound: [{ ruleNumber: 100, protocol: PROTOCOL_ALL, allow: true, data: { cidr: '0.0.0.0/0', entryId: 'default network ACL rule 100' } }],
    inbound: [{ ruleNumber: 100, protocol: PROTOCOL_ALL, allow: true, data: { cidr: '0.0.0.0/0', entryId: 'default network ACL rule 100' } }],
  });
  for (const [id] of ofType('AWS::EC2::NetworkAcl')) acls.set(id, { id, label: id, isDefault: false, outbound: [], inbound: [] });
  for (const vpc of vpcs.keys()) acls.set(`${vpc}.DefaultNetworkAcl`, defaultAcl(vpc));
  for (const [id, r] of ofType('AWS::EC2::NetworkAclEntry')) {
    const p = r.Properties ?? {};
    const acl = acls.get(valueKey(p.NetworkAclId));
    if (!acl || (p.CidrBlock === undefined && p.Ipv6CidrBlock !== undefined)) continue; // IPv6 entries do not concern an IPv4 analysis
    const cidr = cidrValue(p.CidrBlock, resources);
    const protocol = protocolNumber(p.Protocol);
    const ports = p.PortRange ? { from: Number(p.PortRange.From), to: Number(p.PortRange.To) } : undefined;
    const portsKnown = !ports || (Number.isFinite(ports.from) && Number.isFinite(ports.to));
    let unknown: string | undefined;
    if (cidr.unknown) unknown = `CidrBlock ${cidr.unknown}`;
    else if (!Number.isFinite(protocol) || !portsKnown) unknown = 'its protocol or ports are resolved only at deploy time';
    else if (!Number.isFinite(Number(p.RuleNumber))) unknown = 'its rule number is resolved only at deploy time';
    const rule: AclRule<AclPeer> = {
      ruleNumber: Number.isFinite(Number(p.RuleNumber)) ? Number(p.RuleNumber) : 0,
      protocol: Number.isFinite(protocol) ? protocol : PROTOCOL_ALL,
      allow: String(p.RuleAction).toLowerCase() === 'allow',
      ports: ports && portsKnown ? ports : undefined,
      data: { cidr: cidr.cidr, unknown, actionUnknown: typeof p.RuleAction !== 'string', entryId: id },
    };
    (p.Egress === true || p.Egress === 'true' ? acl.outbound : acl.inbound).push(rule);
  }
  for (const [id, r] of ofType('Custom::NaclRangeSync')) {
    const p = r.Properties ?? {};
    const base = Number(p.RuleNumberBase);
    for (const aclRef of toArray(p.NetworkAclIds)) {
      const acl = acls.get(valueKey(aclRef));
      if (!acl) continue;
      toArray(p.PrefixListIds).forEach((prefixList) => {
        const set = setOf(prefixList);
        for (const egress of [true, false]) {
          // The same entries the handler writes (nacl-plan.ts), one per CIDR from `base` on.
          const wanted = wantedEntry('0.0.0.0/0', egress, base, Number(p.Port));
          (egress ? acl.outbound : acl.inbound).push({
            ruleNumber: base,
            protocol: Number(wanted.protocol),
            allow: wanted.ruleAction === 'allow',
            ports: wanted.portRange,
            data: { set, entryId: `${id} (rules ${base}-${base + Number(p.RuleNumberCount) - 1}, ${set.label})` },
          });
        }
      });
    }
  }
  // ---- Gateways.
  const internetGateways = new Map<string, InternetGatewayModel>();
  for (const [id] of ofType('AWS::EC2::InternetGateway')) internetGateways.set(id, { id, attachedTo: [] });
  for (const [, r] of ofType('AWS::EC2::VPCGatewayAttachment')) {
    const igw = internetGateways.get(referencedId(r.Properties?.InternetGatewayId) ?? '');
    const vpc = referencedId(r.Properties?.VpcId);
    if (igw && vpc) igw.attachedTo.push(vpc);
  }
  const natGateways = new Map<string, NatGatewayModel>();
  for (const [id, r] of ofType('AWS::EC2::NatGateway')) {
    const p = r.Properties ?? {};
    natGateways.set(id, {
      id,
      subnet: referencedId(p.SubnetId),
      publicAddress: p.ConnectivityType !== 'private' && p.AllocationId !== undefined,
    });
  }

  // ---- Route tables and routes.
  const routeTables = new Map<string, RouteTableModel>();
  for (const [id] of ofType('AWS::EC2::RouteTable')) routeTables.set(id, { id, isMain: false, routes: [] });
  const targetOf = (p: Record<string, any>): RouteTarget => {
    const natId = referencedId(p.NatGatewayId);
    if (natId && natGateways.has(natId)) return { kind: 'nat', id: natId };
    const gatewayId = referencedId(p.GatewayId);
    if (gatewayId && internetGateways.has(gatewayId)) return { kind: 'igw', id: gatewayId };
    const kinds: Array<[string, string]> = [
      ['GatewayId', 'gateway'], ['NatGatewayId', 'NAT gateway'], ['TransitGatewayId', 'transit gateway'],
      ['VpcPeeringConnectionId', 'VPC peering connection'], ['NetworkInterfaceId', 'network interface'],
      ['InstanceId', 'instance'], ['VpcEndpointId', 'Gateway Load Balancer endpoint'],
      ['EgressOnlyInternetGatewayId', 'egress-only internet gateway'], ['CarrierGatewayId', 'carrier gateway'],
      ['LocalGatewayId', 'local gateway'], ['CoreNetworkArn', 'Cloud WAN core network'],
    ];
    for (const [prop, what] of kinds) {
      if (p[prop] !== undefined) {
        const id = valueKey(p[prop]).replace(/^external:/, '');
        return { kind: 'unknown', id, what: `${what} ${id} (not modelled)` };
      }
    }
    return { kind: 'unknown', id: 'none', what: 'a route without a target the analyzer knows' };
  };
  for (const [id, r] of ofType('AWS::EC2::Route')) {
    const p = r.Properties ?? {};
    const table = routeTables.get(referencedId(p.RouteTableId) ?? '');
    if (!table) continue;
    if (p.DestinationCidrBlock !== undefined) {
      const cidr = cidrValue(p.DestinationCidrBlock, resources);
      table.routes.push({ id, destinationCidr: cidr.cidr, destinationUnknown: cidr.unknown, target: targetOf(p) });
    } else if (p.DestinationPrefixListId !== undefined) {
      const set = setOf(p.DestinationPrefixListId);
      table.routes.push({ id, destinationSet: set, destinationUnknown: set.opaque ? `${set.label} is known only at deploy time` : undefined, target: targetOf(p) });
    }
  }
  const interfaceEndpoints: InterfaceEndpointModel[] = [];
  for (const [id, r] of ofType('AWS::EC2::VPCEndpoint')) {
    const p = r.Properties ?? {};
    const serviceName = flatten(p.ServiceName, THIS_REGION) ?? valueKey(p.ServiceName);
    const parsed = parseServiceName(serviceName);
    const service = parsed?.service ?? serviceName;
    const type = p.VpcEndpointType ?? 'Gateway';
    if (type === 'Gateway') {
      // A gateway endpoint adds a route to the service's AWS-managed prefix list in each of its route tables.
      const tag = `aws:${service}:${parsed && !isThisRegion(parsed.region) ? parsed.region : THIS_REGION}`;
      const set: AddressSet = { key: `${id}.prefixList`, label: `AWS-managed prefix list of ${serviceName}`, cidrs: [], memberTags: [tag], opaque: false };
      for (const tableRef of toArray(p.RouteTableIds)) {
        routeTables.get(referencedId(tableRef) ?? '')?.routes.push({ id, destinationSet: set, target: { kind: 'gatewayEndpoint', id, service } });
      }
    } else if (type === 'Interface') {
      interfaceEndpoints.push({
        id,
        vpc: referencedId(p.VpcId),
        service,
        serviceName,
        subnets: toArray(p.SubnetIds).map(valueKey),
        securityGroups: toArray(p.SecurityGroupIds).map(valueKey),
        privateDns: p.PrivateDnsEnabled === true || p.PrivateDnsEnabled === 'true',
        privateDnsOnlyForInboundResolver: p.DnsOptions?.PrivateDnsOnlyForInboundResolverEndpoint === 'OnlyInboundResolver',
      });
    }
  }

  // ---- Subnets with their route table and NACL (the main table and default NACL when not associated).
  const subnets = new Map<string, SubnetModel>();
  const tableOf = new Map(ofType('AWS::EC2::SubnetRouteTableAssociation').map(([, r]) => [referencedId(r.Properties?.SubnetId), valueKey(r.Properties?.RouteTableId)]));
  const aclOf = new Map(ofType('AWS::EC2::SubnetNetworkAclAssociation').map(([, r]) => [referencedId(r.Properties?.SubnetId), valueKey(r.Properties?.NetworkAclId)]));
  for (const [id, r] of ofType('AWS::EC2::Subnet')) {
    const vpc = referencedId(r.Properties?.VpcId) ?? 'unknown';
    const tableKey = tableOf.get(id);
    const table = tableKey === undefined ? { id: `${vpc}.MainRouteTable`, isMain: true, routes: [] }
      : routeTables.get(tableKey) ?? { id: tableKey.replace(/^external:/, ''), isMain: false, opaque: true, routes: [] };
    const aclKey = aclOf.get(id) ?? `${vpc}.DefaultNetworkAcl`;
    const acl = acls.get(aclKey) ?? { id: aclKey.replace(/^external:/, ''), label: `network ACL ${aclKey.replace(/^external:/, '')} (not defined in this template)`, isDefault: false, opaque: true, outbound: [], inbound: [] };
    subnets.set(id, { id, vpc, cidr: cidrValue(r.Properties?.CidrBlock, resources).cidr, routeTable: table, acl });
  }

  // ---- SageMaker workloads.
  const workloads: WorkloadModel[] = [];
  for (const [id, r] of ofType('AWS::SageMaker::NotebookInstance')) {
    const p = r.Properties ?? {};
    const direct = p.DirectInternetAccess ?? 'Enabled';
    workloads.push({
      id,
      label: `notebook instance ${id}`,
      type: r.Type,
      securityGroups: toArray(p.SecurityGroupIds).map(valueKey),
      subnets: toArray(p.SubnetId).map(valueKey),
      managedInternet: direct === 'Disabled' ? undefined
        : `DirectInternetAccess is ${direct}${p.DirectInternetAccess === undefined ? ' (the default)' : ''}: SageMaker gives the notebook internet access through a VPC it manages`,
    });
  }
  const domains = new Map<string, { groups: string[]; subnets: string[]; managedInternet?: string }>();
  for (const [id, r] of ofType('AWS::SageMaker::Domain')) {
    const p = r.Properties ?? {};
    const access = p.AppNetworkAccessType ?? 'PublicInternetOnly';
    const domain = {
      groups: toArray(p.DefaultUserSettings?.SecurityGroups).map(valueKey),
      subnets: toArray(p.SubnetIds).map(valueKey),
      managedInternet: access === 'VpcOnly' ? undefined
        : `AppNetworkAccessType is ${access}${p.AppNetworkAccessType === undefined ? ' (the default)' : ''}: apps reach the internet through a VPC SageMaker manages`,
    };
    domains.set(id, domain);
    workloads.push({ id, label: `Studio domain ${id} (default user settings)`, type: r.Type, securityGroups: domain.groups, subnets: domain.subnets, managedInternet: domain.managedInternet });
    // Shared spaces run with the domain's default space settings (the user settings' groups when it has none).
    const spaceGroups = toArray(p.DefaultSpaceSettings?.SecurityGroups).map(valueKey);
    if (spaceGroups.length > 0) {
      workloads.push({
        id: `${id}${SHARED_SPACES}`,
        label: `Studio domain ${id} (shared spaces)`,
        type: r.Type,
        securityGroups: spaceGroups,
        subnets: domain.subnets,
        managedInternet: domain.managedInternet,
      });
    }
  }
  for (const [id, r] of ofType('AWS::SageMaker::UserProfile')) {
    const p = r.Properties ?? {};
    const domain = domains.get(referencedId(p.DomainId) ?? '');
    // SageMaker aggregates a profile's security groups with the domain's default ones (CreateDomain API reference).
    const groups = [...new Set([...(domain?.groups ?? []), ...toArray(p.UserSettings?.SecurityGroups).map(valueKey)])];
    workloads.push({ id, label: `Studio user profile ${id}`, type: r.Type, securityGroups: groups, subnets: domain?.subnets ?? [], managedInternet: domain?.managedInternet });
  }

  const hostnames = [...new Set([...sets.values()].flatMap((s) => s.memberTags).filter((t) => t.startsWith('host:')).map((t) => t.slice(5)))];
  // ---- Route 53 Resolver DNS Firewall: domain lists, rule groups and their VPC associations.
  const domainLists = new Map<string, string[] | undefined>();
  for (const [id, r] of ofType('AWS::Route53Resolver::FirewallDomainList')) {
    const names = toArray(r.Properties?.Domains).map((d) => flatten(d, regionName));
    const known = r.Properties?.DomainFileUrl === undefined && Array.isArray(r.Properties?.Domains) && names.every((n) => n !== undefined);
    domainLists.set(id, known ? (names as string[]).map((n) => n.toLowerCase().split(THIS_REGION.toLowerCase()).join(THIS_REGION)) : undefined);
  }
  const ruleGroups = new Map<string, DnsFirewallRuleModel[]>();
  for (const [id, r] of ofType('AWS::Route53Resolver::FirewallRuleGroup')) {
    const rules = toArray(r.Properties?.FirewallRules).map((rule: any) => {
      const list = referencedId(rule?.FirewallDomainListId);
      return {
        priority: typeof rule?.Priority === 'number' ? rule.Priority : Number(rule?.Priority),
        action: typeof rule?.Action === 'string' ? rule.Action : 'UNKNOWN',
        domains: list === undefined ? undefined : domainLists.get(list),
        blockResponse: typeof rule?.BlockResponse === 'string' ? rule.BlockResponse : undefined,
        qtype: rule?.Qtype === undefined ? undefined : String(rule.Qtype),
      };
    });
    ruleGroups.set(id, rules.sort((a, b) => a.priority - b.priority));
  }
  const dnsFirewalls: DnsFirewallModel[] = [];
  for (const [id, r] of ofType('AWS::Route53Resolver::FirewallRuleGroupAssociation')) {
    const vpc = referencedId(r.Properties?.VpcId);
    if (!vpc) continue;
    const group = referencedId(r.Properties?.FirewallRuleGroupId);
    const priority = typeof r.Properties?.Priority === 'number' ? r.Properties.Priority : Number(r.Properties?.Priority);
    dnsFirewalls.push({ id, vpc, priority, rules: group === undefined ? undefined : ruleGroups.get(group) });
  }
  dnsFirewalls.sort((a, b) => a.priority - b.priority);

  return {
    region: regionName,
    regionKnown: region !== undefined,
    vpcs,
    subnets,
    securityGroups,
    natGateways,
    internetGateways,
    interfaceEndpoints,
    workloads,
    hostnames,
    dnsFirewalls,
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
  const rename = (value: unknown, prefix: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => rename(v, prefix));
    if (!value || typeof value !== 'object') return value;
    const v = value as Record<string, unknown>;
    if (prefix && typeof v.Ref === 'string' && !v.Ref.startsWith('AWS::')) return { Ref: `${prefix}${v.Ref}` };
    const getAtt = v['Fn::GetAtt'];
    if (prefix && Array.isArray(getAtt) && typeof getAtt[0] === 'string') return { 'Fn::GetAtt': [`${prefix}${getAtt[0]}`, ...getAtt.slice(1)] };
    if (prefix && typeof getAtt === 'string') return { 'Fn::GetAtt': `${prefix}${getAtt}` };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x, prefix)]));
  };
  const parts = [{ prefix: '', template: primary }, ...others.map((o) => ({ prefix: `${o.name}/`, template: o.template }))].map(({ prefix, template }) => ({
    prefix,
    resources: rename(template?.Resources ?? {}, prefix) as Record<string, unknown>,
    outputs: rename(template?.Outputs ?? {}, prefix) as Record<string, { Value?: unknown; Export?: { Name?: unknown } }>,
  }));
  const exported = new Map<string, unknown>();
  for (const part of parts) {
    for (const output of Object.values(part.outputs)) {
      if (typeof output?.Export?.Name === 'string') exported.set(output.Export.Name, output.Value);
    }
  }
  const resolveImports = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolveImports);
    if (!value || typeof value !== 'object') return value;
    const imported = (value as Record<string, unknown>)['Fn::ImportValue'];
    if (typeof imported === 'string' && exported.has(imported)) return exported.get(imported);
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, resolveImports(x)]));
  };
  const resources: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [id, resource] of Object.entries(part.resources)) resources[`${part.prefix}${id}`] = resolveImports(resource);
  }
  return { ...primary, Resources: resources };
}
