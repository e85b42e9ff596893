/** Internet and NAT gateways, route tables and their routes. */
import { describe, referencedId, unresolvedWhy, valueKey } from '../../private/cfn-values';
import type { InternetGatewayModel, NatGatewayModel, RouteTableModel, RouteTarget } from '../template-model';
import { AddressSets } from './address-sets';
import { ParseContext } from './context';

/** The gateways of a template. */
export interface Gateways {
  readonly internetGateways: Map<string, InternetGatewayModel>;
  readonly natGateways: Map<string, NatGatewayModel>;
}

/** AWS::EC2::InternetGateway with its VPCGatewayAttachments, and AWS::EC2::NatGateway. */
export function parseGateways(ctx: ParseContext): Gateways {
  const internetGateways = new Map<string, InternetGatewayModel>();
  for (const [id] of ctx.ofType('AWS::EC2::InternetGateway')) internetGateways.set(id, { id, attachedTo: [] });
  for (const [id, r] of ctx.ofType('AWS::EC2::VPCGatewayAttachment')) {
    const igw = internetGateways.get(referencedId(r.Properties?.InternetGatewayId) ?? '');
    const vpc = referencedId(r.Properties?.VpcId) ?? (typeof r.Properties?.VpcId === 'string' ? valueKey(r.Properties.VpcId) : undefined);
    if (igw && vpc) igw.attachedTo.push(vpc);
    else if (igw) igw.attachmentUnknown = `attachment ${id}'s VpcId: ${unresolvedWhy(r.Properties?.VpcId) ?? `${describe(r.Properties?.VpcId)} is resolved only at deploy time`}`;
  }
  const natGateways = new Map<string, NatGatewayModel>();
  for (const [id, r] of ctx.ofType('AWS::EC2::NatGateway')) {
    const p = r.Properties ?? {};
    natGateways.set(id, {
      id,
      subnet: referencedId(p.SubnetId) ?? (typeof p.SubnetId === 'string' ? valueKey(p.SubnetId) : undefined),
      publicAddress: p.ConnectivityType !== 'private' && p.AllocationId !== undefined,
    });
  }
  return { internetGateways, natGateways };
}

/** Route targets the analyzer does not model, by property. */
const UNMODELLED_TARGETS: Array<[string, string]> = [
  ['GatewayId', 'gateway'], ['NatGatewayId', 'NAT gateway'], ['TransitGatewayId', 'transit gateway'],
  ['VpcPeeringConnectionId', 'VPC peering connection'], ['NetworkInterfaceId', 'network interface'],
  ['InstanceId', 'instance'], ['VpcEndpointId', 'Gateway Load Balancer endpoint'],
  ['EgressOnlyInternetGatewayId', 'egress-only internet gateway'], ['CarrierGatewayId', 'carrier gateway'],
  ['LocalGatewayId', 'local gateway'], ['CoreNetworkArn', 'Cloud WAN core network'],
];

/** A route's target: a NAT or internet gateway of the template, else unknown (named). */
export function routeTarget(gateways: Gateways, p: Record<string, any>): RouteTarget {
  const natId = referencedId(p.NatGatewayId);
  if (natId && gateways.natGateways.has(natId)) return { kind: 'nat', id: natId };
  const gatewayId = referencedId(p.GatewayId);
  if (gatewayId && gateways.internetGateways.has(gatewayId)) return { kind: 'igw', id: gatewayId };
  for (const [prop, what] of UNMODELLED_TARGETS) {
    if (p[prop] !== undefined) {
      const id = valueKey(p[prop]).replace(/^external:/, '');
      return { kind: 'unknown', id, what: `${what} ${id} (not modelled)` };
    }
  }
  return { kind: 'unknown', id: 'none', what: 'a route without a target the analyzer knows' };
}

/**
 * AWS::EC2::RouteTable with its AWS::EC2::Routes (gateway endpoints add theirs: see endpoints.ts);
 * `described` holds the imported route tables the caller described, which the template's routes may extend.
 */
export function parseRouteTables(
  ctx: ParseContext, gateways: Gateways, sets: AddressSets, described: Map<string, RouteTableModel> = new Map(),
): Map<string, RouteTableModel> {
  const routeTables = new Map<string, RouteTableModel>(described);
  for (const [id] of ctx.ofType('AWS::EC2::RouteTable')) routeTables.set(id, { id, isMain: false, routes: [] });
  for (const [id, r] of ctx.ofType('AWS::EC2::Route')) {
    const p = r.Properties ?? {};
    const table = routeTables.get(valueKey(p.RouteTableId));
    if (!table) continue;
    if (p.DestinationCidrBlock !== undefined) {
      const cidr = ctx.cidrValue(p.DestinationCidrBlock);
      table.routes.push({ id, destinationCidr: cidr.cidr, destinationUnknown: cidr.unknown, target: routeTarget(gateways, p) });
    } else if (p.DestinationPrefixListId !== undefined) {
      const set = sets.setOf(p.DestinationPrefixListId);
      table.routes.push({ id, destinationSet: set, destinationUnknown: set.opaque ? `${set.label} is known only at deploy time` : undefined, target: routeTarget(gateways, p) });
    }
  }
  return routeTables;
}
