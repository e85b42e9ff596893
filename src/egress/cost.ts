/**
 * Counts the fixed monthly cost a template implies, on the templates the analyzer resolved (parameters,
 * conditions, nested stacks inlined; one per combination of the conditions that cannot be decided
 * offline): NAT gateways, Elastic IPs, interface endpoints per AZ, KMS keys, CloudWatch alarms, DNS
 * Firewall domain names and Network Firewall endpoints. Not part of the public API (see egress-cost.ts).
 */
import { EgressCost, EgressCostItem, EgressCostLine, EgressCostOptions, EgressCostVariant, EgressPriceTable, EgressUnitPrice } from './egress-cost';
import { SHIPPED_PRICES } from './prices';
import { unresolvedReason } from './resolve';

/** What the analyzer resolved, for counting. */
export interface CostInput {
  /** The template (nested stacks inlined) resolved once per combination of undecided conditions. */
  readonly variants: Array<{ readonly template: any; readonly assumptions: string[] }>;
  /** The template with its nested stacks inlined, unresolved: counted when there are too many undecided conditions. */
  readonly raw: any;
  /** Why the template could not be resolved per combination (too many undecided conditions), if so. */
  readonly capped?: string;
  /** The region the analysis assumes (`${AWS::Region}` when unknown). */
  readonly region: string;
}

export type PriceKey = keyof typeof SHIPPED_PRICES.prices;

/** A complete price table. */
export interface Prices {
  readonly region: string;
  readonly date: string;
  readonly hoursPerMonth: number;
  readonly prices: Record<PriceKey, EgressUnitPrice>;
}

/** What the cost leaves out, for every template. */
export const NOT_COUNTED = [
  'Data processing and transfer, per GB: through NAT gateways, interface endpoints and Network Firewall, out to the internet, between AZs',
  'Requests and queries: KMS requests, DNS Firewall queries, CloudWatch API calls, Lambda requests and duration',
  'Logs, per GB: VPC flow-log and DNS query-log ingestion and storage (CloudWatch Logs, S3)',
  'SageMaker: notebook instances, Studio apps and spaces, and their storage (EBS, EFS), billed while they run or per GB',
  'KMS key rotation: each rotated backing key adds $1 a month (from the first rotation, a year after creation)',
  'Public IPv4 addresses AWS assigns at run time (instances in subnets with MapPublicIpOnLaunch, load balancers)',
  'Resources of other stacks the template imports from, and of nested stacks whose template is not given',
  'Free tiers, Savings Plans, discounts and taxes',
];

/** Resource types with a fixed fee the cost does not price: named in the notes when found. */
const UNPRICED_FIXED_FEES: Record<string, string> = {
  'AWS::Route53::HostedZone': 'a monthly fee per hosted zone',
  'AWS::Route53Resolver::ResolverEndpoint': 'an hourly fee per network interface',
  'AWS::SecretsManager::Secret': 'a monthly fee per secret',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'an hourly fee and capacity units',
  'AWS::EC2::TransitGatewayAttachment': 'an hourly fee per attachment',
  'AWS::EC2::TransitGatewayVpcAttachment': 'an hourly fee per attachment',
  'AWS::EC2::VPNConnection': 'an hourly fee per connection',
  'AWS::EC2::ClientVpnEndpoint': 'an hourly fee per association and connection',
  'AWS::EC2::Instance': 'an hourly fee while it runs',
};

