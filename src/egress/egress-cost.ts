/**
 * The fixed monthly cost a template implies (EgressAnalyzer.cost()): the public types and the price table
 * that ships with the package. The counting itself is in cost.ts.
 */
import { SHIPPED_PRICES } from './prices';

/** What a cost line counts. */
export enum EgressCostItem {
  /** A NAT gateway (per hour). */
  NAT_GATEWAY = 'NAT_GATEWAY',
  /** A public IPv4 address: an Elastic IP of the template (per hour, attached or not). */
  PUBLIC_IPV4_ADDRESS = 'PUBLIC_IPV4_ADDRESS',
  /** An interface VPC endpoint, per subnet (Availability Zone) it has a network interface in (per hour). */
  INTERFACE_ENDPOINT = 'INTERFACE_ENDPOINT',
  /** A gateway VPC endpoint (S3, DynamoDB): no charge. */
  GATEWAY_ENDPOINT = 'GATEWAY_ENDPOINT',
  /** A customer-managed KMS key (per month, prorated hourly). */
  KMS_KEY = 'KMS_KEY',
  /** A CloudWatch metric alarm, per metric it evaluates (standard resolution, per month). */
  CLOUDWATCH_ALARM = 'CLOUDWATCH_ALARM',
  /** A high-resolution CloudWatch metric alarm (period under 60 s), per metric (per month). */
  CLOUDWATCH_HIGH_RESOLUTION_ALARM = 'CLOUDWATCH_HIGH_RESOLUTION_ALARM',
  /** A CloudWatch composite alarm (per month). */
  CLOUDWATCH_COMPOSITE_ALARM = 'CLOUDWATCH_COMPOSITE_ALARM',
  /** The domain names of a Route 53 Resolver DNS Firewall domain list (per name per month). */
  DNS_FIREWALL_DOMAINS = 'DNS_FIREWALL_DOMAINS',
  /** A Route 53 Resolver query logging configuration: no fee of its own (its destination bills per GB). */
  DNS_QUERY_LOGGING = 'DNS_QUERY_LOGGING',
  /** An AWS Network Firewall endpoint, one per subnet mapping or endpoint association (per hour). */
  NETWORK_FIREWALL_ENDPOINT = 'NETWORK_FIREWALL_ENDPOINT',
  /** A Lambda function: no fixed charge (requests and duration are usage). */
  LAMBDA_FUNCTION = 'LAMBDA_FUNCTION',
}

/** One price of the table. */
export interface EgressUnitPrice {
  /** The price in US dollars, per the price's unit (an hour or a month; see EgressPriceTable). */
  readonly usd: number;
  /**
   * Where the price comes from (a URL, or the file that overrides it).
   *
   * @default - no source recorded
   */
  readonly source?: string;
  /**
   * When the price was read from its source (YYYY-MM-DD).
   *
   * @default - the table's date
   */
  readonly date?: string;
  /**
   * How the price was checked, and anything uncertain about it.
   *
   * @default - none
   */
  readonly note?: string;
}

/**
 * A price table: the shipped one (us-east-1), or a partial override of it (`--prices FILE`, the cost
 * options). Prices by key: `natGatewayHour`, `publicIpv4AddressHour`, `interfaceEndpointAzHour` (per
 * endpoint per AZ), `networkFirewallEndpointHour` (per hour); `kmsKeyMonth`, `cloudWatchAlarmMetricMonth`,
 * `cloudWatchHighResolutionAlarmMetricMonth`, `cloudWatchCompositeAlarmMonth`, `dnsFirewallDomainMonth`
 * (per month).
 */
export interface EgressPriceTable {
  /**
   * The region the prices are for.
   *
   * @default - the shipped table's (us-east-1)
   */
  readonly region?: string;
  /**
   * When the prices were read (YYYY-MM-DD).
   *
   * @default - the shipped table's date
   */
  readonly date?: string;
  /**
   * Hours in a month, to turn hourly prices into monthly ones.
   *
   * @default 730
   */
  readonly hoursPerMonth?: number;
  /**
   * Prices by key; keys not given keep the shipped table's price.
   *
   * @default - the shipped table's prices
   */
  readonly prices?: { [key: string]: EgressUnitPrice };
}

/** Options of EgressAnalyzer.cost(). */
export interface EgressCostOptions {
  /**
   * Prices to use instead of the shipped table's (a partial table: what it does not give keeps the
   * shipped value).
   *
   * @default - the shipped us-east-1 table (EgressPrices.shipped())
   */
  readonly prices?: EgressPriceTable;
}

/** One priced resource of the template. */
export interface EgressCostLine {
  /** What is counted. */
  readonly item: EgressCostItem;
  /** The resource's logical id (`Nested/Id` in a nested stack). */
  readonly resource: string;
  /** How many units: NAT gateways, addresses, endpoint AZs, keys, alarm metrics, domain names, firewall endpoints. */
  readonly quantity: number;
  /** The unit, in words (e.g. `endpoint AZ`). */
  readonly unit: string;
  /**
   * The key of its price in the price table (EgressCost.prices).
   *
   * @default - none: the item has no fixed charge
   */
  readonly priceKey?: string;
  /** The price of one unit for a month. */
  readonly unitMonthlyUsd: number;
  /** quantity x unitMonthlyUsd. */
  readonly monthlyUsd: number;
  /**
   * When the line applies, if it depends on conditions that cannot be decided offline (e.g.
   * `condition UseNat is true`).
   *
   * @default - always: the resource is in the template whatever the conditions
   */
  readonly condition?: string;
  /**
   * What was assumed in counting it (e.g. subnets known only at deploy time).
   *
   * @default - nothing was assumed
   */
  readonly note?: string;
}

/** The total under one combination of the conditions that cannot be decided offline. */
export interface EgressCostVariant {
  /** The conditions' values (empty when every condition is decided). */
  readonly assumptions: string[];
  /** The fixed monthly cost under them. */
  readonly monthlyUsd: number;
}

/** The fixed monthly cost a template implies, as EgressAnalyzer.cost() counts it. */
export interface EgressCost {
  /** The region of the prices. */
  readonly region: string;
  /** The prices' date (YYYY-MM-DD). */
  readonly priceDate: string;
  /** Always `USD`. */
  readonly currency: string;
  /** Hours in a month, as hourly prices are counted. */
  readonly hoursPerMonth: number;
  /** The fixed monthly cost; when it depends on undecided conditions, the highest of the combinations. */
  readonly monthlyUsd: number;
  /** The lowest of the combinations (equal to monthlyUsd when no condition is undecided). */
  readonly minMonthlyUsd: number;
  /** Each priced resource, largest cost first. */
  readonly lines: EgressCostLine[];
  /** The total of each combination of undecided conditions (one entry when every condition is decided). */
  readonly variants: EgressCostVariant[];
  /** The prices used, by key, each with its source and date. */
  readonly prices: { [key: string]: EgressUnitPrice };
  /** What the cost leaves out: usage (per GB, per request), instances, resources it does not price. */
  readonly notCounted: string[];
  /** What counting assumed: a region other than the prices', nested stacks with no template, fees found but not priced. */
  readonly notes: string[];
}

/** The price table that ships with the package. */
export class EgressPrices {
  /** The shipped table: us-east-1 on-demand prices, each with its source and the date it was read. */
  public static shipped(): EgressPriceTable {
    return JSON.parse(JSON.stringify(SHIPPED_PRICES));
  }

  /** The keys of a price table. */
  public static keys(): string[] {
    return Object.keys(SHIPPED_PRICES.prices);
  }

  private constructor() {}
}
