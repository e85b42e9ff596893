import * as fs from 'fs';
import * as path from 'path';
import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation, Stack, Token } from 'aws-cdk-lib';
import { EgressAnalyzer } from './egress-analyzer';
import { EgressDestination } from './egress-destination';
import { EgressHopKind, EgressOutcome, EgressVerdict } from './egress-verdict';
import { EgressImportedSubnet, EgressImportedVpc } from './imported-network';
import { cdkNestedStackFiles, inlineNestedStacks } from './nested-stacks';
import { SHARED_SPACES } from './template-model';

/** What a policy violation does to synthesis. */
export enum EgressPolicyEnforcement {
  /** Synthesis fails with the report. */
  FAIL = 'FAIL',
  /** The report is printed as warnings; synthesis goes on. */
  WARN = 'WARN',
}

/** The egress SageMaker workloads may have. */
export interface EgressPolicyProps {
  /**
   * Destinations every workload must reach (REACHABLE from each of its subnets), e.g. the SageMaker
   * API and S3. A required destination is also allowed.
   *
   * @default - none
   */
  readonly required?: EgressDestination[];

  /**
   * Destinations workloads may reach but need not, e.g. a package index.
   *
   * @default - none
   */
  readonly allowed?: EgressDestination[];

  /**
   * Destinations checked for egress beyond the policy: any of them that a workload can reach (or might
   * reach: PARTIAL, UNKNOWN) and that is neither required nor allowed is a violation.
   *
   * @default - the analyzer's probes() and expectedDestinations() for each template, without the Amazon-provided DNS resolver (see `EgressDestination.amazonDns()`)
   */
  readonly probes?: EgressDestination[];

  /**
   * Whether a violation fails synthesis or is reported as a warning.
   *
   * @default EgressPolicyEnforcement.FAIL
   */
  readonly enforcement?: EgressPolicyEnforcement;

  /**
   * The region the templates are deployed to.
   *
   * @default - each stack's region when it is concrete, else the template's own `AWS::Region`
   */
  readonly region?: string;

  /**
   * VPCs the templates name by id but do not define (see `EgressAnalyzerOptions.importedVpcs`).
   *
   * @default - none: an imported VPC's local route and DNS resolver are unknown
   */
  readonly importedVpcs?: EgressImportedVpc[];

  /**
   * Subnets the templates name by id but do not define (see `EgressAnalyzerOptions.importedSubnets`).
   *
   * @default - none: paths through an imported subnet's route table or NACL are UNKNOWN
   */
  readonly importedSubnets?: EgressImportedSubnet[];
}

/**
 * A synth-time egress policy, as a CDK policy-validation plugin: after synthesis the egress analyzer
 * checks every SageMaker notebook instance, Studio domain and user profile of every stack, and
 * synthesis fails (or warns) when one can reach more than the policy allows, or cannot reach what it
 * requires. Register it with `Validations.of(app).addPlugins(new EgressPolicy({...}))`.
 */
export class EgressPolicy implements IPolicyValidationPlugin {
  /** Rule id of a workload reaching a destination the policy does not allow. */
  public static readonly RULE_BEYOND_POLICY = 'cdk-sagemaker-egress-beyond-policy';
  /** Rule id of a workload not reaching a destination the policy requires. */
  public static readonly RULE_REQUIRED_UNREACHABLE = 'cdk-sagemaker-egress-required-unreachable';

  public readonly name = 'cdk-sagemaker-egress';
  public readonly ruleIds?: string[] = [EgressPolicy.RULE_BEYOND_POLICY, EgressPolicy.RULE_REQUIRED_UNREACHABLE];

