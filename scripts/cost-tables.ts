/**
 * The cost tables of README.md and docs/costs.md, generated from EgressAnalyzer.cost() on the synthesized
 * reference configurations (test/scenarios/reference-configurations.ts) and the shipped price table
 * (src/egress/prices.ts): never written by hand. Each table sits between marker comments
 * `<!-- cost-tables:NAME:start ... -->` and `<!-- cost-tables:NAME:end -->`; test/egress/cost-tables.test.ts
 * fails when a file's tables differ from what this script generates.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/cost-tables.ts           # rewrite the tables in place
 *   npx ts-node --project tsconfig.dev.json scripts/cost-tables.ts --check   # exit 1 when they are stale
 *   npx ts-node --project tsconfig.dev.json scripts/cost-tables.ts --print   # print the tables
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { EgressAnalyzer, EgressCost, EgressCostItem, EgressPrices } from '../src/egress';
import { isHourly, NOT_COUNTED, unitOf, usd } from '../src/egress/cost';
import { addReferenceConfigurations, REFERENCE_STACK_NAMES } from '../test/scenarios/reference-configurations';

/** The command that regenerates the tables. */
export const REGENERATE = 'npx ts-node --project tsconfig.dev.json scripts/cost-tables.ts';

/** The files with generated tables, relative to the repository root, and the tables each holds. */
export const TARGETS: Record<string, string[]> = {
  'README.md': ['configurations'],
  'docs/costs.md': ['prices', 'configurations', 'breakdown', 's3-endpoints', 'studio-endpoints'],
};

const ROOT = path.join(__dirname, '..');

const PRICE_LABELS: Record<string, [string, string]> = {
  natGatewayHour: ['NAT gateway', 'per NAT gateway-hour'],
  publicIpv4AddressHour: ['Public IPv4 address (the NAT gateway\'s Elastic IP)', 'per address-hour'],
  interfaceEndpointAzHour: ['Interface endpoint', 'per endpoint per AZ-hour'],
  kmsKeyMonth: ['KMS key (customer-managed)', 'per key-month'],
  cloudWatchAlarmMetricMonth: ['CloudWatch alarm (standard resolution)', 'per alarm metric-month'],
  cloudWatchHighResolutionAlarmMetricMonth: ['CloudWatch alarm (high resolution)', 'per alarm metric-month'],
  cloudWatchCompositeAlarmMonth: ['CloudWatch composite alarm', 'per alarm-month'],
  dnsFirewallDomainMonth: ['Route 53 Resolver DNS Firewall domain name', 'per name-month'],
  networkFirewallEndpointHour: ['AWS Network Firewall endpoint', 'per endpoint-hour'],
};

/** Units in the breakdown where the analyzer's own are too short out of context. */
const BREAKDOWN_UNITS: Partial<Record<EgressCostItem, { unit: string; plural: string }>> = {
  [EgressCostItem.PUBLIC_IPV4_ADDRESS]: { unit: 'public IPv4 address', plural: 'public IPv4 addresses' },
  [EgressCostItem.KMS_KEY]: { unit: 'KMS key', plural: 'KMS keys' },
  [EgressCostItem.DNS_FIREWALL_DOMAINS]: { unit: 'DNS Firewall name', plural: 'DNS Firewall names' },
};

/** Each reference configuration's cost, in the order the configurations are built. */
export function referenceCosts(): Array<{ name: string; cost: EgressCost }> {
  const app = new App();
  addReferenceConfigurations(app);
  const assembly = app.synth();
  return REFERENCE_STACK_NAMES.map((name) => ({
    name,
    cost: EgressAnalyzer.fromTemplate(assembly.getStackByName(name).template, { region: 'us-east-1' }).cost(),
  }));
}

const linesOf = (cost: EgressCost, items: EgressCostItem[]) => cost.lines.filter((l) => items.includes(l.item));
const quantity = (cost: EgressCost, ...items: EgressCostItem[]) => linesOf(cost, items).reduce((n, l) => n + l.quantity, 0);
const amount = (cost: EgressCost, ...items: EgressCostItem[]) => linesOf(cost, items).reduce((n, l) => n + l.monthlyUsd, 0);
const cell = (cost: EgressCost, ...items: EgressCostItem[]) => {
  const n = quantity(cost, ...items);
  return n === 0 ? '–' : `${n} (${usd(amount(cost, ...items))})`;
};
const ALARMS = [EgressCostItem.CLOUDWATCH_ALARM, EgressCostItem.CLOUDWATCH_HIGH_RESOLUTION_ALARM, EgressCostItem.CLOUDWATCH_COMPOSITE_ALARM];

