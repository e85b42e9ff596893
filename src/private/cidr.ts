import * as ipaddr from 'ipaddr.js';

/**
 * IPv4 CIDR arithmetic shared by synth-time checks and the handlers. Parsing is ipaddr.js's; what it
 * lacks is aggregation (merging adjacent and overlapping blocks into the fewest exact CIDRs), which a
 * NACL needs because every CIDR costs one of its 20 rules. The npm libraries that aggregate were no
 * fit: cidr-tools is ESM-only (the jsii package and its tests load CommonJS), and ip-num's
 * `Pool.getCidrRanges()` throws on aggregated pools. IPv4 values fit exactly in a JS number.
 */

const IPV4_SPACE = 2 ** 32;

/** An inclusive range of IPv4 addresses as unsigned 32-bit numbers. */
export interface Ipv4Range {
  readonly first: number;
  readonly last: number;
}

/** The address range a CIDR covers (host bits of the address are ignored, as EC2 does). */
export function ipv4RangeOf(cidr: string): Ipv4Range {
  const [address, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  const size = 2 ** (32 - prefix);
  const value = toNumber(address);
  const first = value - (value % size);
  return { first, last: first + size - 1 };
}

/** Whether `address` (dotted quad) is inside `cidr`. */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const value = toNumber(ipaddr.IPv4.parse(address));
  const range = ipv4RangeOf(cidr);
  return value >= range.first && value <= range.last;
}

/**
 * The fewest CIDRs that cover exactly the union of `cidrs`: overlapping and adjacent blocks are merged,
 * never widened beyond the addresses given. Sorted by address.
 */
export function aggregateIpv4Cidrs(cidrs: string[]): string[] {
  const ranges = cidrs.map(ipv4RangeOf).sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: { first: number; last: number }[] = [];
  for (const range of ranges) {
    const previous = merged[merged.length - 1];
    if (previous && range.first <= previous.last + 1) {
      previous.last = Math.max(previous.last, range.last);
    } else {
      merged.push({ ...range });
    }
  }
  return merged.flatMap(cidrsOfRange);
}

/** The fewest CIDRs covering exactly `first..last`: the largest aligned block at each step. */
export function cidrsOfRange(range: Ipv4Range): string[] {
  const out: string[] = [];
  let first = range.first;
  while (first <= range.last) {
    // The largest block aligned at `first` (first = 0 aligns with the whole space)...
    let size = first === 0 ? IPV4_SPACE : lowestSetBit(first);
    // ...that does not run past the end of the range.
    while (size > range.last - first + 1) size /= 2;
    out.push(`${fromNumber(first)}/${32 - Math.log2(size)}`);
    first += size;
  }
  return out;
}

function lowestSetBit(value: number): number {
  let bit = 1;
  while (value % (bit * 2) === 0) bit *= 2;
  return bit;
}

function toNumber(address: ipaddr.IPv4): number {
  return address.octets.reduce((acc, octet) => acc * 256 + octet, 0);
}

function fromNumber(value: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256);
  return octets.join('.');
}
