/**
 * The pure part of keeping a prefix list equal to "what these host names resolve to": given the
 * entries the list has, what was resolved and when entries went missing, decide what to change.
 * No AWS or DNS here, so every fault case is a plain unit test.
 */

/** Inputs of one refresh. Times are epoch milliseconds. */
export interface PlanInput {
  /** CIDRs currently in the prefix list. */
  readonly current: string[];
  /** When each current CIDR was first found missing from a complete resolution. */
  readonly missingSince: Record<string, number>;
  /** CIDRs wanted now: every address resolved plus the static CIDRs. */
  readonly wanted: string[];
  /** Whether every host name resolved; an incomplete resolution never removes anything. */
  readonly complete: boolean;
  readonly now: number;
  /** How long an address that stopped resolving is kept (CDN rotation) before it is removed. */
  readonly gracePeriodMs: number;
  /** The prefix list's max entries. */
  readonly maxEntries: number;
}

export interface Plan {
  readonly add: string[];
  readonly remove: string[];
  /** Missing CIDRs to stamp with the current time. */
  readonly markMissing: string[];
  /** Stamps to clear (the CIDR is wanted again, removed, or gone). */
  readonly clearMissing: string[];
  /** The wanted set could not fit in max entries: nothing was added. */
  readonly overflow: boolean;
  /** The entries after the change. */
  readonly result: string[];
}

export function planRefresh(input: PlanInput): Plan {
  const current = new Set(input.current);
  const wanted = new Set(input.wanted);
  const missing = input.current.filter((c) => !wanted.has(c));
  // A stamp that cannot be read counts as no stamp: the entry is stamped again, never kept forever.
  const since = (c: string) => (Number.isFinite(input.missingSince[c]) ? input.missingSince[c] : undefined);

  const expired = (c: string) => since(c) !== undefined && input.now - since(c)! >= input.gracePeriodMs;
  const remove = input.complete ? missing.filter(expired) : [];
  let add = input.wanted.filter((c) => !current.has(c));

  // Out of room: make it by evicting addresses already known to be gone (stamped), oldest first, before
  // their grace period ends; new addresses matter more than stale ones.
  const stampedByAge = missing.filter((c) => !remove.includes(c) && since(c) !== undefined).sort((a, b) => since(a)! - since(b)!);
  while (input.current.length - remove.length + add.length > input.maxEntries && stampedByAge.length > 0) {
    remove.push(stampedByAge.shift()!);
  }
  const overflow = input.current.length - remove.length + add.length > input.maxEntries;
  if (overflow) add = [];

  const removed = new Set(remove);
  const markMissing = input.complete ? missing.filter((c) => since(c) === undefined && !remove.includes(c)) : [];
  const clearMissing = Object.keys(input.missingSince).filter((c) => wanted.has(c) || removed.has(c) || !current.has(c));
  const result = [...input.current.filter((c) => !removed.has(c)), ...add].sort();
  return { add: dedupe(add), remove, markMissing, clearMissing, overflow, result };
}

/** An IPv4 address as a host CIDR. */
export function hostCidr(address: string): string {
  return `${address}/32`;
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

/** What the construct passes (CloudFormation turns every property into a string). */
export interface AddressSetConfig {
  readonly PrefixListId: string;
  readonly Hostnames: string[];
  readonly StaticCidrs: string[];
  readonly MaxEntries: string | number;
  readonly GracePeriodSeconds: string | number;
  readonly LookupTimeoutMs: string | number;
  readonly MetricNamespace: string;
  readonly AddressSetName: string;
}

