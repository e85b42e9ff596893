/**
 * The rule suites users run in their pipelines next to cdk-nag, on the templates of the reference
 * configurations: checkov (pinned in scripts/ensure-checkov.sh, which `npm test` runs first) and cfn-guard
 * with the rules @cdklabs/cdk-validator-cfnguard ships (the AWS Control Tower proactive controls) and its
 * bundled binary. Every resource of these stacks is the library's, so every finding must be fixed or carry
 * the library's acknowledgement, with its reason, in the resource's metadata (src/private/rule-suites.ts).
 * Each tool runs once, over all nine templates.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { addReferenceConfigurations } from './scenarios/reference-configurations';

interface Resource { Type: string; Metadata?: Record<string, any> }
interface Finding { tool: string; rule: string; stack: string; logicalId: string }

const repo = path.join(__dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-suites-'));
const templatesDir = path.join(work, 'templates');
const templates = new Map<string, Record<string, Resource>>(); // stack name -> Resources
const constructPaths = new Map<string, string>(); // `${stack}/${logicalId}` -> construct path

beforeAll(() => {
  const app = new App({ outdir: path.join(work, 'cdk.out') });
  const stacks = addReferenceConfigurations(app);
  const assembly = app.synth();
  fs.mkdirSync(templatesDir);
  for (const stack of stacks) {
    const file = path.join(templatesDir, `${stack.stackName}.template.json`);
    fs.copyFileSync(path.join(assembly.directory, stack.templateFile), file);
    templates.set(stack.stackName, JSON.parse(fs.readFileSync(file, 'utf8')).Resources);
    for (const c of stack.node.findAll()) {
      if (CfnResource.isCfnResource(c)) constructPaths.set(`${stack.stackName}/${Stack.of(c).resolve(c.logicalId)}`, c.node.path);
    }
  }
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function resourceOf(f: Finding): Resource | undefined {
  return templates.get(f.stack)?.[f.logicalId];
}

function describeFinding(f: Finding): string {
  const r = resourceOf(f);
  return `${f.tool} ${f.rule} on ${r?.Type ?? '?'} ${f.stack}/${f.logicalId} (${constructPaths.get(`${f.stack}/${f.logicalId}`) ?? 'no construct'})`;
}

function stackOfFile(file: string): string {
  return path.basename(file).replace(/\.template\.json$/, '');
}

/** checkov, as scripts/ensure-checkov.sh provides it. */
function checkovBinary(): string {
  const candidates = [process.env.CHECKOV, path.join(repo, '.venv', 'bin', 'checkov')].filter((c): c is string => !!c);
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error('checkov not found: run `bash scripts/ensure-checkov.sh` (npm test runs it), or set CHECKOV');
  return found;
}

/** The cfn-guard binary and the rules of @cdklabs/cdk-validator-cfnguard (the same lookup as its plugin.js). */
function cfnGuard(): { binary: string; rules: string } {
  const pkg = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  const platform = os.platform() === 'darwin' ? 'macos' : 'ubuntu';
  const arch = os.arch() === 'arm64' ? 'aarch64' : 'x86_64';
  return { binary: path.join(pkg, 'bin', platform, arch, 'cfn-guard'), rules: path.join(pkg, 'rules', 'control-tower', 'cfn-guard') };
}

describe('checkov', () => {
  let report: {
    results: { failed_checks: any[]; skipped_checks: any[] };
    summary: { passed: number; failed: number; skipped: number; resource_count: number; checkov_version: string };
  };

  beforeAll(() => {
    // --skip-download: no Prisma Cloud look-ups (guidelines, severities); the checks are those in the package.
    const run = spawnSync(checkovBinary(), ['-d', templatesDir, '--framework', 'cloudformation', '-o', 'json', '--compact', '--skip-download'], {
      encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: 'ERROR' },
    });
    if (run.status !== 0 && run.status !== 1) throw new Error(`checkov exited ${run.status}: ${run.stderr}`);
    const parsed = JSON.parse(run.stdout);
    report = Array.isArray(parsed) ? parsed.find((r) => r.check_type === 'cloudformation') : parsed;
  });

  test('scans every template', () => {
    const total = [...templates.values()].reduce((n, resources) => n + Object.keys(resources).length, 0);
    expect(report.summary.resource_count).toBeGreaterThanOrEqual(total * 0.9);
    expect(report.summary.passed).toBeGreaterThan(0);
  });

  test('reports nothing unsuppressed on the library\'s resources', () => {
    const findings: Finding[] = report.results.failed_checks.map((c) => ({
      tool: 'checkov', rule: c.check_id, stack: stackOfFile(c.file_path), logicalId: String(c.resource).split('.').pop()!,
    }));
    expect(findings.map(describeFinding)).toEqual([]);
  });

  test('reads the library\'s acknowledgements, each with a reason', () => {
    expect(report.summary.skipped).toBeGreaterThan(0);
    for (const skipped of report.results.skipped_checks) {
      expect({ check: skipped.check_id, comment: skipped.check_result?.suppress_comment }).toEqual({ check: skipped.check_id, comment: expect.stringMatching(/^.{40,}$/s) });
    }
  });
});

