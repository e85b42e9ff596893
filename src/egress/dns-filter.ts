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
  const unknown: string[] = [];
  for (const firewall of applicable) {
    if (!firewall.rules) {
      unknown.push(`rule group of ${firewall.id} (defined outside the template)`);
      continue;
    }
    for (const rule of firewall.rules) {
      if (!rule.domains) {
        unknown.push(`domain list of a ${rule.action} rule in ${firewall.id} (known only at deploy)`);
        continue;
      }
      if (rule.domains.includes('*')) {
        const otherNames = unknown.length > 0 ? 'UNKNOWN' : rule.action;
        return {
          filtered: true,
          otherNames,
          blockResponse: rule.action === 'BLOCK' ? rule.blockResponse ?? 'NODATA' : undefined,
          allowedDomains: allowed,
          description: `only ${allowed.length} name(s) (DNS Firewall; any other name: ${rule.action === 'BLOCK' ? `BLOCK with ${rule.blockResponse ?? 'NODATA'}` : rule.action})` +
            `${unknown.length ? `, unless ${unknown.join('; ')} allow more` : ''}: ${allowed.join(', ')}`,
        };
      }
      if (rule.action === 'ALLOW') allowed.push(...rule.domains.filter((d) => !allowed.includes(d)));
    }
  }
  return {
    filtered: true,
    otherNames: unknown.length > 0 ? 'UNKNOWN' : 'ALLOW',
    allowedDomains: allowed,
    description: `any name not blocked by a rule (DNS Firewall without a catch-all rule${unknown.length ? `; ${unknown.join('; ')}` : ''})`,
  };
}
