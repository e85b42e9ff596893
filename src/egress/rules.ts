/**
 * The two pure rule engines of the egress analyzer, free of any template: NACL first-match evaluation
 * over a range of ports, and longest-prefix route selection. The property tests check both against a
 * one-port-at-a-time / one-prefix-length-at-a-time reference implementation.
 */
import { ipv4RangeOf, Ipv4Range } from '../private/cidr';

/** An inclusive range of ports. */
export interface PortSpan {
  readonly from: number;
  readonly to: number;
}

/** Every port of TCP and UDP. */
export const ALL_PORTS: PortSpan = { from: 0, to: 65535 };

/** IANA protocol numbers the analyzer tells apart; -1 is "all protocols" in NACL and SG rules. */
export const PROTOCOL_ALL = -1;
export const PROTOCOL_ICMP = 1;
export const PROTOCOL_TCP = 6;
export const PROTOCOL_UDP = 17;

/** The rule number EC2 shows as `*`: the default deny rule evaluated after every numbered rule. */
export const DEFAULT_RULE_NUMBER = 32767;

/** One NACL entry, reduced to what first-match evaluation needs. `T` carries the caller's own data. */
export interface AclRule<T> {
  readonly ruleNumber: number;
  readonly protocol: number;
  readonly allow: boolean;
  /** Ports the rule matches; absent: all ports (protocol -1, or a rule without PortRange). */
  readonly ports?: PortSpan;
  readonly data: T;
}

/** The outcome of evaluating a range of ports against a NACL. */
export interface AclDecision<T> {
  readonly allowed: boolean;
  /** The rules that allowed ports, in rule order. */
  readonly allowedBy: AclRule<T>[];
  /** When blocked: the first rule (in rule order) that denies one of the ports; absent for the default deny. */
  readonly deniedBy?: AclRule<T>;
  /** When blocked: the ports that rule (or the default deny) decides. */
  readonly deniedPorts?: PortSpan[];
}

function protocolMatches(ruleProtocol: number, protocol: number): boolean {
  return ruleProtocol === PROTOCOL_ALL || ruleProtocol === protocol;
}

function rulePorts<T>(rule: AclRule<T>): PortSpan {
  return rule.protocol === PROTOCOL_ALL || !rule.ports ? ALL_PORTS : rule.ports;
}

function intersect(spans: PortSpan[], with_: PortSpan): PortSpan[] {
  return spans
    .map((s) => ({ from: Math.max(s.from, with_.from), to: Math.min(s.to, with_.to) }))
    .filter((s) => s.from <= s.to);
}

function subtract(spans: PortSpan[], minus: PortSpan): PortSpan[] {
  const out: PortSpan[] = [];
  for (const s of spans) {
    if (minus.to < s.from || minus.from > s.to) {
      out.push(s);
      continue;
    }
    if (s.from < minus.from) out.push({ from: s.from, to: minus.from - 1 });
    if (s.to > minus.to) out.push({ from: minus.to + 1, to: s.to });
  }
  return out;
}

/**
 * First-match evaluation of NACL `rules` for every port in `ports` at once: the packets pass only if
 * each port's first matching rule (in rule-number order) allows it; a port no rule matches meets the
 * default deny. `matchesPeer` says whether a rule's CIDR (or address set) covers the peer address.
 */
export function evaluateAcl<T>(
  rules: ReadonlyArray<AclRule<T>>, protocol: number, ports: PortSpan, matchesPeer: (rule: AclRule<T>) => boolean,
): AclDecision<T> {
  let remaining: PortSpan[] = [ports];
  const allowedBy: AclRule<T>[] = [];
  const ordered = [...rules].sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const rule of ordered) {
    if (!protocolMatches(rule.protocol, protocol) || !matchesPeer(rule)) continue;
    const span = rulePorts(rule);
    const hit = intersect(remaining, span);
    if (hit.length === 0) continue;
    if (!rule.allow) return { allowed: false, allowedBy, deniedBy: rule, deniedPorts: hit };
    allowedBy.push(rule);
    remaining = subtract(remaining, span);
    if (remaining.length === 0) return { allowed: true, allowedBy };
  }
  return { allowed: false, allowedBy, deniedPorts: remaining };
}

/** A route of a route table, reduced to its destination CIDR. */
export interface CidrRoute<T> {
  readonly destination: string;
  readonly data: T;
}

/**
 * The route VPC routing uses for `addressRange` (a CIDR): the most specific route whose destination
 * contains the whole range. A range split across routes has no single answer and selects none of them.
 */
export function selectRoute<T>(routes: ReadonlyArray<CidrRoute<T>>, addressRange: string): CidrRoute<T> | undefined {
  const target = rangeOf(addressRange);
  let best: CidrRoute<T> | undefined;
  let bestPrefix = -1;
  for (const route of routes) {
    const range = rangeOf(route.destination);
    if (range.first > target.first || range.last < target.last) continue;
    const prefix = prefixLength(route.destination);
    if (prefix > bestPrefix) {
      best = route;
      bestPrefix = prefix;
    }
  }
  return best;
}

/**
 * The ranges of the CIDRs seen so far: an analysis asks about the same few CIDRs (the VPC's, its
 * subnets', the rules') thousands of times. Bounded; a CIDR that does not parse is not kept (it throws
 * each time, as ipv4RangeOf does).
 */
const RANGES = new Map<string, Ipv4Range>();
const MAX_RANGES = 10_000;

function rangeOf(cidr: string): Ipv4Range {
  let range = RANGES.get(cidr);
  if (range === undefined) {
    range = Object.freeze(ipv4RangeOf(cidr));
    if (RANGES.size >= MAX_RANGES) RANGES.clear();
    RANGES.set(cidr, range);
  }
  return range;
}

export function prefixLength(cidr: string): number {
  return Number(cidr.split('/')[1] ?? '32');
}

/** How a CIDR relates to an address range: covers all of it, part of it, or none of it. */
export type Coverage = 'all' | 'part' | 'none';

export function coverage(cidr: string, addressRange: string): Coverage {
  const rule = rangeOf(cidr);
  const target = rangeOf(addressRange);
  if (rule.first <= target.first && rule.last >= target.last) return 'all';
  if (rule.last < target.first || rule.first > target.last) return 'none';
  return 'part';
}
