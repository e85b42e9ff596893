/** VPCs (with their secondary CIDRs) and subnets (with their route table and NACL). */
import { referencedId, valueKey } from '../../private/cfn-values';
import type { NetworkAclModel, RouteTableModel, SubnetModel, VpcModel } from '../template-model';
import { ParseContext } from './context';
import { ImportedSubnetSeed, UNKNOWN_VPC } from './imported';

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
 * NACL when it has none; a table or NACL defined outside the template is opaque. `imported` are the
 * subnets the caller described (the template's associations of their ids replace what was described).
 */
export function parseSubnets(
  ctx: ParseContext, routeTables: Map<string, RouteTableModel>, acls: Map<string, NetworkAclModel>, imported: ImportedSubnetSeed[] = [],
): Map<string, SubnetModel> {
  const subnets = new Map<string, SubnetModel>();
  const tableOf = new Map(ctx.ofType('AWS::EC2::SubnetRouteTableAssociation').map(([, r]) => [valueKey(r.Properties?.SubnetId), valueKey(r.Properties?.RouteTableId)]));
  const aclOf = new Map(ctx.ofType('AWS::EC2::SubnetNetworkAclAssociation').map(([, r]) => [valueKey(r.Properties?.SubnetId), valueKey(r.Properties?.NetworkAclId)]));
  const opaqueTable = (key: string): RouteTableModel => routeTables.get(key) ?? { id: key.replace(/^external:/, ''), isMain: false, opaque: true, routes: [] };
  const opaqueAcl = (key: string): NetworkAclModel => acls.get(key) ?? {
    id: key.replace(/^external:/, ''), label: `network ACL ${key.replace(/^external:/, '')} (not defined in this template)`, isDefault: false, opaque: true, outbound: [], inbound: [],
  };
  for (const [id, r] of ctx.ofType('AWS::EC2::Subnet')) {
    const vpcId = r.Properties?.VpcId;
    const vpc = referencedId(vpcId) ?? (typeof vpcId === 'string' ? valueKey(vpcId) : UNKNOWN_VPC);
    const tableKey = tableOf.get(id);
    const table = tableKey === undefined ? { id: `${vpc}.MainRouteTable`, isMain: true, routes: [] } : opaqueTable(tableKey);
    const acl = opaqueAcl(aclOf.get(id) ?? `${vpc}.DefaultNetworkAcl`);
    subnets.set(id, { id, vpc, cidr: ctx.cidrValue(r.Properties?.CidrBlock).cidr, routeTable: table, acl });
  }
  for (const seed of imported) {
    subnets.set(seed.key, {
      id: seed.id,
      vpc: seed.vpc,
      cidr: seed.cidr,
      routeTable: opaqueTable(tableOf.get(seed.key) ?? seed.routeTableKey),
      acl: opaqueAcl(aclOf.get(seed.key) ?? seed.aclKey),
      imported: true,
    });
  }
  return subnets;
}
