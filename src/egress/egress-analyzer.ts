import { Stack, Stage, Token } from 'aws-cdk-lib';
import { computeCost, CostInput } from './cost';
import { dnsFilterOf } from './dns-filter';
import { EgressCost, EgressCostOptions } from './egress-cost';
import { EgressDestination, EgressProtocol } from './egress-destination';
import { EgressDnsFilter } from './egress-dns-filter';
import { EgressSource } from './egress-source';
import { EgressHop, EgressOutcome, EgressVerdict } from './egress-verdict';
import { Evaluator, PathResult } from './evaluation';
import { EgressImportedSubnet, EgressImportedVpc } from './imported-network';
import { cdkNestedStackTemplates, inlineNestedStacks } from './nested-stacks';
import { validateImportedNetwork } from './parsers/imported';
import { validateStructure } from './resolve';
import { readTemplateFile } from './template-file';
import { buildModel, mergeTemplates, NetworkModel } from './template-model';
import { mergeVerdicts, resolveVariants } from './variants';
import { validateIpv4Cidr } from '../private/validation';

/** Options of an analyzer. */
export interface EgressAnalyzerOptions {
  /**
   * The region the template is deployed to, which tells "S3 in this region" from another region's.
   *
   * @default - the stack's region when it is concrete; otherwise the template's own `AWS::Region`
   */
  readonly region?: string;

  /**
   * The region's S3 IPv4 ranges (ip-ranges.json, service S3), for templates that name S3 by CIDR
   * (NACL entries, security group rules) rather than by its prefix list. S3 then matches a rule only
   * when the rule covers every one of them.
   *
   * @default - S3 is known by its AWS-managed prefix list only
   */
  readonly s3Ranges?: string[];

  /**
   * Set the security groups aside (treat them as allowing everything) to see what routes and NACLs
   * alone would stop if a security group were opened: the second line of defence.
   *
   * @default false
   */
  readonly ignoreSecurityGroups?: boolean;

  /**
   * The templates of other stacks this one imports from (`Fn::ImportValue`), such as the stack of the
   * VPC a notebook uses: their resources join the analysis, so a workload and its VPC in different
   * stacks are analyzed as one network. Only this template's workloads are listed.
   *
   * @default - fromStack(): every other stack of the same assembly; fromTemplate(): none
   */
  readonly otherTemplates?: EgressTemplate[];

  /**
   * VPCs the template names by id but does not define (`ec2.Vpc.fromVpcAttributes`, `fromLookup`):
   * their CIDR blocks (the local route) and whether their DNS resolver is on.
   *
   * @default - none: an imported VPC's local route and DNS resolver are unknown
   */
  readonly importedVpcs?: EgressImportedVpc[];

  /**
   * Subnets the template names by id but does not define: their CIDR, route table and NACL, as
   * `describe-subnets`, `describe-route-tables` and `describe-network-acls` show them. The template's
   * own additions (a gateway endpoint on a route table it names, NACL entries and associations) join
   * what is described. What is not described stays unknown, and so do the verdicts that depend on it;
   * a step that surely blocks before it (the workload's security group) still decides.
   *
   * @default - none: paths through an imported subnet's route table or NACL are UNKNOWN
   */
  readonly importedSubnets?: EgressImportedSubnet[];

  /**
   * The values of the template's parameters (a list parameter as comma-separated text). A parameter not
   * given takes its `Default`; one with neither (or an SSM parameter) is known only at deploy time: what
   * depends on it is UNKNOWN, with the parameter named in the notes. A condition that cannot be decided
   * is tried both ways, and a verdict stands only when both agree.
   *
   * @default - each parameter's Default
   */
  readonly parameters?: { [name: string]: string };

  /**
   * The stack's name, for `AWS::StackName` (export names, `Fn::Sub` names).
   *
   * @default - `${AWS::StackName}` stays a placeholder
   */
  readonly stackName?: string;

  /**
   * The templates of the template's nested stacks (AWS::CloudFormation::Stack), by the stack resource's
   * logical id; `Parent/Child` for a stack nested in the nested stack `Parent`. Their resources join the
   * analysis as `<logical id>/<resource>`, and their workloads are listed with the template's. A nested
   * stack's parameters take what the stack resource passes; `Fn::GetAtt [Stack, Outputs.Name]` takes the
   * nested stack's output. A nested stack with no template given stays unknown.
   *
   * @default - fromStack(): the CDK nested stacks of the stack, from the cloud assembly; otherwise none
   */
  readonly nestedStacks?: { [logicalId: string]: any };
}