const UNITS: Record<EgressCostItem, { unit: string; plural: string; label: string }> = {
  [EgressCostItem.NAT_GATEWAY]: { unit: 'NAT gateway', plural: 'NAT gateways', label: 'NAT gateways' },
  [EgressCostItem.PUBLIC_IPV4_ADDRESS]: { unit: 'address', plural: 'addresses', label: 'public IPv4 addresses (Elastic IPs)' },
  [EgressCostItem.INTERFACE_ENDPOINT]: { unit: 'endpoint AZ', plural: 'endpoint AZs', label: 'interface endpoints' },
  [EgressCostItem.GATEWAY_ENDPOINT]: { unit: 'gateway endpoint', plural: 'gateway endpoints', label: 'gateway endpoints' },
  [EgressCostItem.KMS_KEY]: { unit: 'key', plural: 'keys', label: 'KMS keys (customer-managed)' },
  [EgressCostItem.CLOUDWATCH_ALARM]: { unit: 'alarm metric', plural: 'alarm metrics', label: 'CloudWatch alarms' },
  [EgressCostItem.CLOUDWATCH_HIGH_RESOLUTION_ALARM]: { unit: 'alarm metric', plural: 'alarm metrics', label: 'CloudWatch high-resolution alarms' },
  [EgressCostItem.CLOUDWATCH_COMPOSITE_ALARM]: { unit: 'composite alarm', plural: 'composite alarms', label: 'CloudWatch composite alarms' },
  [EgressCostItem.DNS_FIREWALL_DOMAINS]: { unit: 'domain name', plural: 'domain names', label: 'DNS Firewall domain lists' },
  [EgressCostItem.DNS_QUERY_LOGGING]: { unit: 'query log config', plural: 'query log configs', label: 'DNS query logging' },
  [EgressCostItem.NETWORK_FIREWALL_ENDPOINT]: { unit: 'firewall endpoint', plural: 'firewall endpoints', label: 'Network Firewall endpoints' },
  [EgressCostItem.LAMBDA_FUNCTION]: { unit: 'function', plural: 'functions', label: 'Lambda functions' },
};

/** The words for an item: its unit (singular, plural) and a label for tables. */
export function unitOf(item: EgressCostItem): { unit: string; plural: string; label: string } {
  return UNITS[item];
}

const HOURLY: PriceKey[] = ['natGatewayHour', 'publicIpv4AddressHour', 'interfaceEndpointAzHour', 'networkFirewallEndpointHour'];

/** Whether a price key is per hour (else per month). */
export function isHourly(key: string): boolean {
  return (HOURLY as string[]).includes(key);
}

/** The error of a malformed price table: one line. */
export class PriceTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceTableError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks a (partial) price table, as a JSON file or the cost options give it: a price is `{ usd, source?,
 * date?, note? }` or, in a file, a number (the dollars). Throws a PriceTableError naming the field.
 */
export function validatePriceTable(value: unknown, where: string): EgressPriceTable {
  // `where` is a property path (`prices`) or, ending with a colon, a file (`--prices f.json:`).
  const root = where.endsWith(':') ? where : `${where}:`;
  const at = (path: string) => (where.endsWith(':') ? `${where} ${path}:` : `${where}.${path}:`);
  if (!isObject(value)) throw new PriceTableError(`${root} must be an object such as { "prices": { "natGatewayHour": 0.045 } }, got ${describe(value)}`);
  const known = ['region', 'date', 'hoursPerMonth', 'prices', 'currency', '$schema', 'description'];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new PriceTableError(`${root} unknown field ${key} (expected region, date, hoursPerMonth, prices)`);
  }
  if (value.currency !== undefined && value.currency !== 'USD') throw new PriceTableError(`${at('currency')} only USD is supported, got ${describe(value.currency)}`);
  if (value.region !== undefined && (typeof value.region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(value.region))) {
    throw new PriceTableError(`${at('region')} must be a region such as "eu-west-1", got ${describe(value.region)}`);
  }
  if (value.date !== undefined && (typeof value.date !== 'string' || !DATE.test(value.date))) {
    throw new PriceTableError(`${at('date')} must be a date YYYY-MM-DD, got ${describe(value.date)}`);
  }
  if (value.hoursPerMonth !== undefined && !(typeof value.hoursPerMonth === 'number' && value.hoursPerMonth > 0 && value.hoursPerMonth <= 745)) {
    throw new PriceTableError(`${at('hoursPerMonth')} must be a number of hours from 1 to 745 (AWS uses 730), got ${describe(value.hoursPerMonth)}`);
  }
  const prices: Record<string, EgressUnitPrice> = {};
  if (value.prices !== undefined) {
    if (!isObject(value.prices)) throw new PriceTableError(`${at('prices')} must be an object of prices by key, got ${describe(value.prices)}`);
    const keys = Object.keys(SHIPPED_PRICES.prices);
    for (const [key, price] of Object.entries(value.prices)) {
      const entry = `prices.${key}`;
      if (!keys.includes(key)) throw new PriceTableError(`${at(entry)} unknown price (the keys are ${keys.join(', ')})`);
      const p = typeof price === 'number' ? { usd: price } : price;
      if (!isObject(p)) throw new PriceTableError(`${at(entry)} must be a number of dollars or { "usd": n, "source": "...", "date": "YYYY-MM-DD" }, got ${describe(price)}`);
      for (const field of Object.keys(p)) {
        if (!['usd', 'source', 'date', 'note'].includes(field)) throw new PriceTableError(`${at(entry)} unknown field ${field} (expected usd, source, date, note)`);
      }
      if (typeof p.usd !== 'number' || !Number.isFinite(p.usd) || p.usd < 0) {
        throw new PriceTableError(`${at(`${entry}.usd`)} must be a number of dollars, 0 or more, got ${describe(p.usd)}`);
      }
      for (const field of ['source', 'note'] as const) {
        if (p[field] !== undefined && typeof p[field] !== 'string') throw new PriceTableError(`${at(`${entry}.${field}`)} must be text, got ${describe(p[field])}`);
      }
      if (p.date !== undefined && (typeof p.date !== 'string' || !DATE.test(p.date))) {
        throw new PriceTableError(`${at(`${entry}.date`)} must be a date YYYY-MM-DD, got ${describe(p.date)}`);
      }
      prices[key] = p as unknown as EgressUnitPrice;
    }
  }
  return {
    region: value.region as string | undefined,
    date: value.date as string | undefined,
    hoursPerMonth: value.hoursPerMonth as number | undefined,
    prices,
  };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The shipped table with `override` applied; an overriding price without a source is credited to `overrideSource`. */
