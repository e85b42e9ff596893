/** What the VPC resolver answers a workload, as the template's Route 53 Resolver DNS Firewall decides it. */
export interface EgressDnsFilter {
  /** Whether a DNS Firewall rule group is associated with the workload's VPC. */
  readonly filtered: boolean;
  /**
   * What happens to a name the allowlist does not hold: `ALLOW` (resolved: no filter, or no catch-all
   * rule), `BLOCK`, `ALERT` (resolved and logged), or `UNKNOWN` when the template cannot tell.
   */
  readonly otherNames: string;
  /** The answer to a blocked name (`NODATA`, `NXDOMAIN`, `OVERRIDE`), when `otherNames` is `BLOCK`. */
  readonly blockResponse?: string;
  /** The names the workload may resolve before the catch-all rule (`*.example.com` covers every name below it). */
  readonly allowedDomains: string[];
  /** One line for people: what the workload may resolve. */
  readonly description: string;
}
