/** VPCs (with their secondary CIDRs) and subnets (with their route table and NACL). */
import { referencedId, valueKey } from '../../private/cfn-values';
import type { NetworkAclModel, RouteTableModel, SubnetModel, VpcModel } from '../template-model';
import { ParseContext } from './context';

/** AWS::EC2::VPC and AWS::EC2::VPCCidrBlock; a default security group emptied by CDK's Custom::VpcRestrictDefaultSG. */
export function parseVpcs(ctx: ParseContext): Map<string, VpcModel> {
  const vpcs = new Map<string, VpcModel>();
  const restricted = new Set(ctx.ofType('Custom::VpcRestrictDefaultSG').map(([, r]) => referencedId(r.Properties?.DefaultSecurityGroupId)));
  for (const [id, r] of ctx.ofType('AWS::EC2::VPC')) {
    const cidr = ctx.cidrValue(r.Properties?.CidrBlock).cidr;
    const cidrs = cidr ? [cidr] : [];
    vpcs.set(id, { id, cidrs, dnsSupport: r.Properties?.EnableDnsSupport !== false && r.Properties?.EnableDnsSupport !== 'false', defaultSecurityGroupRestricted: restricted.has(id) });
  }
  for (const [, r] of ctx.ofType('AWS::EC2::VPCCidrBlock')) {
    const vpc = vpcs.get(referencedId(r.Properties?.VpcId) ?? '');
    const cidr = ctx.cidrValue(r.Properties?.CidrBlock).cidr;
    if (vpc && cidr) vpc.cidrs.push(cidr);
  }
  return vpcs;
}

/**
 * AWS::EC2::Subnet with its route table and NACL associations: the VPC's main route table and default
 * NACL when it has none; a table or NACL defined outside the template is opaque.
 */
export function parseSubnets(
  ctx: ParseContext, routeTables: Map<string, RouteTableModel>, acls: Map<string, NetworkAclModel>,
): Map<string, SubnetModel> {
  const subnets = new Map<string, SubnetModel>();
  const tableOf = new Map(ctx.ofType('AWS::EC2::SubnetRouteTableAssociation').map(([, r]) => [referencedId(r.Properties?.SubnetId), valueKey(r.Properties?.RouteTableId)]));
  const aclOf = new Map(ctx.ofType('AWS::EC2::SubnetNetworkAclAssociation').map(([, r]) => [referencedId(r.Properties?.SubnetId), valueKey(r.Properties?.NetworkAclId)]));
  for (const [id, r] of ctx.ofType('AWS::EC2::Subnet')) {
    const vpc = referencedId(r.Properties?.VpcId) ?? 'unknown';
    const tableKey = tableOf.get(id);
    const table = tableKey === undefined ? { id: `${vpc}.MainRouteTable`, isMain: true, routes: [] }
      : routeTables.get(tableKey) ?? { id: tableKey.replace(/^external:/, ''), isMain: false, opaque: true, routes: [] };
    const aclKey = aclOf.get(id) ?? `${vpc}.DefaultNetworkAcl`;
    const acl = acls.get(aclKey) ?? { id: aclKey.replace(/^external:/, ''), label: `network ACL ${aclKey.replace(/^external:/, '')} (not defined in this template)`, isDefault: false, opaque: true, outbound: [], inbound: [] };
    subnets.set(id, { id, vpc, cidr: ctx.cidrValue(r.Properties?.CidrBlock).cidr, routeTable: table, acl });
  }
  return subnets;
}
