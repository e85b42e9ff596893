// The cost tables of README.md and docs/costs.md are generated (scripts/cost-tables.ts), never written by
// hand: this fails when they differ from what the script generates from EgressAnalyzer.cost() on the
// reference configurations and the shipped price table.
import * as fs from 'fs';
import * as path from 'path';
import { costTables, referenceCosts, REGENERATE, render, TARGETS, updateFiles } from '../../scripts/cost-tables';
import { EgressCostItem } from '../../src/egress';

const costs = referenceCosts();
const tables = costTables(costs);

test('README.md and docs/costs.md carry the generated cost tables', () => {
  const stale = updateFiles(false, tables);
  if (stale.length > 0) throw new Error(`The cost tables of ${stale.join(', ')} are stale or hand-edited: regenerate them with\n  ${REGENERATE}`);
});

test('every table has its markers in its file', () => {
  for (const [file, names] of Object.entries(TARGETS)) {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', file), 'utf8');
    for (const name of names) {
      expect({ file, name, start: text.includes(`<!-- cost-tables:${name}:start`), end: text.includes(`<!-- cost-tables:${name}:end -->`) })
        .toEqual({ file, name, start: true, end: true });
    }
  }
  expect(() => render('no markers', 'X.md', tables, ['prices'])).toThrow('X.md: no markers for the cost table prices');
});

test('the numbers follow the templates: a NAT gateway and its address where the configuration has one, endpoints everywhere', () => {
  const byName = Object.fromEntries(costs.map((c) => [c.name, c.cost]));
  const count = (name: string, item: EgressCostItem) => byName[name].lines.filter((l) => l.item === item).reduce((n, l) => n + l.quantity, 0);
  for (const name of ['NotebookNatEgress', 'NotebookPypiAllowlist', 'NotebookPypiAllowlistNacl']) {
    expect([name, count(name, EgressCostItem.NAT_GATEWAY), count(name, EgressCostItem.PUBLIC_IPV4_ADDRESS)]).toEqual([name, 1, 1]);
  }
  for (const name of ['NotebookIsolated', 'StudioIsolated', 'NotebookIsolatedMirror']) expect([name, count(name, EgressCostItem.NAT_GATEWAY)]).toEqual([name, 0]);
  // Studio: 5 endpoints in 2 AZs; the DNS allowlist: its domain names.
  expect(count('StudioIsolated', EgressCostItem.INTERFACE_ENDPOINT)).toBe(10);
  expect(count('NotebookIsolatedDnsAllowlist', EgressCostItem.DNS_FIREWALL_DOMAINS)).toBeGreaterThan(10);
  expect(tables.configurations).toContain(`| \`NotebookNatEgress\` | 1 ($32.85) | 1 ($3.65) | 4 ($29.20) | 2 ($2.00) | – | – | **$${byName.NotebookNatEgress.monthlyUsd.toFixed(2)}** |`);
  expect(tables.prices).toMatch(/not found on an AWS page/);
});
