/**
 * The command line's JSON (schemas/egress-report.schema.json) and SARIF 2.1.0 output. Not part of the public API.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Target } from './inputs';
import { Finding } from './policy-file';
import { EgressAnalyzer } from '../egress-analyzer';
import { EgressCost } from '../egress-cost';
import { EgressPolicy } from '../egress-policy';
import { EgressHopKind, EgressOutcome, EgressVerdict } from '../egress-verdict';
import { resourceLines } from '../template-file';
import { SHARED_SPACES } from '../template-model';

/** One stack's analysis. */
export interface StackResult {
  readonly target: Target;
  readonly analyzer: EgressAnalyzer;
  /** The same template with the security groups set aside (the second line of defence), built when first asked. */
  readonly networkOnly: () => EgressAnalyzer;
  readonly findings: Finding[];
  /** The fixed monthly cost the template implies. */
  readonly cost?: EgressCost;
}

/** Where a finding points: the template resource that causes it. */
export interface ResourceLocation {
  readonly logicalId: string;
  readonly file: string;
  readonly line?: number;
}

const hopJson = (h: EgressVerdict['path'][number]) => ({ kind: h.kind, component: h.component, rule: h.rule, allowed: h.allowed, known: h.known, detail: h.detail });

/** The JSON report (version 1; see schemas/egress-report.schema.json). */
export function jsonReport(results: StackResult[], policyFile: string | undefined, version: string): unknown {
  const locate = locator();
  return {
    $schema: 'https://unpkg.com/cdk-sagemaker-egress/schemas/egress-report.schema.json',
    reportVersion: 1,
    tool: { name: 'cdk-sagemaker-egress', version },
    policy: policyFile ? { file: policyFile, holds: results.every((r) => r.findings.length === 0) } : null,
    stacks: results.map((r) => {
      const destinations = [...r.analyzer.expectedDestinations(), ...r.analyzer.probes()];
      return {
        name: r.target.name,
        templateFile: r.target.file,
        region: r.analyzer.region,
        workloads: r.analyzer.workloads.map((source) => ({
          id: source.description,
          dnsFilter: r.analyzer.dnsFilter(source).description,
          verdicts: destinations.map((destination) => {
            const v = r.analyzer.check({ source, destination });
            return {
              destination: v.destination,
              outcome: v.outcome,
              reachable: v.reachable,
              withoutSecurityGroups: r.networkOnly().check({ source, destination }).outcome,
              path: v.path.map(hopJson),
              blockedBy: v.blockedBy ? hopJson(v.blockedBy) : null,
              notes: v.notes,
            };
          }),
        })),
        findings: r.findings.map((f) => ({
          rule: f.rule,
          level: f.level,
          workload: f.workload,
          destination: f.destination,
          outcome: f.outcome,
          message: f.message,
          resource: locate(r.target, f),
        })),
        cost: r.cost ?? null,
      };
    }),
  };
}

const RULES = [
  {
    id: EgressPolicy.RULE_BEYOND_POLICY,
    name: 'EgressBeyondPolicy',
    shortDescription: { text: 'A SageMaker workload can reach (or might reach: UNKNOWN) a destination the egress policy does not allow' },
    fullDescription: {
      text: 'The offline egress analyzer found a path from the workload to the destination through security groups, NACLs, routes, ' +
        'NAT and internet gateways and endpoints (REACHABLE or PARTIAL), or could not decide (UNKNOWN). The result points at the ' +
        'resource that lets the traffic through, or that the analyzer could not resolve.',
    },
    help: { text: 'Remove the rule that lets the traffic through, resolve what the analyzer cannot follow, or add the destination to the policy\'s allowed list.' },
  },
  {
    id: EgressPolicy.RULE_REQUIRED_UNREACHABLE,
    name: 'RequiredDestinationUnreachable',
    shortDescription: { text: 'A SageMaker workload does not reach a destination the egress policy requires' },
    fullDescription: { text: 'The destination is required by the policy, but the verdict is not REACHABLE: the result points at the blocking resource.' },
    help: { text: 'Open the blocking component (security group, NACL or route), or add the missing VPC endpoint.' },
  },
];

