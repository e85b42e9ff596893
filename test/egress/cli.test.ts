import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { ROOT, spawnCli } from './cli-process';
import { EgressPolicy } from '../../src/egress';
import { main } from '../../src/egress/cli';

const FIXTURES = path.join(__dirname, 'fixtures');
const YAML = path.join(FIXTURES, 'notebook-nat.yaml');
const POLICY = path.join(FIXTURES, 'egress-policy.json');

/** The command line in this process (faster), with its output captured. */
function runCli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-cli-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the command line as a process', () => {
  test('a YAML template with short-form tags: the egress matrix, exit 0 without a policy', () => {
    const run = spawnCli('analyze', YAML, '--region', 'eu-west-1');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^notebook-nat \(.*notebook-nat\.yaml\): EgressAnalyzer \(region eu-west-1; 1 workload\(s\): Notebook\)/);
    expect(run.stdout).toMatch(/internet:443 +REACHABLE +REACHABLE +via Workload > nat gateway Nat > internet gateway Igw/);
    expect(run.stdout).toMatch(/WARNING Notebook can reach internet:443/);
  });

  test('a violated policy: exit 1, one line on stderr', () => {
    const run = spawnCli('analyze', YAML, '--policy', POLICY, '--format', 'json');
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/the policy .*egress-policy\.json is violated: \d+ finding\(s\)/);
    const report = JSON.parse(run.stdout);
    expect(report.policy).toEqual({ file: POLICY, holds: false });
  });

  test('bad usage: exit 2, one line on stderr', () => {
    const run = spawnCli('analyze', YAML, '--format', 'xml');
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('cdk-sagemaker-egress: --format xml: expected text, json or sarif\n');
    expect(run.stdout).toBe('');
  });

  test('SARIF 2.1.0: valid against the schema, each finding on the resource that causes it', () => {
    const run = spawnCli('analyze', YAML, '--policy', POLICY, '--format', 'sarif');
    expect(run.status).toBe(1);
    const log = JSON.parse(run.stdout);
    expect(validateSarif(log)).toEqual([]);
    const results = log.runs[0].results;
    expect(results.length).toBeGreaterThan(0);
    const internet = results.find((r: any) => r.properties.destination === 'internet:443');
    expect(internet.ruleId).toBe(EgressPolicy.RULE_BEYOND_POLICY);
    // The security group that lets HTTPS out, at its line in the YAML file.
    const yamlLines = fs.readFileSync(YAML, 'utf8').split('\n');
    expect(internet.locations[0]).toEqual({
      physicalLocation: { artifactLocation: { uri: 'test/egress/fixtures/notebook-nat.yaml', index: 0 }, region: { startLine: yamlLines.indexOf('  Workload:') + 1 } },
      logicalLocations: [{ name: 'Workload', fullyQualifiedName: 'notebook-nat/Workload', kind: 'resource' }],
    });
    // The required SageMaker API has no endpoint: REACHABLE through the NAT, so no finding; S3 likewise.
    expect(results.filter((r: any) => r.ruleId === EgressPolicy.RULE_REQUIRED_UNREACHABLE)).toEqual([]);
  });

  test('a cdk.out directory: every stack, nested stacks followed, progress on stderr', () => {
    const outdir = path.join(tmp, 'cdk.out');
    const app = new App({ outdir });
    const network = new Stack(app, 'Network', { env: { region: 'eu-west-1', account: '123456789012' } });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const workloads = new Stack(app, 'Workloads', { env: { region: 'eu-west-1', account: '123456789012' } });
    const nested = new NestedStack(workloads, 'Notebooks');
    const group = new ec2.SecurityGroup(nested, 'Sg', { vpc, allowAllOutbound: true });
    new sagemaker.CfnNotebookInstance(nested, 'Notebook', {
      instanceType: 'ml.t3.medium',
      roleArn: 'arn:aws:iam::123456789012:role/x',
      directInternetAccess: 'Disabled',
      subnetId: vpc.isolatedSubnets[0].subnetId,
      securityGroupIds: [group.securityGroupId],
    });
    app.synth();
    const run = spawnCli('analyze', outdir, '--format', 'json');
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^\[1\/2\] Network: 0 workload\(s\), 0 finding\(s\), \d+ ms\n\[2\/2\] Workloads: 1 workload\(s\), 0 finding\(s\), \d+ ms\nanalyzed 2 stacks in \d+ ms\n$/);
    const report = JSON.parse(run.stdout);
    expect(validateReport(report)).toEqual([]);
    const stack = report.stacks.find((s: any) => s.name === 'Workloads');
    expect(stack.region).toBe('eu-west-1');
    expect(stack.workloads.map((w: any) => w.id)).toEqual([expect.stringMatching(/^NotebooksNestedStack\w+\/Notebook$/)]);
    // The VPC in the other stack has no route out: the internet is blocked.
    const internet = stack.workloads[0].verdicts.find((v: any) => v.destination === 'internet:443');
    expect(internet.outcome).toBe('BLOCKED');
  });
});

