import { EgressDnsFilter } from './egress-dns-filter';
import { DnsFirewallModel } from './template-model';

/**
 * The DNS Firewall verdict for the VPCs of a workload: rule groups in association priority order, rules in
 * rule priority order, first match wins; `*` as a domain matches every name.
 */
export function dnsFilterOf(firewalls: DnsFirewallModel[], vpcs: string[]): EgressDnsFilter {
  const applicable = firewalls.filter((f) => vpcs.includes(f.vpc));
  if (applicable.length === 0) {
    return { filtered: false, otherNames: 'ALLOW', allowedDomains: [], description: 'any name (no DNS Firewall rule group on the VPC)' };
  }
  const allowed: string[] = [];
  // Names an earlier BLOCK or ALERT rule decides (exact names; overlapping wildcards are not compared).
  const decided = new Set<string>();
  const notes: string[] = [];
  for (const firewall of applicable) {
    if (!firewall.rules) {
      notes.push(`the rule group of ${firewall.id} is defined outside the template`);
      continue;
    }
    for (const rule of firewall.rules) {
      if (rule.qtype !== undefined) {
        notes.push(`a ${rule.action} rule of ${firewall.id} applies only to ${rule.qtype} queries`);
        continue;
      }
      if (!rule.domains) {
        notes.push(`the domain list of a ${rule.action} rule in ${firewall.id} is known only at deploy`);
        continue;
      }
      if (rule.domains.includes('*')) {
        if (rule.action === 'ALLOW') {
          return { filtered: true, otherNames: 'ALLOW', allowedDomains: allowed, description: 'any name (a DNS Firewall rule allows every name)' };
        }
        const blocked = rule.action === 'BLOCK';
        return {
          filtered: true,
          otherNames: notes.length > 0 ? 'UNKNOWN' : rule.action,
          blockResponse: blocked ? rule.blockResponse ?? 'NODATA' : undefined,
          allowedDomains: allowed,
          description: `only ${allowed.length} name(s) (DNS Firewall; any other name: ${blocked ? `BLOCK with ${rule.blockResponse ?? 'NODATA'}` : rule.action})` +
            `${notes.length ? `, unless ${notes.join('; ')}` : ''}: ${allowed.join(', ')}`,
        };
      }
      for (const domain of rule.domains) {
        if (decided.has(domain)) continue;
        decided.add(domain);
        if (rule.action === 'ALLOW') allowed.push(domain);
      }
    }
  }
  return {
    filtered: true,
    otherNames: notes.length > 0 ? 'UNKNOWN' : 'ALLOW',
    allowedDomains: allowed,
    description: `any name not blocked by a rule (DNS Firewall without a catch-all block${notes.length ? `; ${notes.join('; ')}` : ''})`,
  };
}