/** The template of another stack. */
export interface EgressTemplate {
  /** The stack's name; its resources appear as `<name>/<logical id>` in verdicts. */
  readonly stackName: string;
  /** The synthesized template (parsed JSON). */
  readonly template: any;
  /**
   * The values of its parameters, as for EgressAnalyzerOptions.parameters.
   *
   * @default - each parameter's Default
   */
  readonly parameters?: { [name: string]: string };
}

/** One question: can `source` reach `destination`? */
export interface EgressQuery {
  /** The workload. */
  readonly source: EgressSource;
  /** Where it would send traffic. */
  readonly destination: EgressDestination;
}

/** A public address no SageMaker setup needs: example.com's. */
const UNRELATED_PUBLIC_ADDRESS = '93.184.215.14';

/**
 * Offline reachability analysis of a synthesized template: from a SageMaker workload to a destination,
 * through security groups, NACLs (stateless, both directions), route tables, NAT and internet gateways,
 * gateway and interface endpoints, and this library's address sets filled at deploy time.
 *
 * Nothing is deployed or called: the answer follows from the template alone, and every assumption the
 * analyzer makes (an address that is only known at deploy time, a component defined outside the
 * template) is stated in the verdict's notes or makes the verdict UNKNOWN.
 */
export class EgressAnalyzer {
  /**
   * Analyzes a stack. The stack's app is synthesized (once; later changes to it are not seen).
   */
  public static fromStack(stack: Stack, options: EgressAnalyzerOptions = {}): EgressAnalyzer {
    const assembly = Stage.of(stack)!.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template;
    const region = options.region ?? (Token.isUnresolved(stack.region) ? undefined : stack.region);
    // The other stacks come with their own nested stacks.
    const otherTemplates = options.otherTemplates ?? assembly.stacks
      .filter((s) => s.id !== stack.artifactId)
      .map((s) => ({
        stackName: s.stackName,
        template: inlineNestedStacks(s.template, cdkNestedStackTemplates(s.template, assembly.directory)).template,
      }));
    const nestedStacks = options.nestedStacks ?? cdkNestedStackTemplates(template, assembly.directory);
    return new EgressAnalyzer(template, { ...options, region, otherTemplates, nestedStacks });
  }

  /**
   * Analyzes a CloudFormation template file: JSON, or YAML with CloudFormation's short-form tags
   * (`!Ref`, `!GetAtt`, `!Sub`, ...).
   *
   * @param file the template file's path
   * @throws when the file cannot be read or is not a template (the message names the file and, when malformed, the line)
   */
  public static fromFile(file: string, options: EgressAnalyzerOptions = {}): EgressAnalyzer {
    return EgressAnalyzer.fromTemplate(readTemplateFile(file), options);
  }

  /**
   * Analyzes a synthesized CloudFormation template (the parsed JSON).
   *
   * @throws when the template is malformed (not an object, no Resources object, a resource that is not an object or has no Type), naming where
   */
  public static fromTemplate(template: any, options: EgressAnalyzerOptions = {}): EgressAnalyzer {
    // A malformed template (not an object, no Resources, a resource without a Type): one error naming where.
    validateStructure(template);
    return new EgressAnalyzer(template, options);
  }

  /**
   * One line for a verdict (a struct, which carries no methods): the outcome, the destination, the
   * source, and the components a reachable path goes through or the step that blocks it, e.g.
   * `REACHABLE 8.8.8.8:443/tcp from Notebook via NotebookSg > nat gateway Nat`.
   */
  public static describeVerdict(verdict: EgressVerdict): string {
    const how = verdict.reachable || verdict.blockedBy ? shortVerdict(verdict, true) : '';
    const what = verdict.reachable ? how : how && `blocked by ${how}`;
    return `${verdict.outcome} ${verdict.destination} from ${verdict.source}${what ? ` ${what}` : ''}`;
  }

  /** The region the analysis assumes, or `${AWS::Region}` when it is not known. */
  public readonly region: string;

  private readonly model: NetworkModel;
  /** The nested stacks inlined: their resources' ids start with `<path>/`. */
  private readonly nestedPaths: Set<string>;
  private readonly evaluator: Evaluator;
  /** The same model with the security groups set aside, for report()'s second line of defence. */
  private readonly networkLayerOnly: Evaluator;
  /** The template once per combination of conditions that cannot be decided offline (one when all are decided). */
  private readonly variants: Array<{ model: NetworkModel; assumptions: string[]; evaluator: Evaluator; networkLayerOnly: Evaluator }>;
  /** Why every verdict is UNKNOWN (too many undecided conditions), if so. */
  private readonly capped?: string;
  /** What resolving the template assumed (Fn::GetAZs). */
  private readonly resolutionNotes: string[];
  /** The template as resolved per combination of conditions, for cost(). */
  private readonly costInput: CostInput;

