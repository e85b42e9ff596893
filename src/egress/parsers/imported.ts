/**
 * The caller's description of an imported network (EgressAnalyzerOptions.importedVpcs and
 * importedSubnets) as model objects, keyed the way the template names them (`external:<id>`), so that
 * the template's own references (workload subnets, gateway endpoint route tables, NACL entries and
 * associations) find them.
 */
import { invalid, validateIntegerInRange, validateIpv4Cidr } from '../../private/validation';
import { EgressImportedRoute, EgressImportedSubnet, EgressImportedVpc, EgressRouteTarget } from '../imported-network';
import { AclRule, coverage, PROTOCOL_ALL } from '../rules';
import type { AclPeer, NetworkAclModel, RouteModel, RouteTableModel, RouteTarget, VpcModel } from '../template-model';

/** The imported network, validated. */
export interface ImportedNetwork {
  readonly vpcs: EgressImportedVpc[];
  readonly subnets: EgressImportedSubnet[];
}

/** Validates the caller's description and returns it whole. */
export function validateImportedNetwork(vpcs: EgressImportedVpc[] = [], subnets: EgressImportedSubnet[] = []): ImportedNetwork {
  const cidr = (prop: string, value: string) => validateIpv4Cidr(prop, value, { minPrefix: 0, maxPrefix: 32 });
  const unique = (prop: string, ids: string[]) => ids.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0) invalid(`${prop}[${i}]`, 'be a non-empty id', id, 'give the id as AWS shows it');
    if (ids.indexOf(id) !== i) invalid(`${prop}[${i}]`, 'be described once', id, 'remove the duplicate');
  });
  unique('importedVpcs.vpcId', vpcs.map((v) => v.vpcId));
  unique('importedSubnets.subnetId', subnets.map((s) => s.subnetId));
  vpcs.forEach((v, i) => {
    if (!Array.isArray(v.cidrBlocks) || v.cidrBlocks.length === 0) invalid(`importedVpcs[${i}].cidrBlocks`, 'list at least one CIDR block', v.cidrBlocks, 'give the VPC\'s primary CIDR block');
    v.cidrBlocks.forEach((c, j) => cidr(`importedVpcs[${i}].cidrBlocks[${j}]`, c));
  });
  const tables = new Map<string, string>();
  const acls = new Map<string, string>();
  subnets.forEach((s, i) => {
    const prop = `importedSubnets[${i}]`;
    cidr(`${prop}.cidr`, s.cidr);
    (s.routes ?? []).forEach((r, j) => {
      cidr(`${prop}.routes[${j}].destinationCidr`, r.destinationCidr);
      if (!Object.values(EgressRouteTarget).includes(r.target)) invalid(`${prop}.routes[${j}].target`, 'be an EgressRouteTarget', r.target, 'use EgressRouteTarget.LOCAL, NAT_GATEWAY…');
    });
    (s.networkAcl?.entries ?? []).forEach((e, j) => {
      const at = `${prop}.networkAcl.entries[${j}]`;
      validateIntegerInRange(`${at}.ruleNumber`, e.ruleNumber, 1, 32766);
      validateIntegerInRange(`${at}.protocol`, e.protocol ?? -1, -1, 255);
      validateIntegerInRange(`${at}.fromPort`, e.fromPort, 0, 65535);
      validateIntegerInRange(`${at}.toPort`, e.toPort, e.fromPort ?? 0, 65535, 'use a port from fromPort to 65535');
      cidr(`${at}.cidr`, e.cidr);
    });
    // A table or NACL shared by subnets is described the same way by each of them that describes it.
    const same = (seen: Map<string, string>, id: string | undefined, value: unknown, what: string) => {
      if (id === undefined || value === undefined) return;
      const text = JSON.stringify(value);
      if (seen.has(id) && seen.get(id) !== text) invalid(`${prop}.${what}`, `match the other description of ${id}`, value, `describe ${id} once, or the same way for each subnet`);
      seen.set(id, text);
    };
    same(tables, s.routeTableId, s.routes, 'routes');
    same(acls, s.networkAcl?.networkAclId, s.networkAcl?.entries, 'networkAcl');
  });
  return { vpcs, subnets };
}

/** The key of a resource the template names by a literal id. */
export const externalKey = (id: string) => `external:${id}`;

/** The VPC key of a subnet whose VPC is not known. */
export const UNKNOWN_VPC = 'unknown';

/** An imported subnet before its route table and NACL are resolved against the template's associations. */
export interface ImportedSubnetSeed {
  readonly key: string;
  readonly id: string;
  readonly vpc: string;
  readonly cidr: string;
  readonly routeTableKey: string;
  readonly aclKey: string;
}

/** What the description adds to the model: VPCs (added to `vpcs`), route tables, NACLs and subnets. */
export interface DescribedNetwork {
  readonly routeTables: Map<string, RouteTableModel>;
  readonly acls: Map<string, NetworkAclModel>;
  readonly subnets: ImportedSubnetSeed[];
}

