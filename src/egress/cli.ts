/**
 * The `cdk-sagemaker-egress` command line: the egress analyzer on a template file or a cdk.out
 * directory, with an optional policy file. Not part of the jsii API: src/egress/index.ts does not
 * export it, and the bin script (src/bin/cdk-sagemaker-egress.ts) calls main().
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { assemblyTargets, fileTarget, Target } from './cli/inputs';
import { jsonReport, sarifReport, StackResult } from './cli/output';
import { findingsOf, PolicyFile, readPolicyFile, UsageError } from './cli/policy-file';
import { costText, PriceTableError, validatePriceTable } from './cost';
import { EgressAnalyzer, EgressAnalyzerOptions } from './egress-analyzer';
import { EgressPriceTable } from './egress-cost';
import { TemplateFileError } from './template-file';

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_POLICY_VIOLATED = 1;
export const EXIT_USAGE = 2;

export const HELP = `Usage: cdk-sagemaker-egress analyze <template file | cdk.out directory> [options]

Analyzes, offline, where the SageMaker notebooks, Studio domains and user profiles of a CloudFormation
template (JSON or YAML, short-form tags included) or of every stack of a CDK cloud assembly can send
traffic: security groups, NACLs, route tables, NAT and internet gateways, VPC endpoints.

Options:
  --parameter K=V       A template parameter's value (repeatable); parameters not given take their Default.
                          --parameter VpcCidr=10.0.0.0/16 --parameter Env=prod
  --region R            The region the template is deployed to (default: the stack's environment in
                        cdk.out, else the template's own AWS::Region).   --region eu-west-1
  --stack-name N        The stack's name, for AWS::StackName and in reports (template file only).
                          --stack-name notebook-prod
  --nested ID=FILE      The template of the nested stack (AWS::CloudFormation::Stack) with logical id ID
                        (Parent/Child for deeper levels; repeatable; template file only: in a cdk.out
                        directory, CDK nested stacks are found on their own).   --nested Network=network.yaml
  --policy FILE         A JSON policy file: destinations required and allowed (see docs/egress-analyzer.md).
                        The exit code is 1 when a workload reaches beyond it.   --policy egress-policy.json
  --format F            text (default: the egress matrix of each workload), json (documented by
                        schemas/egress-report.schema.json in the package) or sarif (SARIF 2.1.0, each
                        finding on the template resource that causes it).   --format sarif > egress.sarif
  --prices FILE         A JSON price table replacing the shipped one (us-east-1, with each price's source
                        and date) in part or whole, for the fixed monthly cost that text and json show:
                          { "region": "eu-west-1", "date": "2026-12-01", "hoursPerMonth": 730,
                            "prices": { "natGatewayHour": 0.048, "kmsKeyMonth": { "usd": 1, "source": "URL" } } }
                        Every field is optional; a price is dollars, or { usd, source?, date?, note? }.
                        Keys: natGatewayHour, publicIpv4AddressHour, interfaceEndpointAzHour (per endpoint
                        per AZ), networkFirewallEndpointHour (per hour); kmsKeyMonth, cloudWatchAlarmMetricMonth,
                        cloudWatchHighResolutionAlarmMetricMonth, cloudWatchCompositeAlarmMonth,
                        dnsFirewallDomainMonth (per month).   --prices prices-eu-west-1.json
                        The cost counts NAT gateways, Elastic IPs, interface endpoints per AZ, KMS keys,
                        CloudWatch alarms, DNS Firewall domain names and Network Firewall endpoints, as the
                        template's parameters and conditions resolve; not data processing (per GB), requests,
                        logs or SageMaker instances.
  -h, --help            This help.
  -v, --version         The version.

Exit codes: 0 the policy holds (or none is given); 1 the policy is violated; 2 bad usage or unreadable input.

Examples:
  cdk-sagemaker-egress analyze template.yaml --region eu-west-1
  cdk-sagemaker-egress analyze cdk.out --policy egress-policy.json --format sarif > egress.sarif
`;

/** Where the command line writes. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** Runs the command line; returns the exit code. */
export function main(argv: string[], io: CliIo = processIo): number {
  try {
    return run(argv, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof TemplateFileError) {
      io.stderr(`cdk-sagemaker-egress: ${e.message.split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`cdk-sagemaker-egress: ${(e as Error).message?.split('\n')[0] ?? String(e)}\n`);
    return EXIT_USAGE;
  }
}

function run(argv: string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'parameter': { type: 'string', multiple: true },
        'region': { type: 'string' },
        'stack-name': { type: 'string' },
        'nested': { type: 'string', multiple: true },
        'policy': { type: 'string' },
        'format': { type: 'string' },
        'prices': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
        'version': { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  if (values.version) {
    io.stdout(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (positionals[0] !== 'analyze') {
    throw new UsageError(positionals.length === 0 ? 'missing command: analyze <template file | cdk.out directory> (see --help)' : `unknown command ${positionals[0]}: the command is analyze (see --help)`);
  }
  if (positionals.length !== 2) throw new UsageError(`analyze takes one template file or cdk.out directory, got ${positionals.length - 1} (see --help)`);
  const format = values.format ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format ${format}: expected text, json or sarif`);
  const parameters: Record<string, string> = {};
  for (const p of values.parameter ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--parameter ${p}: expected KEY=VALUE, e.g. --parameter Env=prod`);
    parameters[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const input = positionals[1];
  if (!fs.existsSync(input)) throw new UsageError(`${input}: no such file or directory`);
  const isDir = fs.statSync(input).isDirectory();
  if (isDir && values.nested?.length) throw new UsageError('--nested applies to a template file; in a cdk.out directory, nested stacks are found on their own');
  if (isDir && values['stack-name']) throw new UsageError('--stack-name applies to a template file; a cdk.out directory names its stacks');
  const policy = values.policy ? readPolicyFile(values.policy) : undefined;
  const prices = values.prices ? readPricesFile(values.prices) : undefined;
  const targets = isDir ? assemblyTargets(input) : [fileTarget(input, values.nested ?? [], values['stack-name'])];

  const started = Date.now();
  const progress = targets.length > 1;
  const results: StackResult[] = targets.map((target, i) => {
    const t0 = Date.now();
    const result = analyze(target, { region: values.region, parameters, stackName: values['stack-name'], policy, prices });
    if (progress) io.stderr(`[${i + 1}/${targets.length}] ${target.name}: ${result.analyzer.workloads.length} workload(s), ${result.findings.length} finding(s), ${Date.now() - t0} ms\n`);
    return result;
  });
  if (progress) io.stderr(`analyzed ${targets.length} stacks in ${Date.now() - started} ms\n`);

  if (format === 'json') io.stdout(`${JSON.stringify(jsonReport(results, policy?.file, packageVersion()), null, 2)}\n`);
  else if (format === 'sarif') io.stdout(`${JSON.stringify(sarifReport(results, packageVersion()), null, 2)}\n`);
  else io.stdout(textReport(results, policy));

  const violations = results.reduce((n, r) => n + r.findings.length, 0);
  if (policy && violations > 0) {
    io.stderr(`cdk-sagemaker-egress: the policy ${policy.file} is violated: ${violations} finding(s)\n`);
    return EXIT_POLICY_VIOLATED;
  }
  return EXIT_OK;
}

interface AnalyzeOptions {
  readonly region?: string;
  readonly parameters: Record<string, string>;
  readonly stackName?: string;
  readonly policy?: PolicyFile;
  readonly prices?: EgressPriceTable;
}

function analyze(target: Target, o: AnalyzeOptions): StackResult {
  // `parameters` and `stackName` go to the analyzer's parameter support (spread: options it may not declare yet).
  const extra = { ...(Object.keys(o.parameters).length ? { parameters: o.parameters } : {}), ...(o.stackName ? { stackName: o.stackName } : {}) };
  const options: EgressAnalyzerOptions = {
    ...extra,
    region: o.region ?? target.region,
    nestedStacks: target.nestedStacks,
    otherTemplates: target.otherTemplates,
    importedVpcs: o.policy?.importedVpcs,
    importedSubnets: o.policy?.importedSubnets,
  };
  const analyzer = EgressAnalyzer.fromTemplate(target.template, options);
  // Only the JSON report asks the network-only questions (the text report's own second line is report()'s).
  let networkOnly: EgressAnalyzer | undefined;
  const withoutSecurityGroups = () => networkOnly ??= EgressAnalyzer.fromTemplate(target.template, { ...options, ignoreSecurityGroups: true });
  const cost = analyzer.cost({ prices: o.prices });
  return { target, analyzer, networkOnly: withoutSecurityGroups, findings: findingsOf(analyzer, o.policy), cost };
}

function textReport(results: StackResult[], policy: PolicyFile | undefined): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.target.name} (${r.target.file}): ${r.analyzer}`);
    if (r.analyzer.workloads.length > 0) lines.push(r.analyzer.report());
    if (r.findings.length > 0) {
      lines.push(policy ? `  Beyond the policy ${policy.file}:` : '  Destinations a restricted workload must not reach:');
      for (const f of r.findings) lines.push(`    ${f.level.toUpperCase()} ${f.message}`);
    }
    if (r.cost) lines.push(costText(r.cost));
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** A JSON price table (`--prices`): a price without a source is credited to the file. */
function readPricesFile(file: string): EgressPriceTable {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--prices ${file}: cannot read it: ${(e as Error).message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--prices ${file}: not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  let table: EgressPriceTable;
  try {
    table = validatePriceTable(value, `--prices ${file}:`);
  } catch (e) {
    if (e instanceof PriceTableError) throw new UsageError(e.message);
    throw e;
  }
  const prices = Object.fromEntries(Object.entries(table.prices ?? {}).map(([key, p]) => [key, { ...p, source: p.source ?? file }]));
  return { ...table, prices };
}

function packageVersion(): string {
  try {
    // src/egress/cli.ts and lib/egress/cli.js are both two levels below the package root.
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}