  private constructor(template: any, options: EgressAnalyzerOptions) {
    const inlined = inlineNestedStacks(template, options.nestedStacks);
    template = inlined.template;
    this.nestedPaths = new Set(inlined.nestedPaths);
    const others = (options.otherTemplates ?? []).map((t) => ({ name: t.stackName, template: t.template }));
    const imported = validateImportedNetwork(options.importedVpcs, options.importedSubnets);
    const resolved = resolveVariants(
      { template, options: { parameters: options.parameters, region: options.region, stackName: options.stackName } },
      (options.otherTemplates ?? []).map((t) => ({
        name: t.stackName,
        template: t.template,
        options: { parameters: t.parameters, region: options.region, stackName: t.stackName },
      })));
    this.capped = resolved.capped;
    this.resolutionNotes = resolved.notes;
    const costVariants = resolved.variants.map((v) => ({ template: v.primary, assumptions: v.assumptions }));
    const models = (resolved.capped ? [{ primary: template, others, assumptions: [] }] : resolved.variants)
      .map((v) => ({ model: buildModel(mergeTemplates(v.primary, v.others), options.region, imported), assumptions: v.assumptions }));
    // A workload under a condition that cannot be decided is one of the template's.
    const workloads = [...new Map(models.flatMap((m) => m.model.workloads).map((w) => [w.id, w])).values()];
    this.model = { ...models[0].model, workloads };
    this.region = this.model.region;
    this.costInput = { variants: costVariants, raw: template, capped: resolved.capped, region: this.region };
    (options.s3Ranges ?? []).forEach((cidr, i) => validateIpv4Cidr(`s3Ranges[${i}]`, cidr, { minPrefix: 0, maxPrefix: 32 }));
    this.evaluator = new Evaluator(this.model, options.s3Ranges, options.ignoreSecurityGroups);
    this.networkLayerOnly = new Evaluator(this.model, options.s3Ranges, true);
    this.variants = models.map((m) => ({
      ...m,
      evaluator: new Evaluator(m.model, options.s3Ranges, options.ignoreSecurityGroups),
      networkLayerOnly: new Evaluator(m.model, options.s3Ranges, true),
    }));
  }

  /** Every SageMaker notebook instance, Studio domain (and its shared spaces) and Studio user profile of the template. */
  public get workloads(): EgressSource[] {
    return this.model.workloads.filter((w) => this.isOwn(w.id)).map((w) => EgressSource.workloadLogicalId(w.id));
  }

  /** Answers one question. */
  public check(query: EgressQuery): EgressVerdict {
    return this.answer(query, this.evaluator);
  }

  /**
   * Which names the workload may resolve through the VPC resolver, as the template's Route 53 Resolver
   * DNS Firewall rule groups decide (DNS is never filtered by security groups or NACLs).
   */
  public dnsFilter(source: EgressSource): EgressDnsFilter {
    const spec = source._resolve(this.model);
    const vpcs = [...new Set(spec.subnets.map((s) => this.model.subnets.get(s)?.vpc).filter((v): v is string => v !== undefined))];
    return dnsFilterOf(this.model.dnsFirewalls, vpcs);
  }

  /**
   * Whether a resource id is the template's (or its nested stacks'): resources of other templates carry
   * a `<stack>/` prefix, those of nested stacks `<stack resource>/`; a logical id never has a slash.
   */
  private isOwn(id: string): boolean {
    const slash = id.lastIndexOf('/');
    return slash < 0 || this.nestedPaths.has(id.slice(0, slash));
  }

  private answer(query: EgressQuery, evaluator: Evaluator): EgressVerdict {
    const verdicts: Array<{ verdict: EgressVerdict; assumptions: string[] }> = [];
    let missing: unknown;
    for (const variant of this.variants) {
      let source;
      try {
        source = query.source._resolve(variant.model);
      } catch (e) {
        // A workload under a condition is absent from some variants.
        missing = missing ?? e;
        continue;
      }
      const notes: string[] = [];
      const destination = query.destination._resolve(this.region, notes);
      const evaluation = (evaluator === this.networkLayerOnly ? variant.networkLayerOnly : variant.evaluator).evaluate(source, destination);
      const verdict = verdictOf(source.label, query.destination.description, evaluation.paths,
        [...notes, ...evaluation.notes, ...this.resolutionNotes]);
      verdicts.push({ verdict, assumptions: variant.assumptions });
    }
    if (verdicts.length === 0) throw missing;
    const merged = mergeVerdicts(verdicts);
    if (!this.capped) return merged;
    return { ...merged, outcome: EgressOutcome.UNKNOWN, reachable: false, blockedBy: undefined, notes: [this.capped, ...merged.notes] };
  }