export function mergePrices(override: EgressPriceTable | undefined, overrideSource = 'the prices option'): Prices {
  const base = SHIPPED_PRICES;
  if (!override) return base;
  const checked = validatePriceTable(override, 'prices');
  const prices = { ...base.prices } as Record<PriceKey, EgressUnitPrice>;
  for (const [key, p] of Object.entries(checked.prices ?? {})) {
    prices[key as PriceKey] = { usd: p.usd, source: p.source ?? overrideSource, date: p.date ?? checked.date, note: p.note };
  }
  return {
    region: checked.region ?? base.region,
    date: checked.date ?? base.date,
    hoursPerMonth: checked.hoursPerMonth ?? base.hoursPerMonth,
    prices,
  };
}

/** A line before its price. */
interface Counted {
  readonly item: EgressCostItem;
  readonly resource: string;
  readonly quantity: number;
  readonly price?: PriceKey;
  readonly note?: string;
  /** The resource's own Condition, in a template that could not be resolved per combination. */
  readonly condition?: string;
}

/** Counts the priced resources of one resolved template. */
function countTemplate(template: any): { counted: Counted[]; notes: string[] } {
  const counted: Counted[] = [];
  const notes: string[] = [];
  const unpriced = new Map<string, string[]>();
  const resources: Record<string, any> = isObject(template?.Resources) ? template.Resources : {};
  const eips = new Set(Object.entries(resources).filter(([, r]) => r?.Type === 'AWS::EC2::EIP').map(([id]) => id));
  for (const [id, r] of Object.entries(resources)) {
    const props = isObject(r?.Properties) ? r.Properties : {};
    const condition = typeof r?.Condition === 'string' ? r.Condition : undefined;
    const add = (c: Omit<Counted, 'resource' | 'condition'>) => counted.push({ ...c, resource: id, condition });
    switch (r?.Type) {
      case 'AWS::EC2::NatGateway': {
        const isPrivate = props.ConnectivityType === 'private';
        const allocation = refTarget(props.AllocationId);
        const note = isPrivate ? 'private NAT gateway: no public address'
          : allocation && eips.has(allocation) ? undefined
            : 'its Elastic IP is not in the template: the address is not counted';
        add({ item: EgressCostItem.NAT_GATEWAY, quantity: 1, price: 'natGatewayHour', note });
        break;
      }
      case 'AWS::EC2::EIP':
        add({ item: EgressCostItem.PUBLIC_IPV4_ADDRESS, quantity: 1, price: 'publicIpv4AddressHour' });
        break;
      case 'AWS::EC2::VPCEndpoint': {
        const type = props.VpcEndpointType ?? 'Gateway';
        if (type === 'Interface') {
          const n = countList(props.SubnetIds);
          add({
            item: EgressCostItem.INTERFACE_ENDPOINT,
            quantity: n.count,
            price: 'interfaceEndpointAzHour',
            note: n.known ? undefined : `its subnets are known only at deploy time (${n.why}): counted as 1 AZ`,
          });
        } else if (type === 'Gateway') {
          add({ item: EgressCostItem.GATEWAY_ENDPOINT, quantity: 1 });
        } else {
          addTo(unpriced, `AWS::EC2::VPCEndpoint of type ${typeof type === 'string' ? type : 'unknown'}`, id);
        }
        break;
      }
      case 'AWS::KMS::Key':
      case 'AWS::KMS::ReplicaKey':
        add({ item: EgressCostItem.KMS_KEY, quantity: 1, price: 'kmsKeyMonth' });
        break;
      case 'AWS::CloudWatch::Alarm': {
        const metrics = Array.isArray(props.Metrics) ? props.Metrics.filter((m: any) => isObject(m?.MetricStat)) : [];
        const periods = metrics.length > 0 ? metrics.map((m: any) => m.MetricStat.Period) : [props.Period];
        const highResolution = periods.some((p: unknown) => Number(p) > 0 && Number(p) < 60);
        add({
          item: highResolution ? EgressCostItem.CLOUDWATCH_HIGH_RESOLUTION_ALARM : EgressCostItem.CLOUDWATCH_ALARM,
          quantity: Math.max(1, metrics.length),
          price: highResolution ? 'cloudWatchHighResolutionAlarmMetricMonth' : 'cloudWatchAlarmMetricMonth',
        });
        break;
      }
      case 'AWS::CloudWatch::CompositeAlarm':
        add({ item: EgressCostItem.CLOUDWATCH_COMPOSITE_ALARM, quantity: 1, price: 'cloudWatchCompositeAlarmMonth' });
        break;
      case 'AWS::Route53Resolver::FirewallDomainList': {
        const n = countList(props.Domains);
        const fromFile = props.DomainFileUrl !== undefined && props.Domains === undefined;
        add({
          item: EgressCostItem.DNS_FIREWALL_DOMAINS,
          quantity: fromFile ? 0 : n.count,
          price: 'dnsFirewallDomainMonth',
          note: fromFile ? 'its names are read from a file (DomainFileUrl) at deploy time: not counted'
            : n.known ? undefined : `its names are known only at deploy time (${n.why}): counted as 1`,
        });
        break;
      }
      case 'AWS::Route53Resolver::ResolverQueryLoggingConfig':
        add({ item: EgressCostItem.DNS_QUERY_LOGGING, quantity: 1, note: 'no fee of its own; the log destination bills ingestion and storage per GB' });
        break;
      case 'AWS::NetworkFirewall::Firewall': {
        const n = countList(props.SubnetMappings);
        add({
          item: EgressCostItem.NETWORK_FIREWALL_ENDPOINT,
          quantity: n.count,
          price: 'networkFirewallEndpointHour',
          note: n.known ? undefined : `its subnet mappings are known only at deploy time (${n.why}): counted as 1 endpoint`,
        });
        break;
      }
      case 'AWS::NetworkFirewall::VpcEndpointAssociation':
        add({ item: EgressCostItem.NETWORK_FIREWALL_ENDPOINT, quantity: 1, price: 'networkFirewallEndpointHour' });
        break;
      case 'AWS::Lambda::Function':
        add({ item: EgressCostItem.LAMBDA_FUNCTION, quantity: 1 });
        break;
      case 'AWS::CloudFormation::Stack':
        notes.push(`Nested stack ${id}: its template is not given, so its resources are not counted`);
        break;
      default:
        if (typeof r?.Type === 'string' && UNPRICED_FIXED_FEES[r.Type]) addTo(unpriced, `${r.Type} (${UNPRICED_FIXED_FEES[r.Type]})`, id);
    }
  }
  for (const [what, ids] of unpriced) notes.push(`Not priced: ${ids.length} ${what}: ${ids.join(', ')}`);
  return { counted, notes };
}