describe('the command line in process', () => {
  test('--help documents every option with an example', () => {
    const run = runCli('--help');
    expect(run.status).toBe(0);
    for (const option of ['--parameter', '--region', '--stack-name', '--nested', '--policy', '--format']) {
      expect(run.stdout).toContain(option);
      expect(run.stdout).toMatch(new RegExp(`${option} \\S`)); // an example with a value
    }
  });

  test.each([
    [[], /missing command: analyze/],
    [['scan', YAML], /unknown command scan/],
    [['analyze'], /analyze takes one template file or cdk.out directory, got 0/],
    [['analyze', YAML, '--bogus'], /Unknown option '--bogus'/],
    [['analyze', YAML, '--parameter', 'novalue'], /--parameter novalue: expected KEY=VALUE/],
    [['analyze', YAML, '--nested', 'Child'], /--nested Child: expected LOGICAL_ID=FILE/],
    [['analyze', 'missing.yaml'], /missing\.yaml: no such file or directory/],
    [['analyze', FIXTURES], /not a CDK cloud assembly \(cdk\.out\): cannot read manifest\.json/],
    [['analyze', POLICY], /egress-policy\.json: not a CloudFormation template/],
    [['analyze', YAML, '--policy', YAML], /policy file .*notebook-nat\.yaml: /],
  ])('bad usage or input %j: exit 2 and one line', (args, message) => {
    const run = runCli(...(args as string[]));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('policy files: each destination kind; a wrong one is named', () => {
    const file = path.join(tmp, 'all-kinds.json');
    fs.writeFileSync(file, JSON.stringify({
      allowed: [
        { awsService: 'sagemaker.api' }, { otherAccount: 's3' }, { s3: true }, { s3: 'us-east-1' }, { host: 'pypi.org', port: 443 },
        { ipv4: '8.8.8.8', port: 53, protocol: 'udp' }, { internet: 443 }, { internet: true }, { elasticIp: 443 }, { amazonDns: true },
      ],
      probes: [{ internet: 80 }],
    }));
    expect(runCli('analyze', YAML, '--policy', file).status).toBe(0);
    fs.writeFileSync(file, JSON.stringify({ allowed: [{ host: 'pypi.org', s3: true }] }));
    expect(runCli('analyze', YAML, '--policy', file).stderr).toMatch(/allowed\[0\]: name exactly one of/);
    fs.writeFileSync(file, JSON.stringify({ allow: [] }));
    expect(runCli('analyze', YAML, '--policy', file).stderr).toMatch(/unknown key allow/);
  });

  test('a required destination the workload does not reach is a violation on the blocking resource', () => {
    const file = path.join(tmp, 'required.json');
    fs.writeFileSync(file, JSON.stringify({ required: [{ internet: 80 }], probes: [] }));
    const run = runCli('analyze', YAML, '--policy', file, '--format', 'json');
    expect(run.status).toBe(1);
    const [finding] = JSON.parse(run.stdout).stacks[0].findings;
    expect(finding).toMatchObject({ rule: EgressPolicy.RULE_REQUIRED_UNREACHABLE, level: 'error', outcome: 'BLOCKED', resource: { logicalId: 'Workload', file: YAML } });
  });

  test('--nested: a nested stack\'s workload, located in the nested file', () => {
    const parent = path.join(tmp, 'parent.yaml');
    const child = path.join(tmp, 'child.yaml');
    const text = fs.readFileSync(YAML, 'utf8');
    // The parent keeps the network; the child has the security group and the notebook.
    const [head, rest] = text.split('  Workload:\n');
    fs.writeFileSync(parent, `${head}  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yaml\n      Parameters:\n        VpcId: !Ref Vpc\n        SubnetId: !Ref WorkloadSubnet\n`);
    fs.writeFileSync(child, `Parameters:\n  VpcId: { Type: String }\n  SubnetId: { Type: String }\nResources:\n  Workload:\n${rest.split('Outputs:')[0]
      .replace('VpcId: !Ref Vpc', 'VpcId: !Ref VpcId').replace('SubnetId: !Ref WorkloadSubnet', 'SubnetId: !Ref SubnetId')
      .replace(/GroupDescription: .*/, 'GroupDescription: notebook').replace(/VolumeSizeInGB: .*/, 'VolumeSizeInGB: 5')}`);
    const run = runCli('analyze', parent, '--nested', `Child=${child}`, '--stack-name', 'prod', '--format', 'json', '--policy', POLICY);
    expect(run.stderr).toMatch(/violated/);
    const report = JSON.parse(run.stdout);
    expect(report.stacks[0].name).toBe('prod');
    expect(report.stacks[0].workloads.map((w: any) => w.id)).toEqual(['Child/Notebook']);
    const finding = report.stacks[0].findings.find((f: any) => f.destination === 'internet:443');
    expect(finding.resource).toEqual({ logicalId: 'Child/Workload', file: child, line: 5 });
  });

  test('--parameter and --stack-name reach the analyzer', () => {
    const file = path.join(tmp, 'parameterized.yaml');
    fs.writeFileSync(file, fs.readFileSync(YAML, 'utf8')
      .replace('Parameters:\n', 'Parameters:\n  EgressCidr:\n    Type: String\n    Default: 10.0.0.0/16\n')
      .replace('CidrIp: 0.0.0.0/0', 'CidrIp: !Ref EgressCidr'));
    const internet = (...args: string[]) => {
      const run = runCli('analyze', file, '--format', 'json', ...args);
      const verdicts = JSON.parse(run.stdout).stacks[0].workloads[0].verdicts;
      return verdicts.find((v: any) => v.destination === 'internet:443').outcome;
    };
    expect(internet()).toBe('BLOCKED');
    expect(internet('--parameter', 'EgressCidr=0.0.0.0/0')).toBe('REACHABLE');
    const named = runCli('analyze', file, '--stack-name', 'notebooks-prod', '--parameter', 'Nope=1');
    expect(named.status).toBe(2);
    expect(named.stderr).toMatch(/declares no parameter Nope/);
    expect(JSON.parse(runCli('analyze', file, '--stack-name', 'notebooks-prod', '--format', 'json').stdout).stacks[0].name).toBe('notebooks-prod');
  });

  test('--version', () => {
    expect(runCli('--version').stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

/** The SARIF 2.1.0 schema that @microsoft/jest-sarif ships (draft-04), with ajv. */
function validateSarif(log: unknown): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = require('ajv');
  const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
  const schema = JSON.parse(fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
  const validate = ajv.compile(schema);
  return validate(log) ? [] : (validate.errors ?? []).map((e: any) => `${e.dataPath} ${e.message}`);
}

/** The JSON report's own schema, shipped in the package. */
function validateReport(report: unknown): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = require('ajv');
  const validate = new Ajv({ allErrors: true }).compile(JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'egress-report.schema.json'), 'utf8')));
  return validate(report) ? [] : (validate.errors ?? []).map((e: any) => `${e.dataPath} ${e.message}`);
}