  /**
   * The destinations a private SageMaker setup needs or may need, as found in the template: each
   * interface endpoint's service, S3 in this region, the same services with another account's
   * credentials or resources (`otherAccount()`: what the endpoint policies decide), each host name of
   * the template's address sets, and the Amazon-provided DNS resolver.
   */
  public expectedDestinations(): EgressDestination[] {
    // Endpoints of the VPCs this template's workloads run in (other stacks joined for imports may have more).
    const own = this.model.workloads.filter((w) => this.isOwn(w.id));
    const vpcs = new Set(own.flatMap((w) => w.subnets).map((s) => this.model.subnets.get(s)?.vpc).filter((v) => v !== undefined));
    const endpoints = this.model.interfaceEndpoints.filter((e) => vpcs.size === 0 || (e.vpc !== undefined && vpcs.has(e.vpc)));
    const services = [...new Set(endpoints.filter((e) => !e.serviceUnknown).map((e) => e.service).filter((s) => s !== 's3'))].sort();
    return [
      ...services.map((s) => EgressDestination.awsService(s)),
      EgressDestination.s3(),
      ...services.map((s) => EgressDestination.otherAccount(s)),
      EgressDestination.otherAccount('s3'),
      ...this.model.hostnames.map((h) => EgressDestination.host(h)),
      EgressDestination.amazonDns(),
    ];
  }

  /**
   * Destinations a workload with restricted egress must not reach: well-known public resolvers and an
   * unrelated public address on the usual ports, the internet at large, the public side of a NAT
   * gateway, S3 in another region, and an AWS service with no endpoint in the template.
   */
  public probes(): EgressDestination[] {
    const otherRegion = this.region === 'us-east-1' ? 'us-west-2' : 'us-east-1';
    const withoutEndpoint = ['ec2', 'ssm', 'secretsmanager'].find((s) => !this.model.interfaceEndpoints.some((e) => e.service === s)) ?? 'kinesis';
    return [
      EgressDestination.ipv4('8.8.8.8', 443),
      EgressDestination.ipv4('8.8.8.8', 53, EgressProtocol.UDP),
      EgressDestination.ipv4('1.1.1.1', 53, EgressProtocol.UDP),
      EgressDestination.ipv4('1.1.1.1', 853),
      EgressDestination.ipv4(UNRELATED_PUBLIC_ADDRESS, 80),
      EgressDestination.ipv4(UNRELATED_PUBLIC_ADDRESS, 443),
      EgressDestination.ipv4(UNRELATED_PUBLIC_ADDRESS, 22),
      EgressDestination.internet(443),
      EgressDestination.internet(80),
      EgressDestination.elasticIp(443),
      EgressDestination.s3(otherRegion),
      EgressDestination.awsService(withoutEndpoint),
    ];
  }

  /**
   * A key that is equal for two destinations exactly when they are the same question for this
   * template (`s3()` and `awsService('s3')`; a full service name in the stack's region and its short name).
   *
   * @internal
   */
  public _keyOf(destination: EgressDestination): string {
    const spec = destination._resolve(this.region, []);
    if (spec.kind === 'dns') return 'dns';
    if (spec.kind === 'service') return `aws:${spec.service}:${spec.region}:${spec.protocol}/${spec.port}${spec.otherAccount ? ':other-account' : ''}`;
    const a = spec.address;
    return `${a.cidr ?? [...a.tags].sort().join('+')}:${spec.protocol}/${spec.port}`;
  }

  /**
   * The fixed monthly cost the template (with its nested stacks) implies: NAT gateways, Elastic IPs,
   * interface endpoints per AZ, KMS keys, CloudWatch alarms, DNS Firewall domain names and Network
   * Firewall endpoints, from a price table (the shipped us-east-1 one by default). Resources under a
   * condition that cannot be decided offline are counted per combination of conditions. Usage (per GB,
   * per request) and SageMaker instances are not counted: see `notCounted`.
   */
  public cost(options: EgressCostOptions = {}): EgressCost {
    return computeCost(this.costInput, options);
  }

  /** The analyzer in one line: its region and workloads. */
  public toString(): string {
    const workloads = this.workloads.map((w) => w.description);
    return `EgressAnalyzer (region ${this.region}; ${workloads.length} workload(s)${workloads.length ? `: ${workloads.join(', ')}` : ''})`;
  }

