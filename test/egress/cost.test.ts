import { EgressAnalyzer, EgressCost, EgressCostItem, EgressPrices } from '../../src/egress';
import { costText, validatePriceTable } from '../../src/egress/cost';

const ref = (id: string) => ({ Ref: id });

/** A VPC with two subnets, and `resources` beside them. */
function template(resources: Record<string, any>, extra: Record<string, any> = {}) {
  return {
    ...extra,
    Resources: {
      Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
      SubnetA: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: ref('Vpc'), CidrBlock: '10.0.0.0/24' } },
      SubnetB: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: ref('Vpc'), CidrBlock: '10.0.1.0/24' } },
      ...resources,
    },
  };
}

const cost = (t: any, options: any = {}, costOptions: any = {}) => EgressAnalyzer.fromTemplate(t, { region: 'us-east-1', ...options }).cost(costOptions);
const line = (c: EgressCost, resource: string) => c.lines.find((l) => l.resource === resource);

describe('each resource kind', () => {
  const c = cost(template({
    Eip: { Type: 'AWS::EC2::EIP' },
    Nat: { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: ref('SubnetA'), AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] } } },
    PrivateNat: { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: ref('SubnetA'), ConnectivityType: 'private' } },
    Sts: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: ref('Vpc'), VpcEndpointType: 'Interface', ServiceName: 'com.amazonaws.us-east-1.sts', SubnetIds: [ref('SubnetA'), ref('SubnetB')] } },
    S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: ref('Vpc'), ServiceName: 'com.amazonaws.us-east-1.s3', RouteTableIds: [] } },
    KeyA: { Type: 'AWS::KMS::Key', Properties: {} },
    KeyB: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
    Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 300, MetricName: 'Errors', Namespace: 'X', Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold' } },
    FastAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 10, MetricName: 'Errors', Namespace: 'X' } },
    MathAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        Metrics: [
          { Id: 'a', MetricStat: { Metric: { MetricName: 'A', Namespace: 'X' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
          { Id: 'b', MetricStat: { Metric: { MetricName: 'B', Namespace: 'X' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
          { Id: 'e', Expression: 'a/b' },
        ],
      },
    },
    Composite: { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: { AlarmRule: 'ALARM(Alarm)' } },
    Domains: { Type: 'AWS::Route53Resolver::FirewallDomainList', Properties: { Domains: ['a.example.com', 'b.example.com', '*.c.example.com'] } },
    FileDomains: { Type: 'AWS::Route53Resolver::FirewallDomainList', Properties: { DomainFileUrl: 's3://bucket/domains.txt' } },
    QueryLog: { Type: 'AWS::Route53Resolver::ResolverQueryLoggingConfig', Properties: { DestinationArn: 'arn:aws:logs:us-east-1:111111111111:log-group:x' } },
    Firewall: { Type: 'AWS::NetworkFirewall::Firewall', Properties: { VpcId: ref('Vpc'), SubnetMappings: [{ SubnetId: ref('SubnetA') }, { SubnetId: ref('SubnetB') }] } },
    FirewallExtra: { Type: 'AWS::NetworkFirewall::VpcEndpointAssociation', Properties: { VpcId: ref('Vpc') } },
    Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
    Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'example.internal' } },
  }));

  test.each([
    ['Nat', EgressCostItem.NAT_GATEWAY, 1, 32.85],
    ['PrivateNat', EgressCostItem.NAT_GATEWAY, 1, 32.85],
    ['Eip', EgressCostItem.PUBLIC_IPV4_ADDRESS, 1, 3.65],
    ['Sts', EgressCostItem.INTERFACE_ENDPOINT, 2, 14.6],
    ['S3', EgressCostItem.GATEWAY_ENDPOINT, 1, 0],
    ['KeyA', EgressCostItem.KMS_KEY, 1, 1],
    ['KeyB', EgressCostItem.KMS_KEY, 1, 1],
    ['Alarm', EgressCostItem.CLOUDWATCH_ALARM, 1, 0.1],
    ['FastAlarm', EgressCostItem.CLOUDWATCH_HIGH_RESOLUTION_ALARM, 1, 0.3],
    ['MathAlarm', EgressCostItem.CLOUDWATCH_ALARM, 2, 0.2],
    ['Composite', EgressCostItem.CLOUDWATCH_COMPOSITE_ALARM, 1, 0.5],
    ['Domains', EgressCostItem.DNS_FIREWALL_DOMAINS, 3, 0.0015],
    ['FileDomains', EgressCostItem.DNS_FIREWALL_DOMAINS, 0, 0],
    ['QueryLog', EgressCostItem.DNS_QUERY_LOGGING, 1, 0],
    ['Firewall', EgressCostItem.NETWORK_FIREWALL_ENDPOINT, 2, 576.7],
    ['FirewallExtra', EgressCostItem.NETWORK_FIREWALL_ENDPOINT, 1, 288.35],
    ['Fn', EgressCostItem.LAMBDA_FUNCTION, 1, 0],
  ])('%s: %s x %d = $%d a month', (id, item, quantity, monthlyUsd) => {
    expect(line(c, id)).toMatchObject({ item, quantity, monthlyUsd });
  });

  test('the total is the sum of the lines; the table is us-east-1, 730 hours a month', () => {
    expect(c.monthlyUsd).toBeCloseTo(32.85 * 2 + 3.65 + 14.6 + 2 + 0.1 + 0.3 + 0.2 + 0.5 + 0.0015 + 576.7 + 288.35, 6);
    expect(c.minMonthlyUsd).toBe(c.monthlyUsd);
    expect(c).toMatchObject({ region: 'us-east-1', currency: 'USD', hoursPerMonth: 730, variants: [{ assumptions: [], monthlyUsd: c.monthlyUsd }] });
    expect(c.lines[0].item).toBe(EgressCostItem.NETWORK_FIREWALL_ENDPOINT);
  });

  test('what is assumed or left out is said', () => {
    expect(line(c, 'PrivateNat')?.note).toMatch(/no public address/);
    expect(line(c, 'FileDomains')?.note).toMatch(/DomainFileUrl/);
    expect(c.notes).toContainEqual(expect.stringMatching(/Not priced: 1 AWS::Route53::HostedZone .*Zone/));
    expect(c.notCounted.join('\n')).toMatch(/per GB/);
    expect(c.notCounted.join('\n')).toMatch(/SageMaker: notebook instances/);
    expect(c.notCounted.join('\n')).toMatch(/KMS requests/);
  });

  test('a NAT gateway whose Elastic IP is not in the template: its address is not counted, and said so', () => {
    const nat = cost(template({ Nat: { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: ref('SubnetA'), AllocationId: 'eipalloc-0123' } } }));
    expect(nat.monthlyUsd).toBe(32.85);
    expect(line(nat, 'Nat')?.note).toMatch(/Elastic IP is not in the template/);
  });

  test('the text groups lines by item', () => {
    const text = costText(c);
    expect(text).toMatch(/Fixed monthly cost: \$\d+\.\d\d \(us-east-1 prices of \d{4}-\d\d-\d\d, 730 hours a month\)/);
    expect(text).toMatch(/\$65\.70 {2}NAT gateways: 2 NAT gateways x \$32\.85 \(Nat, PrivateNat\)/);
    expect(text).toMatch(/\$0\.0015 {2}DNS Firewall domain lists: 3 domain names x \$0\.0005 \(Domains, FileDomains\)/);
    expect(text).toMatch(/Not counted: Data processing/);
  });
});

