import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, spawnCli } from './cli-process';
import { EgressPrices } from '../../src/egress';
import { HELP } from '../../src/egress/cli';

const YAML = path.join(__dirname, 'fixtures', 'notebook-nat.yaml');
const SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'egress-report.schema.json'), 'utf8'));

function validator(definition?: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = require('ajv');
  const schema = definition ? { ...SCHEMA, $ref: `#/definitions/${definition}` } : SCHEMA;
  const validate = new Ajv({ allErrors: true }).compile(schema);
  return (value: unknown) => (validate(value) ? [] : (validate.errors ?? []).map((e: any) => `${e.dataPath} ${e.message}`));
}

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-cost-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('the fixed monthly cost on the command line', () => {
  test('text: the cost after the matrix, with what is not counted', () => {
    const run = spawnCli('analyze', YAML, '--region', 'us-east-1');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Fixed monthly cost: \$36\.50 \(us-east-1 prices of \d{4}-\d\d-\d\d, 730 hours a month\)/);
    expect(run.stdout).toMatch(/\$32\.85 {2}NAT gateways: 1 NAT gateway x \$32\.85 \(Nat\)/);
    expect(run.stdout).toMatch(/\$3\.65 {2}public IPv4 addresses \(Elastic IPs\): 1 address x \$3\.65 \(Eip\)/);
    expect(run.stdout).toMatch(/Not counted: Data processing and transfer, per GB/);
  });

  test('json: the cost object of each stack, valid against the shipped schema', () => {
    const run = spawnCli('analyze', YAML, '--region', 'us-east-1', '--format', 'json');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(validator()(report)).toEqual([]);
    const cost = report.stacks[0].cost;
    expect(cost).toMatchObject({ region: 'us-east-1', currency: 'USD', hoursPerMonth: 730, monthlyUsd: 36.5, minMonthlyUsd: 36.5 });
    expect(cost.lines.map((l: any) => [l.item, l.resource, l.quantity, l.priceKey, l.monthlyUsd])).toEqual([
      ['NAT_GATEWAY', 'Nat', 1, 'natGatewayHour', 32.85],
      ['PUBLIC_IPV4_ADDRESS', 'Eip', 1, 'publicIpv4AddressHour', 3.65],
    ]);
    expect(cost.prices.natGatewayHour).toMatchObject({ usd: 0.045, source: 'https://aws.amazon.com/vpc/pricing/' });
    expect(cost.notCounted.length).toBeGreaterThan(3);
  });

  test('--prices: a partial table replaces what it gives, credited to the file (text and json)', () => {
    const file = write('prices.json', JSON.stringify({ region: 'eu-west-1', date: '2026-11-30', prices: { natGatewayHour: 0.048, publicIpv4AddressHour: { usd: 0.005, source: 'https://example.com/ipv4' } } }));
    const json = spawnCli('analyze', YAML, '--region', 'eu-west-1', '--format', 'json', '--prices', file);
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const cost = JSON.parse(json.stdout).stacks[0].cost;
    expect(cost).toMatchObject({ region: 'eu-west-1', priceDate: '2026-11-30', monthlyUsd: 38.69 });
    expect(cost.prices.natGatewayHour).toEqual({ usd: 0.048, source: file, date: '2026-11-30' });
    expect(cost.prices.publicIpv4AddressHour.source).toBe('https://example.com/ipv4');
    expect(cost.prices.kmsKeyMonth.source).toBe('https://aws.amazon.com/kms/pricing/');
    const text = spawnCli('analyze', YAML, '--region', 'eu-west-1', '--prices', file);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Fixed monthly cost: \$38\.69 \(eu-west-1 prices of 2026-11-30/);
    expect(text.stdout).toContain(`Prices not from the shipped table: natGatewayHour $0.048 (${file}), publicIpv4AddressHour $0.005 (https://example.com/ipv4)`);
  });

  test.each([
    ['unknown.json', '{ "prices": { "natGateway": 0.05 } }', /: prices\.natGateway: unknown price \(the keys are natGatewayHour, /],
    ['negative.json', '{ "prices": { "kmsKeyMonth": { "usd": -1 } } }', /: prices\.kmsKeyMonth\.usd: must be a number of dollars, 0 or more, got -1$/],
    ['not-json.json', '{ prices: ', /: not JSON: /],
    ['list.json', '[1, 2]', /: must be an object such as/],
  ])('a bad prices file (%s): exit 2, one line on stderr naming the file and the field', (name, text, message) => {
    const file = write(name, text);
    const run = spawnCli('analyze', YAML, '--prices', file);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(new RegExp(`^cdk-sagemaker-egress: --prices ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(run.stderr.trim()).toMatch(message);
  });

  test('a missing prices file: exit 2', () => {
    const run = spawnCli('analyze', YAML, '--prices', path.join(tmp, 'missing.json'));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--prices .*missing\.json: cannot read it/);
  });

  test('--help documents --prices, its shape and its keys', () => {
    expect(HELP).toMatch(/--prices FILE/);
    for (const key of EgressPrices.keys()) expect(HELP).toContain(key);
    expect(HELP).toMatch(/not data processing \(per GB\), requests,\s+logs or SageMaker instances/);
  });

  test('the shipped table is a valid --prices file (the schema\'s priceTable)', () => {
    expect(validator('priceTable')(EgressPrices.shipped())).toEqual([]);
    expect(validator('priceTable')({ prices: { natGatewayHour: 0.05 } })).toEqual([]);
    expect(validator('priceTable')({ prices: { natGateway: 0.05 } })).not.toEqual([]);
  });
});
