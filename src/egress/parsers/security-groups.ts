/**
 * Security groups: inline and standalone rules, the VPCs' default groups, and the allow-all egress
 * rule EC2 adds to a group created without egress rules.
 */
import { describe, valueKey } from '../../private/cfn-values';
import { PROTOCOL_ALL, PROTOCOL_TCP, PROTOCOL_UDP } from '../rules';
import type { SecurityGroupModel, SgPeer, SgRule, VpcModel } from '../template-model';
import { AddressSets } from './address-sets';
import { ParseContext, protocolNumber } from './context';

/** One rule (inline, or the properties of a standalone rule); an unresolvable one is an unknown peer. */
export function parseSgRule(ctx: ParseContext, sets: AddressSets, id: string, rule: any, egress: boolean): SgRule {
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
    const cidr = ctx.cidrValue(rule.CidrIp);
    peer = cidr.cidr ? { kind: 'cidr', cidr: cidr.cidr } : { kind: 'unknown', what: `CidrIp ${cidr.unknown}` };
  } else if (prefixList !== undefined) {
    peer = { kind: 'set', set: sets.setOf(prefixList) };
  } else if (group !== undefined) {
    peer = { kind: 'group', group: valueKey(group) };
  } else {
    // IPv6-only rules (CidrIpv6) do not concern an IPv4 analysis.
    peer = { kind: 'cidr', cidr: '255.255.255.255/32' };
  }
  const uncertain = known ? undefined : `its protocol or ports (${describe(rule.IpProtocol)}) are resolved only at deploy time`;
  return { id, protocol: known ? protocol : PROTOCOL_ALL, ports, peer, description: rule.Description, uncertain };
}

function ruleList(ctx: ParseContext, sets: AddressSets, id: string, value: unknown, egress: boolean): SgRule[] {
  const direction = egress ? 'egress' : 'ingress';
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [parseSgRule(ctx, sets, `${id} ${direction} rules`, value, egress)];
  return value.map((rule, i) => parseSgRule(ctx, sets, `${id} ${direction} rule ${i + 1}`, rule, egress));
}

/** AWS::EC2::SecurityGroup, AWS::EC2::SecurityGroupEgress/Ingress and the default group of each VPC. */
export function parseSecurityGroups(ctx: ParseContext, vpcs: Map<string, VpcModel>, sets: AddressSets): Map<string, SecurityGroupModel> {
  const securityGroups = new Map<string, SecurityGroupModel>();
  for (const [id, r] of ctx.ofType('AWS::EC2::SecurityGroup')) {
    const p = r.Properties ?? {};
    const egress = ruleList(ctx, sets, id, p.SecurityGroupEgress, true);
    securityGroups.set(id, { id, label: id, opaque: false, egress, ingress: ruleList(ctx, sets, id, p.SecurityGroupIngress, false) });
  }
  // An imported VPC's default group is not known: references to it stay unknown.
  for (const vpc of [...vpcs.values()].filter((v) => !v.imported)) {
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
  const hasEgress = new Set(ctx.ofType('AWS::EC2::SecurityGroup')
    .filter(([, r]) => {
      const rules = r.Properties?.SecurityGroupEgress;
      return rules !== undefined && !(Array.isArray(rules) && rules.length === 0);
    })
    .map(([id]) => id));
  for (const [type, egress] of [['AWS::EC2::SecurityGroupEgress', true], ['AWS::EC2::SecurityGroupIngress', false]] as const) {
    for (const [id, r] of ctx.ofType(type)) {
      const group = securityGroups.get(valueKey(r.Properties?.GroupId));
      if (!group) continue;
      (egress ? group.egress : group.ingress).push(parseSgRule(ctx, sets, id, r.Properties, egress));
      if (egress) hasEgress.add(group.id);
    }
  }
  for (const group of securityGroups.values()) {
    if (!hasEgress.has(group.id) && !group.id.endsWith('.DefaultSecurityGroup')) {
      group.egress.push({ id: `${group.id} default egress rule (EC2 adds it to a group created without egress rules)`, protocol: PROTOCOL_ALL, peer: { kind: 'cidr', cidr: '0.0.0.0/0' } });
    }
  }
  return securityGroups;
}