/**
 * The Guard Rules Registry's rules (aws-cloudformation/aws-guard-rules-registry) come in no package this
 * project can install, so these stand-ins check the same properties and skip suppressed resources exactly
 * as the registry's rules do (e.g. its rules/aws/lambda/lambda_dlq_check.guard): they prove that cfn-guard
 * reads the library's `Metadata.guard.SuppressedRules` in the registry's convention.
 */
const REGISTRY_CONVENTION_RULES = [
  ['LAMBDA_DLQ_CHECK', 'AWS::Lambda::Function', 'Properties.DeadLetterConfig.TargetArn !empty'],
  ['LAMBDA_CONCURRENCY_CHECK', 'AWS::Lambda::Function', 'Properties.ReservedConcurrentExecutions >= 0'],
  ['LAMBDA_INSIDE_VPC', 'AWS::Lambda::Function', 'Properties.VpcConfig.SubnetIds !empty'],
  ['CLOUDWATCH_ALARM_ACTION_CHECK', 'AWS::CloudWatch::Alarm', 'Properties.AlarmActions !empty'],
].map(([rule, type, check]) => `
let ${rule.toLowerCase()}_targets = Resources.*[ Type == '${type}'
  Metadata.guard.SuppressedRules not exists or
  Metadata.guard.SuppressedRules.* != "${rule}"
]
rule ${rule} when %${rule.toLowerCase()}_targets !empty {
  %${rule.toLowerCase()}_targets.${check}
}
`).join('');

describe('cfn-guard with the rules of @cdklabs/cdk-validator-cfnguard and the Guard Rules Registry\'s convention', () => {
  let results: Array<{ name: string; status: string; not_compliant: Array<{ Rule: { name: string } }> }>;

  beforeAll(() => {
    const { binary, rules } = cfnGuard();
    const convention = path.join(work, 'registry-convention.guard');
    fs.writeFileSync(convention, REGISTRY_CONVENTION_RULES);
    const run = spawnSync(binary, ['validate', '--rules', rules, '--rules', convention, '--data', templatesDir, '--output-format', 'json', '--show-summary', 'none', '--structured'], {
      encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    });
    // 0: all compliant; 19: some rule failed (cfn-guard's exit codes); anything else is an error.
    if (run.status !== 0 && run.status !== 19) throw new Error(`cfn-guard exited ${run.status}: ${run.stderr}`);
    results = JSON.parse(run.stdout);
  });

  test('validates every template', () => {
    expect(results.map((r) => stackOfFile(r.name)).sort()).toEqual([...templates.keys()].sort());
  });

  test('reports nothing unacknowledged on the library\'s resources', () => {
    const findings: Finding[] = [];
    for (const file of results) {
      for (const { Rule: rule } of file.not_compliant ?? []) {
        for (const logicalId of resourcesIn(rule)) findings.push({ tool: 'cfn-guard', rule: rule.name, stack: stackOfFile(file.name), logicalId });
      }
    }
    // The Control Tower rules read no suppression metadata (src/private/rule-suites.ts): a finding counts as
    // acknowledged when the resource lists the rule in Metadata.guard.SuppressedRules, as the Guard Rules
    // Registry's rules would read it, and gives the reason in its cdk_nag or checkov metadata.
    const unacknowledged = findings.filter((f) => {
      const metadata = resourceOf(f)?.Metadata ?? {};
      const suppressed: string[] = metadata.guard?.SuppressedRules ?? [];
      const reasons = [...metadata.cdk_nag?.rules_to_suppress ?? [], ...metadata.checkov?.skip ?? []];
      return !suppressed.includes(f.rule) || reasons.length === 0;
    });
    expect(unacknowledged.map(describeFinding)).toEqual([]);
  });
});

/** Logical ids of the resources a cfn-guard rule result reports on (its checks' `/Resources/<id>/...` paths). */
function resourcesIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) resourcesIn(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      const match = key === 'path' && typeof value === 'string' ? /^\/Resources\/([^/]+)/.exec(value) : null;
      if (match) found.add(match[1]);
      else resourcesIn(value, found);
    }
  }
  return found;
}

test('the cfn-guard binary is the one the npm package ships (no download at install time)', () => {
  const { binary } = cfnGuard();
  expect(execFileSync(binary, ['--version'], { encoding: 'utf8' })).toMatch(/^cfn-guard \d+\.\d+\.\d+/);
});