/** The tables, by name, as markdown. */
export function costTables(costs = referenceCosts()): Record<string, string> {
  const table = EgressPrices.shipped();
  const prices = table.prices!;
  const hours = table.hoursPerMonth!;
  const monthly = (key: string) => prices[key].usd * (isHourly(key) ? hours : 1);
  const endpointAz = monthly('interfaceEndpointAzHour');

  const priceRows = Object.entries(prices).map(([key, p]) => {
    const [label, unit] = PRICE_LABELS[key] ?? [key, ''];
    const checked = p.note?.startsWith('NOT FOUND') ? '**not found on an AWS page: unverified**'
      : /from the page text/.test(p.note ?? '') ? 'the page\'s text' : 'rendered by region on the page; secondary sources';
    const price = Number.isInteger(p.usd * 100) ? p.usd.toFixed(2) : String(p.usd);
    return `| ${label} | $${price} ${unit} | ${usd(monthly(key))} | [${p.source!.replace(/^https:\/\//, '').replace(/\/$/, '')}](${p.source}) (${p.date}) | ${checked} |`;
  });
  const pricesTable = [
    `Prices of ${table.region}, read on ${table.date}; a month is ${hours} hours. They ship in \`src/egress/prices.ts\` (each with its note on how it was checked); \`--prices FILE\` replaces them.`,
    '',
    '| Item | Price | Per month | Source (read on) | Checked in |',
    '| --- | --- | --- | --- | --- |',
    ...priceRows,
    '| Gateway endpoint (S3), Lambda function, Resolver query logging | no fixed charge | $0.00 | | |',
  ].join('\n');

  const configurations = [
    '| Configuration | NAT gateways | Public IPv4 addresses | Interface endpoint AZs | KMS keys | CloudWatch alarms | DNS Firewall names | Fixed monthly cost |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...costs.map(({ name, cost }) => `| \`${name}\` | ${[
      cell(cost, EgressCostItem.NAT_GATEWAY),
      cell(cost, EgressCostItem.PUBLIC_IPV4_ADDRESS),
      cell(cost, EgressCostItem.INTERFACE_ENDPOINT),
      cell(cost, EgressCostItem.KMS_KEY),
      cell(cost, ...ALARMS),
      cell(cost, EgressCostItem.DNS_FIREWALL_DOMAINS),
    ].join(' | ')} | **${usd(cost.monthlyUsd)}** |`),
    '',
    `${table.region} prices of ${table.date}, counted by \`EgressAnalyzer.cost()\` (and \`cdk-sagemaker-egress analyze\`) on each synthesized template. ` +
      'Not counted: data processing and transfer (per GB), requests and queries, log ingestion and storage, the SageMaker instances, ' +
      'apps and storage, KMS key rotation (from the first year).',
  ].join('\n');

  const breakdown = [
    '| Configuration | Fixed monthly cost | Breakdown |',
    '| --- | --- | --- |',
    ...costs.map(({ name, cost }) => {
      const parts = Object.values(EgressCostItem).filter((item) => amount(cost, item) > 0).map((item) => {
        const lines = cost.lines.filter((l) => l.item === item);
        const n = quantity(cost, item);
        const words = BREAKDOWN_UNITS[item] ?? unitOf(item);
        return `${n} ${n === 1 ? words.unit : words.plural} × ${usd(lines[0].unitMonthlyUsd)}`;
      });
      const endpoints = cost.lines.filter((l) => l.item === EgressCostItem.INTERFACE_ENDPOINT);
      const azs = [...new Set(endpoints.map((l) => l.quantity))];
      const endpointNote = endpoints.length ? ` (${endpoints.length} interface endpoints in ${azs.join(' or ')} AZ${azs.length === 1 && azs[0] === 1 ? '' : 's'})` : '';
      return `| \`${name}\` | ${usd(cost.monthlyUsd)} | ${parts.join(' + ')}${endpointNote} |`;
    }),
    '',
    `Not counted: ${NOT_COUNTED.map((n) => n.replace(/\.$/, '')).join('; ')}.`,
  ].join('\n');

  const s3 = [
    '| | `S3EndpointKind.GATEWAY` (default) | `S3EndpointKind.INTERFACE` | `S3EndpointKind.GATEWAY_AND_INTERFACE` |',
    '| --- | --- | --- | --- |',
    `| Fixed cost per month | $0.00 | ${usd(endpointAz)} × AZs: 1 AZ ${usd(endpointAz)}, 2 AZs ${usd(2 * endpointAz)}, 3 AZs ${usd(3 * endpointAz)} | as \`INTERFACE\` |`,
    '| Data processing | $0 | per GB (PrivateLink) | $0 from the VPC (gateway), per GB from on-premises |',
  ].join('\n');

  const studio = costs.find((c) => c.name === 'StudioIsolated')?.cost;
  const studioEndpoints = studio ? studio.lines.filter((l) => l.item === EgressCostItem.INTERFACE_ENDPOINT) : [];
  const studioAzs = studioEndpoints.reduce((n, l) => n + l.quantity, 0);
  const studioAzCount = studioEndpoints[0]?.quantity ?? 0;
  const studioTable = [
    '| | Source sample | `StudioIsolated` with this library |',
    '| --- | --- | --- |',
    `| Interface endpoints | 10, in 2 AZs | ${studioEndpoints.length}, in ${studioAzCount} AZs |`,
    `| Fixed endpoint cost per month | 10 × 2 AZs × ${usd(endpointAz)} = ${usd(20 * endpointAz)} | ${studioEndpoints.length} × ${studioAzCount} AZs × ${usd(endpointAz)} = ${usd(studioAzs * endpointAz)} ` +
      `(without the Studio UI endpoint ${usd((studioEndpoints.length - 1) * studioAzCount * endpointAz)}; with \`endpointAzs: 1\` ` +
      `${usd((studioEndpoints.length - 1) * endpointAz)} / ${usd(studioEndpoints.length * endpointAz)}) |`,
  ].join('\n');

  return { 'prices': pricesTable, 'configurations': configurations, 'breakdown': breakdown, 's3-endpoints': s3, 'studio-endpoints': studioTable };
}