describe('parameters and conditions, as the analyzer resolves them', () => {
  const natUnder = (parameters: Record<string, any>) => template({
    Eip: { Type: 'AWS::EC2::EIP', Condition: 'UseNat' },
    Nat: { Type: 'AWS::EC2::NatGateway', Condition: 'UseNat', Properties: { SubnetId: ref('SubnetA'), AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] } } },
    Key: { Type: 'AWS::KMS::Key', Properties: {} },
  }, { Parameters: parameters, Conditions: { UseNat: { 'Fn::Equals': [{ Ref: 'Egress' }, 'nat'] } } });

  test('a NAT gateway under a condition that is false costs nothing', () => {
    const c = cost(natUnder({ Egress: { Type: 'String', Default: 'none' } }));
    expect(c.monthlyUsd).toBe(1);
    expect(line(c, 'Nat')).toBeUndefined();
  });

  test('... and counts when the parameter makes it true', () => {
    const c = cost(natUnder({ Egress: { Type: 'String', Default: 'none' } }), { parameters: { Egress: 'nat' } });
    expect(c.monthlyUsd).toBe(37.5);
    expect(line(c, 'Nat')?.condition).toBeUndefined();
  });

  test('a condition that cannot be decided: both totals, and the lines say when they apply', () => {
    const c = cost(natUnder({ Egress: { Type: 'String' } }));
    expect(c.monthlyUsd).toBe(37.5);
    expect(c.minMonthlyUsd).toBe(1);
    expect(line(c, 'Nat')?.condition).toMatch(/^when condition UseNat is true\b/);
    expect(line(c, 'Key')?.condition).toBeUndefined();
    expect(c.variants).toEqual([
      { assumptions: expect.arrayContaining(['condition UseNat is true']), monthlyUsd: 37.5 },
      { assumptions: expect.arrayContaining(['condition UseNat is false']), monthlyUsd: 1 },
    ]);
    expect(costText(c)).toMatch(/Fixed monthly cost: \$1\.00 to \$37\.50, depending on conditions/);
  });

  test('Fn::If on an endpoint\'s subnets: the AZ count per combination', () => {
    const c = cost(template({
      Sts: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: {
          VpcId: ref('Vpc'),
          VpcEndpointType: 'Interface',
          ServiceName: 'com.amazonaws.us-east-1.sts',
          SubnetIds: { 'Fn::If': ['TwoAzs', [ref('SubnetA'), ref('SubnetB')], [ref('SubnetA')]] },
        },
      },
    }, { Parameters: { Azs: { Type: 'Number' } }, Conditions: { TwoAzs: { 'Fn::Equals': [{ Ref: 'Azs' }, '2'] } } }));
    expect(c.lines.map((l) => [l.quantity, l.monthlyUsd, l.condition])).toEqual([
      [2, 14.6, expect.stringMatching(/^when condition TwoAzs is true\b/)],
      [1, 7.3, expect.stringMatching(/^when condition TwoAzs is false\b/)],
    ]);
    expect([c.minMonthlyUsd, c.monthlyUsd]).toEqual([7.3, 14.6]);
  });

  test('subnets from a parameter with no value: counted as one AZ, and said so', () => {
    const c = cost(template({
      Sts: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: ref('Vpc'), VpcEndpointType: 'Interface', ServiceName: 'com.amazonaws.us-east-1.sts', SubnetIds: ref('Subnets') } },
    }, { Parameters: { Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' } } }));
    expect(line(c, 'Sts')).toMatchObject({ quantity: 1, monthlyUsd: 7.3 });
    expect(line(c, 'Sts')?.note).toMatch(/parameter Subnets has no value.*counted as 1 AZ/);
  });

  test('a list parameter with a value: its entries are counted', () => {
    const c = cost(template({
      Sts: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: ref('Vpc'), VpcEndpointType: 'Interface', ServiceName: 'com.amazonaws.us-east-1.sts', SubnetIds: ref('Subnets') } },
    }, { Parameters: { Subnets: { Type: 'List<AWS::EC2::Subnet::Id>' } } }), { parameters: { Subnets: 'subnet-1,subnet-2,subnet-3' } });
    expect(line(c, 'Sts')).toMatchObject({ quantity: 3, monthlyUsd: 21.9 });
  });

  test('more undecided conditions than the analyzer tries: a resource with a Condition "depends on" it', () => {
    const names = ['A', 'B', 'C', 'D', 'E'];
    const c = cost(template(
      {
        ...Object.fromEntries(names.map((n) => [`Key${n}`, { Type: 'AWS::KMS::Key', Condition: `Use${n}`, Properties: {} }])),
        Always: { Type: 'AWS::KMS::Key', Properties: {} },
      },
      {
        Parameters: Object.fromEntries(names.map((n) => [`P${n}`, { Type: 'String' }])),
        Conditions: Object.fromEntries(names.map((n) => [`Use${n}`, { 'Fn::Equals': [{ Ref: `P${n}` }, 'yes'] }])),
      },
    ));
    expect([c.minMonthlyUsd, c.monthlyUsd]).toEqual([1, 6]);
    expect(line(c, 'KeyA')?.condition).toBe('depends on condition UseA');
    expect(c.notes[0]).toMatch(/undecided conditions|cannot be decided/);
  });
});