function addTo(map: Map<string, string[]>, key: string, id: string) {
  map.set(key, [...(map.get(key) ?? []), id]);
}

/** The logical id a `Ref` or `Fn::GetAtt` names, if it is one. */
function refTarget(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** How many entries a list property has, or 1 (and why) when it is known only at deploy time. */
function countList(value: unknown): { count: number; known: boolean; why?: string } {
  if (Array.isArray(value)) return { count: value.length, known: true };
  if (value === undefined) return { count: 0, known: true };
  const why = unresolvedReason(value) ?? `${Object.keys(isObject(value) ? value : {})[0] ?? typeof value} is not resolved offline`;
  return { count: 1, known: false, why };
}

const round = (dollars: number) => Math.round(dollars * 1e6) / 1e6;

/** The monthly price of one unit. */
function monthly(prices: Prices, key: PriceKey | undefined): number {
  if (!key) return 0;
  return round(prices.prices[key].usd * (isHourly(key) ? prices.hoursPerMonth : 1));
}

/** Counts the fixed monthly cost of what the analyzer resolved. */
export function computeCost(input: CostInput, options: EgressCostOptions = {}, overrideSource?: string): EgressCost {
  const prices = mergePrices(options.prices, overrideSource);
  const notes: string[] = [];
  const capped = input.capped !== undefined || input.variants.length === 0;
  const variants = capped ? [{ template: input.raw, assumptions: [] as string[] }] : input.variants;
  const counts = variants.map((v) => countTemplate(v.template));
  counts.forEach((c) => notes.push(...c.notes));

  const priced = (c: Counted): EgressCostLine => {
    const unitMonthlyUsd = monthly(prices, c.price);
    return {
      item: c.item,
      resource: c.resource,
      quantity: c.quantity,
      ...(c.price ? { priceKey: c.price } : {}),
      unit: c.quantity === 1 ? UNITS[c.item].unit : UNITS[c.item].plural,
      unitMonthlyUsd,
      monthlyUsd: round(unitMonthlyUsd * c.quantity),
      ...(c.note ? { note: c.note } : {}),
    };
  };

  let lines: EgressCostLine[];
  let variantTotals: EgressCostVariant[];
  if (capped) {
    // Too many undecided conditions to resolve each combination: a resource with a Condition may or may not be created.
    notes.unshift(`${input.capped ?? 'The template could not be resolved'}: a resource with a Condition is counted as "depends on" it, values are taken as written`);
    lines = counts[0].counted.map((c) => ({ ...priced(c), ...(c.condition ? { condition: `depends on condition ${c.condition}` } : {}) }));
    const all = sum(lines);
    const unconditional = sum(lines.filter((l) => l.condition === undefined));
    variantTotals = [
      { assumptions: ['every resource with a Condition is created'], monthlyUsd: all },
      { assumptions: ['no resource with a Condition is created'], monthlyUsd: unconditional },
    ];
  } else {
    // The same resource with the same quantity in several combinations is one line, with the combinations it is in.
    const merged = new Map<string, { line: EgressCostLine; present: number[] }>();
    counts.forEach((c, i) => {
      for (const line of c.counted.map(priced)) {
        const key = `${line.item}|${line.resource}|${line.quantity}|${line.note ?? ''}`;
        const entry = merged.get(key) ?? { line, present: [] };
        entry.present.push(i);
        merged.set(key, entry);
      }
    });
    lines = [...merged.values()]
      .map(({ line, present }) => (present.length === variants.length ? line : { ...line, condition: whenPresent(present, variants) }));
    variantTotals = counts.map((c, i) => ({ assumptions: variants[i].assumptions, monthlyUsd: sum(c.counted.map(priced)) }));
  }
  lines.sort((a, b) => b.monthlyUsd - a.monthlyUsd || a.item.localeCompare(b.item) || a.resource.localeCompare(b.resource));

  if (input.region.startsWith('${')) {
    notes.push(`The template's region is not known: priced at ${prices.region} prices`);
  } else if (input.region !== prices.region) {
    notes.push(`Priced at ${prices.region} prices; the template is analyzed for ${input.region}, whose prices may differ (give them with --prices or the prices option)`);
  }
  const totals = variantTotals.map((v) => v.monthlyUsd);
  return {
    region: prices.region,
    priceDate: prices.date,
    currency: 'USD',
    hoursPerMonth: prices.hoursPerMonth,
    monthlyUsd: Math.max(...totals),
    minMonthlyUsd: Math.min(...totals),
    lines,
    variants: variantTotals,
    prices: JSON.parse(JSON.stringify(prices.prices)),
    notCounted: [...NOT_COUNTED],
    notes: [...new Set(notes)],
  };
}

function sum(lines: Array<{ monthlyUsd: number }>): number {
  return round(lines.reduce((n, l) => n + l.monthlyUsd, 0));
}

/** When a line is present in some combinations only: the assumptions they share, if those single them out, else each combination. */
function whenPresent(present: number[], variants: Array<{ assumptions: string[] }>): string {
  const common = variants[present[0]].assumptions.filter((a) => present.every((i) => variants[i].assumptions.includes(a)));
  const matching = variants.map((_v, i) => i).filter((i) => common.every((a) => variants[i].assumptions.includes(a)));
  if (common.length > 0 && matching.length === present.length) return `when ${common.join(' and ')}`;
  return `when ${present.map((i) => variants[i].assumptions.join(' and ')).join('; or when ')}`;
}

/** Dollars: cents, or four decimals under a cent. */
export function usd(amount: number): string {
  return amount !== 0 && Math.abs(amount) < 0.01 ? `$${amount.toFixed(4)}` : `$${amount.toFixed(2)}`;
}

/** The cost as text, for the command line: lines grouped by item, price and condition. */
export function costText(cost: EgressCost, indent = '  '): string {
  const out: string[] = [];
  const range = cost.minMonthlyUsd === cost.monthlyUsd ? usd(cost.monthlyUsd) : `${usd(cost.minMonthlyUsd)} to ${usd(cost.monthlyUsd)}, depending on conditions`;
  out.push(`${indent}Fixed monthly cost: ${range} (${cost.region} prices of ${cost.priceDate}, ${cost.hoursPerMonth} hours a month)`);
  const groups = new Map<string, EgressCostLine[]>();
  for (const line of cost.lines) {
    const key = `${line.item}|${line.unitMonthlyUsd}|${line.condition ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  for (const group of groups.values()) {
    const first = group[0];
    const quantity = group.reduce((n, l) => n + l.quantity, 0);
    const total = sum(group);
    const words = UNITS[first.item];
    const resources = group.map((l) => l.resource);
    const shown = resources.length > 4 ? `${resources.slice(0, 4).join(', ')} and ${resources.length - 4} more` : resources.join(', ');
    const what = `${quantity} ${quantity === 1 ? words.unit : words.plural} x ${usd(first.unitMonthlyUsd)}`;
    out.push(`${indent}  ${usd(total).padStart(9)}  ${words.label}: ${what} (${shown})${first.condition ? `, ${first.condition}` : ''}`);
    for (const note of new Set(group.map((l) => l.note).filter((n): n is string => !!n))) out.push(`${indent}             ${note}`);
  }
  if (cost.variants.length > 1) {
    for (const v of cost.variants) out.push(`${indent}  ${usd(v.monthlyUsd).padStart(9)}  total when ${v.assumptions.join(' and ')}`);
  }
  for (const note of cost.notes) out.push(`${indent}  Note: ${note}`);
  const overridden = Object.entries(cost.prices).filter(([, p]) => !p.source?.startsWith('https://aws.amazon.com/'));
  if (overridden.length > 0) {
    out.push(`${indent}  Prices not from the shipped table: ${overridden.map(([key, p]) => `${key} $${p.usd} (${p.source ?? 'no source'})`).join(', ')}`);
  }
  out.push(`${indent}  Not counted: ${cost.notCounted.join('; ')}.`);
  return out.join('\n');
}
