import * as fc from 'fast-check';
import { aggregateIpv4Cidrs, cidrsOfRange, ipv4InCidr, ipv4RangeOf } from '../../src/private/cidr';

describe('aggregateIpv4Cidrs', () => {
  test('merges sibling blocks into their parent', () => {
    expect(aggregateIpv4Cidrs(['10.0.0.0/25', '10.0.0.128/25'])).toEqual(['10.0.0.0/24']);
  });

  test('merges adjacent blocks that are not siblings into the fewest exact CIDRs, never wider', () => {
    // 3.5.0.0-3.5.79.255 is no single CIDR: /18 + /20, not a /17 that would admit 3.5.80.0-3.5.127.255.
    expect(aggregateIpv4Cidrs(['3.5.0.0/19', '3.5.32.0/19', '3.5.64.0/20'])).toEqual(['3.5.0.0/18', '3.5.64.0/20']);
  });

  test('drops blocks contained in others and duplicates', () => {
    expect(aggregateIpv4Cidrs(['52.216.0.0/15', '52.217.10.0/24', '52.216.0.0/15'])).toEqual(['52.216.0.0/15']);
  });

  test('keeps disjoint host addresses apart and sorts by address', () => {
    expect(aggregateIpv4Cidrs(['151.101.64.223/32', '151.101.0.223/32'])).toEqual(['151.101.0.223/32', '151.101.64.223/32']);
  });

  test('handles the edges of the address space', () => {
    expect(aggregateIpv4Cidrs(['0.0.0.0/1', '128.0.0.0/1'])).toEqual(['0.0.0.0/0']);
    expect(aggregateIpv4Cidrs(['255.255.255.255/32', '255.255.255.254/32'])).toEqual(['255.255.255.254/31']);
    expect(aggregateIpv4Cidrs([])).toEqual([]);
  });

  test('ignores host bits as EC2 does', () => {
    expect(ipv4RangeOf('10.0.0.1/24')).toEqual(ipv4RangeOf('10.0.0.0/24'));
  });

  test('rejects what is not an IPv4 CIDR', () => {
    expect(() => aggregateIpv4Cidrs(['10.0.0.0'])).toThrow();
    expect(() => aggregateIpv4Cidrs(['2001:db8::/32'])).toThrow();
  });

  test('cidrsOfRange splits an unaligned range into aligned blocks', () => {
    expect(cidrsOfRange({ first: 1, last: 6 })).toEqual(['0.0.0.1/32', '0.0.0.2/31', '0.0.0.4/31', '0.0.0.6/32']);
  });

  // Property: against a reference that enumerates addresses of a small corner of the space (10.0.0.0/24),
  // the aggregate covers exactly the same addresses, with no more CIDRs than given and none overlapping.
  const ADDRESSES = Array.from({ length: 256 }, (_, host) => `10.0.0.${host}`);
  const smallCidr = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 24, max: 32 }))
    .map(([host, prefix]) => `10.0.0.${host}/${prefix}`);
  test('covers exactly the union of its input (property)', () => {
    fc.assert(fc.property(fc.array(smallCidr, { maxLength: 12 }), (cidrs) => {
      const out = aggregateIpv4Cidrs(cidrs);
      const covered = (list: string[]) => ADDRESSES.filter((address) => list.some((c) => ipv4InCidr(address, c)));
      expect(covered(out)).toEqual(covered(cidrs));
      expect(out.length).toBeLessThanOrEqual(new Set(cidrs.map((c) => JSON.stringify(ipv4RangeOf(c)))).size);
      const ranges = out.map(ipv4RangeOf);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i].first).toBeGreaterThan(ranges[i - 1].last);
      // Idempotent: aggregating the aggregate changes nothing.
      expect(aggregateIpv4Cidrs(out)).toEqual(out);
    }), { numRuns: 300 });
  });

  test('is minimal: no two output blocks can be merged into one CIDR (property)', () => {
    fc.assert(fc.property(fc.array(smallCidr, { maxLength: 12 }), (cidrs) => {
      const out = aggregateIpv4Cidrs(cidrs).map(ipv4RangeOf);
      for (let i = 1; i < out.length; i++) {
        const [a, b] = [out[i - 1], out[i]];
        const size = a.last - a.first + 1;
        const siblings = b.first === a.last + 1 && b.last - b.first + 1 === size && a.first % (2 * size) === 0;
        expect(siblings).toBe(false);
      }
    }), { numRuns: 300 });
  });
});