  constructor(private readonly props: EgressPolicyProps = {}) {}

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = [];
    const severity = this.props.enforcement === EgressPolicyEnforcement.WARN ? 'warning' : 'error';
    // Each stack is analyzed in its own region when it has one.
    const stacks = new Map(context.appConstruct.node.findAll().filter(Stack.isStack).map((s) => [s.node.path, s]));
    const regionOf = new Map(context.stackTemplates.map((t) => {
      const region = stacks.get(t.stackConstructPath)?.region;
      return [path.resolve(t.templatePath), region && !Token.isUnresolved(region) ? region : undefined];
    }));
    const templates = new Map(context.templatePaths.map((p) => [path.resolve(p), JSON.parse(fs.readFileSync(p, 'utf8'))]));
    // CDK nested stacks are file assets of the assembly, not stacks: each joins the stack that holds it
    // (as fromStack() does), and a nested template among the paths is not analyzed alone.
    const nested = new Map([...templates].map(([p, t]) => [p, cdkNestedStackFiles(t, path.dirname(p))]));
    const nestedFiles = new Set([...nested.values()].flatMap((n) => [...n.values()].map((f) => f.file)));
    const stacksOnly = [...templates].filter(([p]) => !nestedFiles.has(p));
    const withNested = new Map(stacksOnly.map(([p, t]) => [p, inlineNestedStacks(t, templatesOf(nested.get(p)!)).template]));
    for (const [templatePath, template] of stacksOnly) {
      // The app's other stacks join the analysis, for workloads whose VPC is in another stack.
      const otherTemplates = [...withNested].filter(([p]) => p !== templatePath)
        .map(([p, t]) => ({ stackName: path.basename(p).replace(/\.template\.json$/, ''), template: t }));
      const region = this.props.region ?? regionOf.get(templatePath) ?? context.region;
      const files = nested.get(templatePath)!;
      const analyzer = EgressAnalyzer.fromTemplate(template, {
        region,
        otherTemplates,
        nestedStacks: templatesOf(files),
        importedVpcs: this.props.importedVpcs,
        importedSubnets: this.props.importedSubnets,
      });
      violations.push(...this.check(analyzer).map((found) => {
        // A workload of a nested stack is located in the nested stack's template.
        const id = found.workload.replace(SHARED_SPACES, '');
        const slash = id.lastIndexOf('/');
        const file = slash < 0 ? undefined : files.get(id.slice(0, slash))?.file;
        return {
          ruleName: found.rule,
          description: found.description,
          fix: found.fix,
          severity,
          violatingResources: [{
            resourceLogicalId: file ? id.slice(slash + 1) : id,
            templatePath: file ?? templatePath,
            locations: found.locations,
          }],
        };
      }));
    }
    return { success: severity === 'warning' || violations.length === 0, violations };
  }

  /** The violations of one template's workloads. */
  private check(analyzer: EgressAnalyzer): Array<{ rule: string; workload: string; description: string; fix: string; locations: string[] }> {
    const required = this.props.required ?? [];
    const permitted = new Set([...required, ...(this.props.allowed ?? [])].map((d) => analyzer._keyOf(d)));
    const probes = this.props.probes ?? [...analyzer.expectedDestinations(), ...analyzer.probes()]
      .filter((d) => analyzer._keyOf(d) !== 'dns');
    const found = [];
    for (const source of analyzer.workloads) {
      for (const destination of required) {
        const verdict = analyzer.check({ source, destination });
        if (verdict.outcome !== EgressOutcome.REACHABLE) {
          found.push({
            rule: EgressPolicy.RULE_REQUIRED_UNREACHABLE,
            workload: source.description,
            description: `${source.description} must reach ${destination.description}, but it is ${verdict.outcome}: ${explain(verdict)}`,
            fix: verdict.outcome === EgressOutcome.UNKNOWN ? resolveAdvice(verdict)
              : 'Open the blocking component named in the description (security group, NACL or route), or add the missing VPC endpoint',
            locations: verdict.blockedBy ? [verdict.blockedBy.component] : [],
          });
        }
      }
      for (const destination of probes.filter((p) => !permitted.has(analyzer._keyOf(p)))) {
        const verdict = analyzer.check({ source, destination });
        if (verdict.outcome === EgressOutcome.UNKNOWN) {
          // Not a proof of egress: what the analyzer could not resolve is what needs attention.
          found.push({
            rule: EgressPolicy.RULE_BEYOND_POLICY,
            workload: source.description,
            description: `${source.description} might reach ${destination.description}, which the policy does not allow: the analyzer cannot tell (UNKNOWN): ${explain(verdict)}`,
            fix: `${resolveAdvice(verdict)}; or add the destination to the policy's \`allowed\` list`,
            locations: verdict.blockedBy ? [verdict.blockedBy.component] : [],
          });
        } else if (verdict.outcome !== EgressOutcome.BLOCKED) {
          found.push({
            rule: EgressPolicy.RULE_BEYOND_POLICY,
            workload: source.description,
            description: `${source.description} can reach ${destination.description}, which the policy does not allow (${verdict.outcome}): ${explain(verdict)}`,
            fix: endpointPolicyFix(verdict) ?? (verdict.outcome === EgressOutcome.PARTIAL
              ? 'Remove the rule that lets it through on the paths that reach it (the description shows one that does not), or add the destination to the policy\'s `allowed` list'
              : 'Remove the rule that lets it through, or add the destination to the policy\'s `allowed` list'),
            locations: verdict.path.filter((h) => h.allowed && h.kind !== 'DESTINATION').map((h) => `${h.component} (${h.rule})`),
          });
        }
      }
    }
    return found;
  }
}