  /** The verdicts of `source` for each destination. */
  public matrix(source: EgressSource, destinations: EgressDestination[]): EgressVerdict[] {
    return destinations.map((destination) => this.check({ source, destination }));
  }

  /**
   * A text table of every workload against `destinations`: the verdict, the path's components when
   * reachable or the first blocking component, and what routes and NACLs alone would do if the
   * security groups were opened (the second line of defence).
   *
   * @param destinations the destinations to ask about; when omitted, expectedDestinations() followed by probes()
   */
  public report(destinations?: EgressDestination[]): string {
    const all = destinations ?? [...this.expectedDestinations(), ...this.probes()];
    const width = Math.max(...all.map((d) => d.description.length), 'destination'.length);
    const lines: string[] = [];
    for (const source of this.workloads) {
      lines.push(`  ${source.description}`);
      lines.push(`    ${'destination'.padEnd(width)}  ${'verdict'.padEnd(9)}  ${'without security groups'.padEnd(32)}  path, or what blocks it`);
      for (const destination of all) {
        const verdict = this.check({ source, destination });
        const second = this.answer({ source, destination }, this.networkLayerOnly);
        lines.push(`    ${verdict.destination.padEnd(width)}  ${verdict.outcome.padEnd(9)}  ${shortVerdict(second).padEnd(32)}  ${shortVerdict(verdict, true)}`);
      }
      lines.push(`    DNS names it may resolve: ${this.dnsFilter(source).description}`);
    }
    return lines.join('\n');
  }
}

/** A verdict in a few words: the blocking step, or with `path` the components a reachable path uses. */
function shortVerdict(verdict: EgressVerdict, path = false): string {
  if (verdict.reachable) return path ? `via ${viaOf(verdict.path)}` : verdict.outcome;
  const b = verdict.blockedBy;
  if (!b) return verdict.outcome;
  const what = `${b.kind.toLowerCase().replace(/_/g, ' ')}${path ? ` ${b.component}` : ''}${b.rule !== '-' && b.rule !== 'set aside' ? ` ${b.rule}` : ''}`;
  return path ? what : `${verdict.outcome} (${what})`;
}

/** The components a reachable path goes through, in short. */
function viaOf(path: EgressHop[]): string {
  const kinds = path.filter((h) => !h.kind.startsWith('NETWORK_ACL') && h.kind !== 'DESTINATION' && h.kind !== 'SECURITY_GROUP_INGRESS' && h.kind !== 'ROUTE');
  return kinds.map((h) => h.kind === 'SECURITY_GROUP_EGRESS' ? h.component : `${h.kind.toLowerCase().replace(/_/g, ' ')} ${h.component}`).join(' > ');
}

function verdictOf(source: string, destination: string, paths: PathResult[], notes: string[]): EgressVerdict {
  const reachable = paths.filter((p) => p.outcome === EgressOutcome.REACHABLE);
  const blocked = paths.filter((p) => p.outcome === EgressOutcome.BLOCKED);
  const unknown = paths.filter((p) => p.outcome === EgressOutcome.UNKNOWN);
  // SageMaker's own network is an alternative to the VPC: it alone makes the destination reachable.
  const managed = reachable.find((p) => p.hops[0]?.kind === 'SAGEMAKER_MANAGED_NETWORK');
  let outcome: EgressOutcome;
  // When the VPC's paths all reach it, whether SageMaker's own network also does does not matter.
  const vpcPaths = paths.filter((p) => p.hops[0]?.kind !== 'SAGEMAKER_MANAGED_NETWORK');
  if (managed || (reachable.length > 0 && reachable.length === vpcPaths.length)) outcome = EgressOutcome.REACHABLE;
  else if (reachable.length > 0) outcome = EgressOutcome.PARTIAL;
  else if (unknown.length > 0) outcome = EgressOutcome.UNKNOWN;
  else outcome = EgressOutcome.BLOCKED;
  const failing = outcome === EgressOutcome.UNKNOWN ? unknown[0] : blocked[0] ?? unknown[0];
  const shown = outcome === EgressOutcome.REACHABLE ? (managed ?? reachable[0]) : failing;
  const allNotes = [...new Set(notes)];
  if (outcome === EgressOutcome.PARTIAL) {
    allNotes.unshift(`Reachable on ${reachable.length} of ${paths.length} paths (subnets x the destination's addresses): the path shown is one that fails`);
  }
  return {
    source,
    destination,
    outcome,
    reachable: outcome === EgressOutcome.REACHABLE,
    path: shown?.hops ?? [],
    blockedBy: outcome === EgressOutcome.REACHABLE ? undefined : shown?.blockedBy,
    notes: allNotes,
  };
}