/** SARIF 2.1.0: each finding on the template resource that causes it. */
export function sarifReport(results: StackResult[], version: string): unknown {
  const locate = locator();
  const artifacts = new Map<string, number>();
  const uriOf = (file: string) => {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? `file://${path.resolve(file)}` : relative.split(path.sep).join('/');
  };
  const sarifResults = results.flatMap((r) => r.findings.map((f) => {
    const where = locate(r.target, f);
    const uri = uriOf(where.file);
    if (!artifacts.has(uri)) artifacts.set(uri, artifacts.size);
    return {
      ruleId: f.rule,
      ruleIndex: RULES.findIndex((rule) => rule.id === f.rule),
      level: f.level,
      message: { text: f.message },
      locations: [{
        physicalLocation: {
          artifactLocation: { uri, index: artifacts.get(uri) },
          ...(where.line ? { region: { startLine: where.line } } : {}),
        },
        logicalLocations: [{ name: where.logicalId, fullyQualifiedName: `${r.target.name}/${where.logicalId}`, kind: 'resource' }],
      }],
      partialFingerprints: { egressFinding: `${r.target.name}/${f.workload}/${f.destination}/${f.rule}` },
      properties: { stack: r.target.name, workload: f.workload, destination: f.destination, outcome: f.outcome },
    };
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'cdk-sagemaker-egress',
          version,
          informationUri: 'https://github.com/cdk-sagemaker-egress/cdk-sagemaker-egress',
          rules: RULES.map((rule) => ({ ...rule, defaultConfiguration: { level: 'error' } })),
        },
      },
      artifacts: [...artifacts.keys()].map((uri) => ({ location: { uri } })),
      results: sarifResults,
    }],
  };
}

/**
 * Finds the resource that causes a finding: for a path that gets through, the security group rule
 * (or group) that lets it out, else the first other component that lets it through; for an UNKNOWN or
 * blocked verdict, the component that stops the analysis; else the workload itself.
 */
function locator(): (target: Target, finding: Finding) => ResourceLocation {
  const lineCache = new Map<string, Map<string, number>>();
  const linesOf = (file: string) => {
    if (!lineCache.has(file)) {
      try {
        lineCache.set(file, resourceLines(fs.readFileSync(file, 'utf8')));
      } catch {
        lineCache.set(file, new Map());
      }
    }
    return lineCache.get(file)!;
  };
  return (target, finding) => {
    const v = finding.verdict;
    const candidates: string[] = [];
    if (v.outcome === EgressOutcome.REACHABLE || v.outcome === EgressOutcome.PARTIAL) {
      const through = v.path.filter((h) => h.allowed && h.kind !== EgressHopKind.DESTINATION);
      const egress = through.find((h) => h.kind === EgressHopKind.SECURITY_GROUP_EGRESS);
      if (egress) candidates.push(egress.rule, egress.component);
      for (const h of through) if (h.kind !== EgressHopKind.ROUTE && !h.kind.startsWith('NETWORK_ACL')) candidates.push(h.component);
    }
    if (v.blockedBy) candidates.push(v.blockedBy.component);
    candidates.push(finding.workload.replace(SHARED_SPACES, ''));
    for (const id of candidates) {
      const found = resolveResource(target, id, linesOf);
      if (found) return found;
    }
    return { logicalId: finding.workload.replace(SHARED_SPACES, ''), file: target.file };
  };
}

/** The file and line of a resource id of the analysis (`Id`, `Nested/Id`, `OtherStack/Id`). */
function resolveResource(target: Target, id: string, linesOf: (file: string) => Map<string, number>): ResourceLocation | undefined {
  if (target.template.Resources?.[id]) return { logicalId: id, file: target.file, line: linesOf(target.file).get(id) };
  const slash = id.lastIndexOf('/');
  if (slash < 0) return undefined;
  const [prefix, logicalId] = [id.slice(0, slash), id.slice(slash + 1)];
  if (target.nestedStacks[prefix]?.Resources?.[logicalId]) {
    const file = target.nestedFiles.get(prefix);
    return file ? { logicalId: id, file, line: linesOf(file).get(logicalId) } : { logicalId: id, file: target.file, line: linesOf(target.file).get(prefix.split('/')[0]) };
  }
  const other = target.otherFiles.get(prefix);
  if (other && target.otherTemplates.find((t) => t.stackName === prefix)?.template?.Resources?.[logicalId]) {
    return { logicalId: id, file: other, line: linesOf(other).get(logicalId) };
  }
  return undefined;
}