/** The templates of nested stacks found in the assembly, by their path. */
function templatesOf(files: Map<string, { file: string; template: any }>): { [logicalId: string]: any } {
  return Object.fromEntries([...files].map(([id, f]) => [id, f.template]));
}

/** Hops whose unknowns come from the template itself (a rule's value resolved at deploy, a group defined elsewhere). */
const RULE_KINDS: string[] = [EgressHopKind.SECURITY_GROUP_EGRESS, EgressHopKind.SECURITY_GROUP_INGRESS];

/** What to do when an endpoint policy lets another account through. */
function endpointPolicyFix(verdict: EgressVerdict): string | undefined {
  const hop = verdict.path.find((h) => h.kind === EgressHopKind.ENDPOINT_POLICY && h.allowed);
  if (!hop) return undefined;
  return `Give endpoint ${hop.component} a policy that admits only principals and resources of this account or organization ` +
    '(a DataPerimeter on the network, S3EndpointPolicy.dataPerimeter() for S3), or add the destination to the policy\'s `allowed` list';
}

/** What to do about an UNKNOWN verdict: resolve the component the analyzer could not follow. */
function resolveAdvice(verdict: EgressVerdict): string {
  const hop = verdict.blockedBy;
  const what = hop ? `${hop.component} (${hop.kind.toLowerCase().replace(/_/g, ' ')})` : 'the path';
  if (hop?.kind === EgressHopKind.ENDPOINT_POLICY) {
    return `The analyzer cannot decide: resolve ${what}: write the account or organization in its conditions as a literal or \`\${AWS::AccountId}\`, not a value known only at deploy time, so that the verdict is REACHABLE or BLOCKED`;
  }
  if (hop && RULE_KINDS.includes(hop.kind)) {
    return `The analyzer cannot decide: resolve ${what}: define the security group in a stack of this app, or make the rule's values concrete in the template, so that the verdict is REACHABLE or BLOCKED`;
  }
  return `The analyzer cannot decide: resolve ${what}: if it is part of an imported VPC, describe it with the policy's importedVpcs and importedSubnets ` +
    '(CIDRs, routes, network ACLs); otherwise define it in a stack of this app, or make its values concrete in the template, so that the verdict is REACHABLE or BLOCKED';
}

/** A verdict as one line: the blocking step, or the path that gets through. */
function explain(verdict: EgressVerdict): string {
  const steps = verdict.reachable ? verdict.path.map((h) => h.detail) : [verdict.blockedBy?.detail ?? 'no path'];
  return [...steps, ...verdict.notes].join('; ');
}