function routeOf(route: EgressImportedRoute): RouteModel {
  const what = route.targetId ?? route.target.toLowerCase().replace(/_/g, ' ');
  let target: RouteTarget;
  switch (route.target) {
    case EgressRouteTarget.LOCAL: target = { kind: 'local' }; break;
    case EgressRouteTarget.INTERNET_GATEWAY: target = { kind: 'igw', id: what }; break;
    case EgressRouteTarget.NAT_GATEWAY: target = { kind: 'nat', id: what }; break;
    case EgressRouteTarget.BLACKHOLE: target = { kind: 'blackhole', id: what }; break;
    default: target = { kind: 'unknown', id: what, what: `${route.targetId ?? 'a target'} (not modelled)` };
  }
  return { id: `${route.destinationCidr} -> ${what}`, destinationCidr: route.destinationCidr, target };
}

function allowAll(id: string, label: string): NetworkAclModel {
  const rule = (entryId: string): AclRule<AclPeer> => ({ ruleNumber: 100, protocol: PROTOCOL_ALL, allow: true, data: { cidr: '0.0.0.0/0', entryId } });
  return { id, label, isDefault: true, outbound: [rule(`${id} rule 100`)], inbound: [rule(`${id} rule 100`)] };
}

/**
 * Adds the described VPCs to `vpcs` (a VPC the template defines is not replaced) and returns the
 * described route tables, NACLs and subnets.
 */
export function describeImported(imported: ImportedNetwork, vpcs: Map<string, VpcModel>): DescribedNetwork {
  for (const v of imported.vpcs) {
    const key = externalKey(v.vpcId);
    if (!vpcs.has(key)) {
      vpcs.set(key, { id: key, cidrs: [...v.cidrBlocks], dnsSupport: v.dnsSupport ?? true, defaultSecurityGroupRestricted: false, imported: true });
    }
  }
  const routeTables = new Map<string, RouteTableModel>();
  const acls = new Map<string, NetworkAclModel>();
  const subnets: ImportedSubnetSeed[] = [];
  for (const s of imported.subnets) {
    const vpc = vpcOf(s, imported);
    const key = externalKey(s.subnetId);
    // The route table, shared by the subnets that name the same id.
    const tableId = s.routeTableId ?? `route table of ${s.subnetId}`;
    const tableKey = externalKey(s.routeTableId ?? `${s.subnetId}.RouteTable`);
    const known = routeTables.get(tableKey);
    if (!known || (known.opaque && s.routes !== undefined)) {
      routeTables.set(tableKey, {
        id: tableId,
        isMain: false,
        opaque: s.routes === undefined,
        why: s.routes === undefined ? `the routes of ${tableId} are not described: give them in the analyzer's importedSubnets option` : undefined,
        unnamed: s.routeTableId === undefined,
        routes: (s.routes ?? []).map(routeOf),
      });
    }
    // The NACL: the one described, else the VPC's default one (allow all).
    let aclKey: string;
    if (s.networkAcl) {
      const aclId = s.networkAcl.networkAclId ?? `network ACL of ${s.subnetId}`;
      aclKey = externalKey(s.networkAcl.networkAclId ?? `${s.subnetId}.NetworkAcl`);
      const entry = (e: typeof s.networkAcl.entries[number]): AclRule<AclPeer> => {
        const protocol = e.protocol ?? PROTOCOL_ALL;
        return {
          ruleNumber: e.ruleNumber,
          protocol,
          allow: e.allow,
          ports: e.fromPort !== undefined && protocol !== PROTOCOL_ALL ? { from: e.fromPort, to: e.toPort ?? e.fromPort } : undefined,
          data: { cidr: e.cidr, entryId: `${aclId} ${e.egress ? 'outbound' : 'inbound'} rule ${e.ruleNumber}` },
        };
      };
      acls.set(aclKey, {
        id: aclId,
        label: aclId,
        isDefault: false,
        outbound: s.networkAcl.entries.filter((e) => e.egress).map(entry),
        inbound: s.networkAcl.entries.filter((e) => !e.egress).map(entry),
      });
    } else {
      const owner = vpc === UNKNOWN_VPC ? s.subnetId : vpc.replace(/^external:/, '');
      aclKey = vpc === UNKNOWN_VPC ? externalKey(`${s.subnetId}.DefaultNetworkAcl`) : `${vpc}.DefaultNetworkAcl`;
      acls.set(aclKey, allowAll(`${owner}.DefaultNetworkAcl`,
        `default network ACL of ${owner} (not described: assumed as EC2 creates it, allowing all traffic)`));
    }
    subnets.push({ key, id: s.subnetId, vpc, cidr: s.cidr, routeTableKey: tableKey, aclKey });
  }
  return { routeTables, acls, subnets };
}

/** The VPC key of a described subnet: the one named, else the described VPC containing its CIDR. */
function vpcOf(subnet: EgressImportedSubnet, imported: ImportedNetwork): string {
  if (subnet.vpcId !== undefined) return externalKey(subnet.vpcId);
  const containing = imported.vpcs.find((v) => v.cidrBlocks.some((c) => coverage(c, subnet.cidr) === 'all'));
  return containing ? externalKey(containing.vpcId) : UNKNOWN_VPC;
}
