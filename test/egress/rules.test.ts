import * as fc from 'fast-check';
import { AclRule, evaluateAcl, PROTOCOL_ALL, PROTOCOL_TCP, PROTOCOL_UDP, selectRoute } from '../../src/egress/rules';
import { ipv4InCidr } from '../../src/private/cidr';

// Reference implementations: one port, one prefix length at a time, straight from the VPC user guide's
// wording ("rules are evaluated starting with the lowest numbered rule... as soon as a rule matches,
// it's applied"; "the most specific route that matches the traffic").

function referenceAcl(rules: AclRule<string>[], protocol: number, port: number, peer: (r: AclRule<string>) => boolean): AclRule<string> | undefined {
  const ordered = [...rules].sort((a, b) => a.ruleNumber - b.ruleNumber);
  return ordered.find((r) => (r.protocol === PROTOCOL_ALL || r.protocol === protocol) && peer(r) &&
    (r.protocol === PROTOCOL_ALL || !r.ports || (port >= r.ports.from && port <= r.ports.to)));
}

function referenceRoute(routes: { destination: string; data: number }[], address: string) {
  for (let prefix = 32; prefix >= 0; prefix--) {
    const hit = routes.find((r) => Number(r.destination.split('/')[1]) === prefix && ipv4InCidr(address, r.destination));
    if (hit) return hit;
  }
  return undefined;
}

const port = fc.integer({ min: 0, max: 65535 });
const span = fc.tuple(port, port).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) }));
const rule = fc.record({
  ruleNumber: fc.integer({ min: 1, max: 32766 }),
  protocol: fc.constantFrom(PROTOCOL_ALL, PROTOCOL_TCP, PROTOCOL_UDP),
  allow: fc.boolean(),
  ports: fc.option(span, { nil: undefined }),
  data: fc.constantFrom('peer', 'other'),
});
// EC2 rejects two entries with the same number and direction.
const rules = fc.uniqueArray(rule, { selector: (r) => r.ruleNumber, maxLength: 12 });

describe('evaluateAcl (first match over a port range)', () => {
  test('allows a range exactly when the reference allows every port of it, and names the same deciding rule', () => {
    fc.assert(fc.property(rules, fc.constantFrom(PROTOCOL_TCP, PROTOCOL_UDP), span.filter((s) => s.to - s.from < 3000), (acl, protocol, ports) => {
      const matches = (r: AclRule<string>) => r.data === 'peer';
      const decision = evaluateAcl(acl, protocol, ports, matches);
      const deciding: Array<AclRule<string> | undefined> = [];
      for (let p = ports.from; p <= ports.to; p++) deciding.push(referenceAcl(acl, protocol, p, matches));
      const everyPortAllowed = deciding.every((r) => r?.allow === true);
      expect(decision.allowed).toBe(everyPortAllowed);
      if (!everyPortAllowed) {
        // The blocking rule is the lowest-numbered rule that denies some port; else the default rule *.
        const denying = deciding.filter((r) => r && !r.allow).map((r) => r!.ruleNumber);
        const expected = denying.length > 0 ? Math.min(...denying) : undefined;
        expect(decision.deniedBy?.ruleNumber).toBe(expected);
        const decidedByIt = (r: AclRule<string> | undefined) => (expected === undefined ? !r : r?.ruleNumber === expected);
        const deniedPorts = deciding.map((r, i) => (decidedByIt(r) ? ports.from + i : -1)).filter((p) => p >= 0);
        const reported = (decision.deniedPorts ?? []).flatMap((s) => Array.from({ length: s.to - s.from + 1 }, (_, i) => s.from + i));
        expect(reported.sort((a, b) => a - b)).toEqual(deniedPorts);
      }
    }), { numRuns: 300 });
  });

  test('a deny with a lower number wins over a later allow; the default rule denies what nothing matches', () => {
    const acl: AclRule<string>[] = [
      { ruleNumber: 200, protocol: PROTOCOL_ALL, allow: true, data: 'peer' },
      { ruleNumber: 100, protocol: PROTOCOL_TCP, allow: false, ports: { from: 22, to: 22 }, data: 'peer' },
    ];
    expect(evaluateAcl(acl, PROTOCOL_TCP, { from: 22, to: 22 }, () => true).deniedBy?.ruleNumber).toBe(100);
    expect(evaluateAcl(acl, PROTOCOL_TCP, { from: 443, to: 443 }, () => true).allowed).toBe(true);
    const none = evaluateAcl(acl, PROTOCOL_TCP, { from: 443, to: 443 }, () => false);
    expect(none.allowed).toBe(false);
    expect(none.deniedBy).toBeUndefined();
    expect(none.deniedPorts).toEqual([{ from: 443, to: 443 }]);
  });
});

const cidr = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 })).map(([value, prefix]) => {
  const size = 2 ** (32 - prefix);
  const base = value - (value % size);
  return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.')}/${prefix}`;
});
const address = fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((v) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.'));

describe('selectRoute (longest prefix match)', () => {
  test('picks the route the reference picks for any address', () => {
    // Destinations are unique in a route table, and biased towards covering the address.
    const prefixLengths = fc.array(fc.integer({ min: 0, max: 32 }), { maxLength: 4 });
    fc.assert(fc.property(address, fc.uniqueArray(cidr, { maxLength: 10 }), prefixLengths, (ip, others, prefixes) => {
      const covering = prefixes.map((p) => {
        const value = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
        const size = 2 ** (32 - p);
        const base = value - (value % size);
        return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.')}/${p}`;
      });
      const destinations = [...new Set([...others, ...covering])];
      const routes = destinations.map((destination, data) => ({ destination, data }));
      expect(selectRoute(routes, `${ip}/32`)?.data).toBe(referenceRoute(routes, ip)?.data);
    }), { numRuns: 500 });
  });

  test('a range split across two routes selects neither; 0.0.0.0/0 catches the rest', () => {
    const routes = [{ destination: '10.0.0.0/25', data: 'a' }, { destination: '10.0.0.128/25', data: 'b' }, { destination: '0.0.0.0/0', data: 'default' }];
    expect(selectRoute(routes, '10.0.0.0/24')?.data).toBe('default');
    expect(selectRoute(routes, '10.0.0.200/32')?.data).toBe('b');
  });
});