describe('nested stacks', () => {
  const parent = template({
    Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://example.com/child.json', Parameters: { UseNat: 'yes' } } },
  });
  const child = {
    Parameters: { UseNat: { Type: 'String', Default: 'no' } },
    Conditions: { Nat: { 'Fn::Equals': [{ Ref: 'UseNat' }, 'yes'] } },
    Resources: {
      Key: { Type: 'AWS::KMS::Key', Properties: {} },
      Eip: { Type: 'AWS::EC2::EIP', Condition: 'Nat' },
    },
  };

  test('a nested stack\'s resources are counted under its logical id, with the parameters the parent passes', () => {
    const c = cost(parent, { nestedStacks: { Child: child } });
    expect(c.lines.map((l) => l.resource).sort()).toEqual(['Child/Eip', 'Child/Key']);
    expect(c.monthlyUsd).toBe(4.65);
  });

  test('a nested stack with no template: not counted, and said so', () => {
    const c = cost(parent);
    expect(c.monthlyUsd).toBe(0);
    expect(c.notes).toContain('Nested stack Child: its template is not given, so its resources are not counted');
  });
});

describe('prices', () => {
  const nat = template({
    Eip: { Type: 'AWS::EC2::EIP' },
    Nat: { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: ref('SubnetA'), AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] } } },
  });

  test('the shipped table: us-east-1, every price with its source and date', () => {
    const table = EgressPrices.shipped();
    expect(table.region).toBe('us-east-1');
    expect(Object.keys(table.prices!).sort()).toEqual(EgressPrices.keys().sort());
    for (const [key, price] of Object.entries(table.prices!)) {
      expect({ key, source: price.source }).toEqual({ key, source: expect.stringMatching(/^https:\/\/aws\.amazon\.com\//) });
      expect(price.date).toMatch(/^\d{4}-\d\d-\d\d$/);
      expect(price.usd).toBeGreaterThan(0);
    }
    expect(table.prices!.networkFirewallEndpointHour.note).toMatch(/NOT FOUND/);
  });

  test('a partial override replaces only what it gives, and is credited', () => {
    const c = cost(nat, {}, { prices: { region: 'eu-west-1', date: '2026-11-30', prices: { natGatewayHour: { usd: 0.048 } } } });
    expect(line(c, 'Nat')?.monthlyUsd).toBe(35.04);
    expect(line(c, 'Eip')?.monthlyUsd).toBe(3.65);
    expect(c).toMatchObject({ region: 'eu-west-1', priceDate: '2026-11-30' });
    expect(c.notes).toContainEqual(expect.stringMatching(/Priced at eu-west-1 prices; the template is analyzed for us-east-1/));
  });

  test('hoursPerMonth changes hourly prices only', () => {
    const c = cost(template({ Eip: { Type: 'AWS::EC2::EIP' }, Key: { Type: 'AWS::KMS::Key' } }), {}, { prices: { hoursPerMonth: 720 } });
    expect([line(c, 'Eip')?.monthlyUsd, line(c, 'Key')?.monthlyUsd]).toEqual([3.6, 1]);
  });

  test('a region other than the prices\' is said', () => {
    const c = EgressAnalyzer.fromTemplate(nat, { region: 'eu-west-1' }).cost();
    expect(c.notes).toContainEqual(expect.stringMatching(/Priced at us-east-1 prices; the template is analyzed for eu-west-1/));
  });

  test.each([
    [[], 'prices: must be an object'],
    [{ prices: { natGateway: 1 } }, 'prices.prices.natGateway: unknown price (the keys are natGatewayHour, '],
    [{ prices: { natGatewayHour: -1 } }, 'prices.prices.natGatewayHour.usd: must be a number of dollars, 0 or more, got -1'],
    [{ prices: { natGatewayHour: { usd: '0.045' } } }, 'prices.prices.natGatewayHour.usd: must be a number of dollars, 0 or more, got "0.045"'],
    [{ prices: { kmsKeyMonth: { usd: 1, cost: 2 } } }, 'prices.prices.kmsKeyMonth: unknown field cost'],
    [{ prices: { kmsKeyMonth: { usd: 1, date: 'today' } } }, 'prices.prices.kmsKeyMonth.date: must be a date YYYY-MM-DD'],
    [{ hoursPerMonth: 0 }, 'prices.hoursPerMonth: must be a number of hours'],
    [{ region: 'Virginia' }, 'prices.region: must be a region such as "eu-west-1"'],
    [{ currency: 'EUR' }, 'prices.currency: only USD is supported'],
    [{ price: {} }, 'prices: unknown field price'],
  ])('a malformed table: %j -> one clear error', (table, message) => {
    expect(() => validatePriceTable(table, 'prices')).toThrow(message);
    expect(() => cost(nat, {}, { prices: table })).toThrow(message);
  });
});
