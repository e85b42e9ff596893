/**
 * The pure part of keeping a block of NACL rule numbers equal to "HTTPS out to these CIDRs, and their
 * return traffic in": given the entries a NACL has and the CIDRs wanted, decide which entries to create,
 * replace and delete. No AWS here, so every case is a plain unit test.
 *
 * A NACL is stateless: for each CIDR an outbound rule (TCP `port` to the CIDR) and an inbound rule (TCP
 * 1024-65535 from the CIDR, the return traffic to the client's ephemeral port) are needed.
 */

/** Ephemeral ports of return traffic: NAT gateways use 1024-65535, Linux clients 32768-60999. */
export const RETURN_PORTS = { from: 1024, to: 65535 };
/** Valid rule numbers of NACL entries (CreateNetworkAclEntry): 32767 and up are reserved. */
export const MAX_RULE_NUMBER = 32766;
/** Rule number of the IPv4 default deny rule, which counts against the rules-per-NACL quota. */
export const DEFAULT_IPV4_RULE_NUMBER = 32767;

/** One NACL entry, as DescribeNetworkAcls reports it. */
export interface AclEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  /** '6' for TCP, '-1' for all. */
  readonly protocol: string;
  readonly ruleAction: string;
  readonly cidrBlock?: string;
  readonly ipv6CidrBlock?: string;
  readonly portRange?: { readonly from: number; readonly to: number };
}

/** A change to one entry. `create` and `replace` carry the full entry. */
export interface AclOperation {
  readonly action: 'create' | 'replace' | 'delete';
  readonly entry: AclEntry;
}

export interface AclPlanInput {
  /** Every entry of the NACL, both directions, including the default rules. */
  readonly entries: AclEntry[];
  /** Aggregated IPv4 CIDRs wanted. */
  readonly cidrs: string[];
  /** The block of rule numbers this plan owns: `ruleNumberBase` .. `ruleNumberBase + ruleNumberCount - 1`. */
  readonly ruleNumberBase: number;
  readonly ruleNumberCount: number;
  /** IPv4 rules per direction the NACL may have (the VPC quota; it counts the default deny rule). */
  readonly maxEntriesPerDirection: number;
  /** Destination port of the outbound rules. */
  readonly port: number;
}

export interface AclPlan {
  /** Creates and replaces first, deletes last: coverage only ever grows until the new set is in place. */
  readonly operations: AclOperation[];
  /** Set when the wanted entries cannot fit: then there are no operations at all. */
  readonly overflow?: string;
  /** IPv4 entries per direction once the plan is applied (including the default deny rule). */
  readonly egressEntries: number;
  readonly ingressEntries: number;
}

/** The entry this library wants for `cidr` in one direction. */
export function wantedEntry(cidr: string, egress: boolean, ruleNumber: number, port: number): AclEntry {
  return {
    ruleNumber,
    egress,
    protocol: '6',
    ruleAction: 'allow',
    cidrBlock: cidr,
    portRange: egress ? { from: port, to: port } : { ...RETURN_PORTS },
  };
}

/** Whether `entry` is exactly the entry wanted for its CIDR (same protocol, action and ports). */
function isWanted(entry: AclEntry, port: number): boolean {
  if (!entry.cidrBlock) return false;
  const wanted = wantedEntry(entry.cidrBlock, entry.egress, entry.ruleNumber, port);
  return entry.protocol === wanted.protocol && entry.ruleAction === wanted.ruleAction &&
    entry.portRange?.from === wanted.portRange!.from && entry.portRange?.to === wanted.portRange!.to;
}

export function planAclSync(input: AclPlanInput): AclPlan {
  const inBlock = (n: number) => n >= input.ruleNumberBase && n < input.ruleNumberBase + input.ruleNumberCount;
  const operations: AclOperation[] = [];
  const deletes: AclOperation[] = [];
  const totals: Record<string, number> = {};

  for (const egress of [true, false]) {
    const direction = egress ? 'outbound' : 'inbound';
    // The quota is per address family: only IPv4 entries (the default deny rule included) count here.
    const ipv4 = input.entries.filter((e) => e.egress === egress && e.cidrBlock !== undefined);
    const mine = ipv4.filter((e) => inBlock(e.ruleNumber)).sort((a, b) => a.ruleNumber - b.ruleNumber);
    const others = ipv4.length - mine.length;
    if (others + input.cidrs.length > input.maxEntriesPerDirection) {
      return {
        operations: [],
        overflow: `${input.cidrs.length} ${direction} rules are needed (one per aggregated CIDR) besides the ${others} ` +
          `the NACL has (its default deny rule included), but it may have ${input.maxEntriesPerDirection}`,
        egressEntries: 0,
        ingressEntries: 0,
      };
    }
    if (input.cidrs.length > input.ruleNumberCount) {
      return {
        operations: [],
        overflow: `${input.cidrs.length} ${direction} rules do not fit the reserved block of ${input.ruleNumberCount} rule numbers`,
        egressEntries: 0,
        ingressEntries: 0,
      };
    }

    // Keep the first exact entry per wanted CIDR; anything else in the block is stale (including
    // duplicates, and entries whose ports or action were changed by hand).
    const wanted = new Set(input.cidrs);
    const kept = new Set<string>();
    const stale: AclEntry[] = [];
    for (const entry of mine) {
      if (entry.cidrBlock && wanted.has(entry.cidrBlock) && !kept.has(entry.cidrBlock) && isWanted(entry, input.port)) {
        kept.add(entry.cidrBlock);
      } else {
        stale.push(entry);
      }
    }
    const used = new Set(mine.map((e) => e.ruleNumber));
    const free: number[] = [];
    for (let n = input.ruleNumberBase; n < input.ruleNumberBase + input.ruleNumberCount; n++) {
      if (!used.has(n)) free.push(n);
    }

    let count = ipv4.length;
    for (const cidr of input.cidrs.filter((c) => !kept.has(c))) {
      // A new rule number while the quota allows, else overwrite a stale entry in place (one atomic
      // ReplaceNetworkAclEntry), so a full NACL still converges without ever exceeding the quota.
      if (count < input.maxEntriesPerDirection && free.length > 0) {
        operations.push({ action: 'create', entry: wantedEntry(cidr, egress, free.shift()!, input.port) });
        count++;
      } else {
        const slot = stale.shift()!;
        operations.push({ action: 'replace', entry: wantedEntry(cidr, egress, slot.ruleNumber, input.port) });
      }
    }
    deletes.push(...stale.map((entry) => ({ action: 'delete' as const, entry })));
    totals[direction] = count - stale.length;
  }
  return { operations: [...operations, ...deletes], egressEntries: totals.outbound, ingressEntries: totals.inbound };
}

/** What the construct passes to the handler (CloudFormation turns every property into a string). */
export interface NaclSyncConfig {
  /** The NACLs whose rule-number block is kept current. */
  readonly NetworkAclIds: string[];
  /** Prefix lists (AWS-managed or customer-managed) whose entries are the destinations. */
  readonly PrefixListIds: string[];
  /** Destinations always present. */
  readonly StaticCidrs?: string[];
  readonly RuleNumberBase: string | number;
  readonly RuleNumberCount: string | number;
  readonly MaxEntriesPerDirection: string | number;
  readonly Port: string | number;
  readonly MetricNamespace: string;
  readonly SyncName: string;
  /** What to change when the destinations do not fit: part of the error message. */
  readonly OverflowAdvice: string;
}
