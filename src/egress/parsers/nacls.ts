/**
 * NACLs: numbered entries, the VPCs' default NACLs, and the entries this library's `NaclRangeSync`
 * writes at deploy from prefix lists (modelled from what the custom resource declares).
 */
import { toArray, valueKey } from '../../private/cfn-values';
import { NACL_RANGE_SYNC_TYPE, NaclRangeSyncProperties } from '../../private/contracts/nacl-range-sync';
import { TemplateProperties } from '../../private/contracts/template-properties';
import { wantedEntry } from '../../private/nacl-plan';
import { AclRule, PROTOCOL_ALL } from '../rules';
import type { AclPeer, NetworkAclModel, VpcModel } from '../template-model';
import { AddressSets } from './address-sets';
import { ParseContext, protocolNumber } from './context';

/** The VPC's default NACL: rule 100 allows everything, both ways; entries a template adds to it come first by number. */
function defaultAcl(vpc: string): NetworkAclModel {
  return {
    id: `${vpc}.DefaultNetworkAcl`,
    label: `default network ACL of ${vpc}`,
    isDefault: true,
    outbound: [{ ruleNumber: 100, protocol: PROTOCOL_ALL, allow: true, data: { cidr: '0.0.0.0/0', entryId: 'default network ACL rule 100' } }],
    inbound: [{ ruleNumber: 100, protocol: PROTOCOL_ALL, allow: true, data: { cidr: '0.0.0.0/0', entryId: 'default network ACL rule 100' } }],
  };
}

/**
 * AWS::EC2::NetworkAcl, AWS::EC2::NetworkAclEntry, Custom::NaclRangeSync and each VPC's default NACL;
 * `described` holds the NACLs of imported subnets the caller described, which the template's entries may extend.
 */
export function parseNetworkAcls(
  ctx: ParseContext, vpcs: Map<string, VpcModel>, sets: AddressSets, described: Map<string, NetworkAclModel> = new Map(),
): Map<string, NetworkAclModel> {
  const acls = new Map<string, NetworkAclModel>(described);
  for (const [id] of ctx.ofType('AWS::EC2::NetworkAcl')) acls.set(id, { id, label: id, isDefault: false, outbound: [], inbound: [] });
  // An imported VPC's default NACL is known only as described.
  for (const vpc of [...vpcs.values()].filter((v) => !v.imported)) acls.set(`${vpc.id}.DefaultNetworkAcl`, defaultAcl(vpc.id));
  for (const [id, r] of ctx.ofType('AWS::EC2::NetworkAclEntry')) {
    const p = r.Properties ?? {};
    const acl = acls.get(valueKey(p.NetworkAclId));
    if (!acl || (p.CidrBlock === undefined && p.Ipv6CidrBlock !== undefined)) continue; // IPv6 entries do not concern an IPv4 analysis
    const cidr = ctx.cidrValue(p.CidrBlock);
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
  for (const [id, r] of ctx.ofType(NACL_RANGE_SYNC_TYPE)) {
    const p: TemplateProperties<NaclRangeSyncProperties> = r.Properties ?? {};
    const base = Number(p.RuleNumberBase);
    for (const aclRef of toArray(p.NetworkAclIds)) {
      const acl = acls.get(valueKey(aclRef));
      if (!acl) continue;
      toArray(p.PrefixListIds).forEach((prefixList) => {
        const set = sets.setOf(prefixList);
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
  return acls;
}
