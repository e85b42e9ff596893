/**
 * The price table that ships with the package: us-east-1 on-demand prices of the resources whose fixed
 * cost EgressAnalyzer.cost() counts, each with the AWS pricing page it comes from and the date it was
 * read. A `note` says how the price was checked: AWS's pricing pages render most rates in the browser
 * from a region selector, so where the page's own text did not carry the number, the note names what did.
 *
 * Update: edit the prices and dates here, then `npx ts-node --project tsconfig.dev.json scripts/cost-tables.ts`
 * to regenerate the README's and docs/costs.md's tables.
 */

/** Read on this date. */
export const PRICE_DATE = '2026-12-02';

/** The shipped table (the shape of EgressPriceTable, every field given). */
export const SHIPPED_PRICES = {
  region: 'us-east-1',
  date: PRICE_DATE,
  hoursPerMonth: 730,
  prices: {
    natGatewayHour: {
      usd: 0.045,
      source: 'https://aws.amazon.com/vpc/pricing/',
      date: PRICE_DATE,
      note: 'Per NAT gateway-hour, US East (N. Virginia). The page renders the rate by region; $0.045 is its NAT gateway example rate for US East and the rate cited for us-east-1 by every secondary source found',
    },
    publicIpv4AddressHour: {
      usd: 0.005,
      source: 'https://aws.amazon.com/vpc/pricing/',
      date: PRICE_DATE,
      note: 'Per public IPv4 address-hour, in use or idle, since 2024-02-01 (AWS News Blog "New AWS public IPv4 address charge"); every region',
    },
    interfaceEndpointAzHour: {
      usd: 0.01,
      source: 'https://aws.amazon.com/privatelink/pricing/',
      date: PRICE_DATE,
      note: 'Per VPC endpoint per Availability Zone-hour. The page states the per-AZ hourly billing and the $0.01/GB first-PB data rate in its text; the $0.01 hourly rate is rendered by region and was confirmed from secondary sources',
    },
    kmsKeyMonth: {
      usd: 1,
      source: 'https://aws.amazon.com/kms/pricing/',
      date: PRICE_DATE,
      note: '"Each AWS KMS key that you create in AWS KMS costs $1/month (prorated hourly)", from the page text; every region',
    },
    cloudWatchAlarmMetricMonth: {
      usd: 0.1,
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      date: PRICE_DATE,
      note: 'Standard-resolution (60 s) alarm, per alarm metric per month. The page renders the rate by region; confirmed from secondary sources',
    },
    cloudWatchHighResolutionAlarmMetricMonth: {
      usd: 0.3,
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      date: PRICE_DATE,
      note: 'High-resolution (10 s) alarm, per alarm metric per month. Rendered by region on the page; confirmed from secondary sources',
    },
    cloudWatchCompositeAlarmMonth: {
      usd: 0.5,
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      date: PRICE_DATE,
      note: 'Composite alarm, per alarm per month. Rendered by region on the page; confirmed from secondary sources',
    },
    dnsFirewallDomainMonth: {
      usd: 0.0005,
      source: 'https://aws.amazon.com/route53/pricing/',
      date: PRICE_DATE,
      note: 'Route 53 Resolver DNS Firewall: "$0.0005 per domain name per month (prorated hourly)", from the page text',
    },
    networkFirewallEndpointHour: {
      usd: 0.395,
      source: 'https://aws.amazon.com/network-firewall/pricing/',
      date: PRICE_DATE,
      note: 'NOT FOUND on an AWS page in the searchable sources: $0.395 per firewall endpoint-hour is the rate commonly cited for us-east-1 ' +
        '(consistent with the "over $250 per month per endpoint" secondary sources give); check it, or override it with --prices',
    },
  },
};
