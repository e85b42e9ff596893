/** Route 53 Resolver DNS Firewall: domain lists, rule groups and their VPC associations. */
import { flatten, referencedId, THIS_REGION, toArray } from '../../private/cfn-values';
import type { DnsFirewallModel, DnsFirewallRuleModel } from '../template-model';
import { ParseContext } from './context';

/**
 * AWS::Route53Resolver::FirewallDomainList, FirewallRuleGroup and FirewallRuleGroupAssociation: the
 * rule groups associated with a VPC of the template, lowest priority (evaluated first) first.
 */
export function parseDnsFirewalls(ctx: ParseContext): DnsFirewallModel[] {
  const domainLists = new Map<string, string[] | undefined>();
  for (const [id, r] of ctx.ofType('AWS::Route53Resolver::FirewallDomainList')) {
    const names = toArray(r.Properties?.Domains).map((d) => flatten(d, ctx.region));
    const known = r.Properties?.DomainFileUrl === undefined && Array.isArray(r.Properties?.Domains) && names.every((n) => n !== undefined);
    domainLists.set(id, known ? (names as string[]).map((n) => n.toLowerCase().split(THIS_REGION.toLowerCase()).join(THIS_REGION)) : undefined);
  }
  const ruleGroups = new Map<string, DnsFirewallRuleModel[]>();
  for (const [id, r] of ctx.ofType('AWS::Route53Resolver::FirewallRuleGroup')) {
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
  for (const [id, r] of ctx.ofType('AWS::Route53Resolver::FirewallRuleGroupAssociation')) {
    const vpc = referencedId(r.Properties?.VpcId);
    if (!vpc) continue;
    const group = referencedId(r.Properties?.FirewallRuleGroupId);
    const priority = typeof r.Properties?.Priority === 'number' ? r.Properties.Priority : Number(r.Properties?.Priority);
    dnsFirewalls.push({ id, vpc, priority, rules: group === undefined ? undefined : ruleGroups.get(group) });
  }
  dnsFirewalls.sort((a, b) => a.priority - b.priority);
  return dnsFirewalls;
}