const START = (name: string) => `<!-- cost-tables:${name}:start (generated by scripts/cost-tables.ts from EgressAnalyzer.cost(); do not edit: run ${REGENERATE}) -->`;
const END = (name: string) => `<!-- cost-tables:${name}:end -->`;

/** `text` with each named table written between its markers; throws when a marker is missing. */
export function render(text: string, file: string, tables: Record<string, string>, names: string[]): string {
  let out = text;
  for (const name of names) {
    const start = out.search(new RegExp(`<!-- cost-tables:${name}:start[^>]*-->`));
    const endMarker = END(name);
    const end = out.indexOf(endMarker, start);
    if (start < 0 || end < 0) throw new Error(`${file}: no markers for the cost table ${name} (${START(name)} ... ${endMarker})`);
    out = `${out.slice(0, start)}${START(name)}\n${tables[name]}\n${out.slice(end)}`;
  }
  return out;
}

/** The files whose tables differ from the generated ones (none: up to date); with `write`, rewrites them. */
export function updateFiles(write: boolean, tables = costTables()): string[] {
  const stale: string[] = [];
  for (const [file, names] of Object.entries(TARGETS)) {
    const full = path.join(ROOT, file);
    const text = fs.readFileSync(full, 'utf8');
    const updated = render(text, file, tables, names);
    if (updated !== text) {
      stale.push(file);
      if (write) fs.writeFileSync(full, updated);
    }
  }
  return stale;
}

function main(argv: string[]): number {
  if (argv.includes('--print')) {
    for (const [name, markdown] of Object.entries(costTables())) console.log(`## ${name}\n\n${markdown}\n`);
    return 0;
  }
  const check = argv.includes('--check');
  const stale = updateFiles(!check);
  if (check && stale.length > 0) {
    console.error(`Stale cost tables in ${stale.join(', ')}: run ${REGENERATE}`);
    return 1;
  }
  console.log(stale.length ? `Rewrote the cost tables of ${stale.join(', ')}` : 'The cost tables are up to date');
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
