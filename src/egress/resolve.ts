/**
 * One resolution pass over a CloudFormation template before it is parsed: parameters (the caller's
 * values, else their `Default`), pseudo parameters, `Conditions` and resource-level `Condition`,
 * `Fn::If` (with `AWS::NoValue`), `Fn::Equals`/`And`/`Or`/`Not`, `Fn::FindInMap`, `Fn::Select`,
 * `Fn::Split`, `Fn::Join`, `Fn::Sub`, `Fn::Cidr` and `Fn::GetAZs`.
 *
 * What is decided becomes a literal; references to resources (`Ref`, `Fn::GetAtt`, `Fn::ImportValue`)
 * stay as they are, for the parsers; what cannot be decided offline (a parameter with neither a value
 * nor a Default, an SSM parameter) becomes an unresolved marker `{ 'Fn::Unresolved': '<why>' }`,
 * which the parsers report as UNKNOWN with the reason. A malformed intrinsic function in a property
 * (`Fn::Select` out of range, `Fn::If` without its three values; CloudFormation would reject it) becomes
 * such a marker too, naming the resource and property; only a malformed structure (not an object,
 * Resources missing or not an object, a resource without a Type) is an error.
 *
 * A condition that cannot be decided is tried both ways: the template is resolved once per combination
 * of its undecided conditions (a "variant"), up to MAX_UNDECIDED_CONDITIONS of them; the analyzer then
 * keeps a verdict only when every variant agrees. The parameters the undecided conditions compare with
 * literals are tried first, with each of their AllowedValues (else each literal and "any other value"),
 * so that no combination of conditions that no parameter value gives is tried (IsProd and IsDev both
 * true when both compare Env); what stays undecided is tried both ways. A condition that is true when a
 * parameter equals a literal (`Fn::Equals [!Ref P, 'x']`) fixes P to 'x' in the variants where it is
 * assumed true.
 */
import { ipv4RangeOf } from '../private/cidr';

/** The key of the marker of a value known only at deploy time. */
export const UNRESOLVED = 'Fn::Unresolved';

/** At most this many undecided conditions are tried both ways (2^4 = 16 variants); beyond, every verdict is UNKNOWN. */
export const MAX_UNDECIDED_CONDITIONS = 4;

/** At most this many variants (the product over a template and the others it imports from, variants.ts). */
export const MAX_VARIANTS = 2 ** MAX_UNDECIDED_CONDITIONS;

/** How many Availability Zones `Fn::GetAZs` is assumed to return. */
export const ASSUMED_AZ_COUNT = 3;

/** What the resolution assumes. */
export interface ResolveOptions {
  /** Parameter values, by name (a list parameter as comma-separated text). */
  readonly parameters?: Record<string, string>;
  /** The region; undefined: `${AWS::Region}` placeholders stay in strings. */
  readonly region?: string;
  /** The stack name; undefined: `${AWS::StackName}` stays. */
  readonly stackName?: string;
  /** The account id; undefined: `${AWS::AccountId}` stays. */
  readonly accountId?: string;
  /** What the caller calls this template in messages (e.g. the stack name of another template). */
  readonly label?: string;
}

/** The template resolved for one combination of the undecided conditions. */
export interface ResolvedVariant {
  readonly template: any;
  /** The undecided conditions' values this variant assumes, e.g. `condition UseNat is true`. */
  readonly assumptions: string[];
}

/** The result of the resolution pass. */
export interface Resolution {
  /** One variant, or one per combination of undecided conditions. */
  readonly variants: ResolvedVariant[];
  /** Assumptions the resolution made (Fn::GetAZs), for the verdicts' notes. */
  readonly notes: string[];
  /** Set when there were more undecided conditions than MAX_UNDECIDED_CONDITIONS: why every verdict is UNKNOWN. */
  readonly capped?: string;
}

/** The marker of a value known only at deploy time. */
export function unresolved(why: string): { [UNRESOLVED]: string } {
  return { [UNRESOLVED]: why };
}

/** The reason of an unresolved marker, or undefined for any other value. */
export function unresolvedReason(value: unknown): string | undefined {
  const why = (value as Record<string, unknown> | undefined)?.[UNRESOLVED];
  return value && typeof value === 'object' && typeof why === 'string' ? why : undefined;
}

/** A malformed template: one clear error naming where. */
export class TemplateError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'TemplateError';
  }
}

/** The value of `AWS::NoValue`: dropped from the object or list that holds it. */
const NO_VALUE = Symbol('AWS::NoValue');

/** A parameter's value: text, a list, or unknown (`other`: known only to differ from every literal the conditions compare it with). */
type ParamValue = string | string[] | { readonly unresolved: string; readonly other?: boolean };

/** The state of one resolution: parameter values and the conditions assumed so far. */
interface Scope {
  readonly params: Map<string, ParamValue>;
  readonly resources: Set<string>;
  readonly mappings: Record<string, any>;
  readonly conditions: Record<string, unknown>;
  /** The undecided conditions assumed in this variant, as `?<name>`. */
  readonly assumed: Map<string, boolean>;
  readonly options: ResolveOptions;
  readonly notes: Set<string>;
}

/** The parameters' values: the caller's, else the Default; a missing one unresolved (named). */
export function parameterValues(template: any, given: Record<string, string> = {}, where = 'template'): Map<string, ParamValue> {
  const declared = isObject(template?.Parameters) ? template.Parameters as Record<string, any> : {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      throw new TemplateError(`parameters.${name}`, `${where} declares no parameter ${name} (it declares ${Object.keys(declared).join(', ') || 'none'})`);
    }
    if (typeof given[name] !== 'string') throw new TemplateError(`parameters.${name}`, `the value must be a string, got ${JSON.stringify(given[name])}`);
  }
  const values = new Map<string, ParamValue>();
  for (const [name, spec] of Object.entries(declared)) {
    const type = String(spec?.Type ?? 'String');
    const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    const badDefault = given[name] === undefined && spec?.Default !== undefined && !scalar(spec.Default) && !Array.isArray(spec.Default);
    const raw = given[name] ?? (spec?.Default === undefined || badDefault ? undefined : Array.isArray(spec.Default) ? spec.Default.join(',') : String(spec.Default));
    if (badDefault) {
      values.set(name, { unresolved: `parameter ${name}'s Default (${describeValue(spec.Default)}) is not a value (CloudFormation would reject the template)` });
    } else if (type.startsWith('AWS::SSM::Parameter::')) {
      values.set(name, { unresolved: `parameter ${name} (${type}) is read from Systems Manager at deploy time` });
    } else if (raw === undefined) {
      values.set(name, { unresolved: `parameter ${name} has no value (give it with the analyzer's parameters option) and no Default` });
    } else if (type.startsWith('List<') || type === 'CommaDelimitedList') {
      values.set(name, raw === '' ? [] : raw.split(',').map((s) => s.trim()));
    } else {
      values.set(name, raw);
    }
  }
  return values;
}

/**
 * Resolutions already made, by template object, checked against the template's content (a caller may
 * change a template and analyze it again) and by options: an app's analyzers each resolve the other
 * stacks' templates they import from (11 stacks: 121 resolutions, 11 distinct). Results are shared, so
 * nothing downstream may change a resolved template (mergeTemplates copies on write; the parsers read).
 */
const resolutions = new WeakMap<object, { content: string; byOptions: Map<string, Resolution> }>();

/**
 * Resolves `template`: one variant per combination of its undecided conditions (those the resources
 * use), each with its decided values literal and its undecided ones marked.
 */
export function resolveTemplate(template: any, options: ResolveOptions = {}): Resolution {
  if (!template || typeof template !== 'object') return resolveUncached(template, options);
  const content = JSON.stringify(template);
  let cached = resolutions.get(template);
  if (!cached || cached.content !== content) resolutions.set(template, cached = { content, byOptions: new Map() });
  const { parameters, region, stackName, accountId, label } = options;
  const key = JSON.stringify([parameters ?? null, region ?? null, stackName ?? null, accountId ?? null, label ?? null]);
  let resolution = cached.byOptions.get(key);
  if (!resolution) cached.byOptions.set(key, resolution = resolveUncached(template, options));
  return resolution;
}

function resolveUncached(template: any, options: ResolveOptions): Resolution {
  const where = options.label ?? 'template';
  validateStructure(template, where);
  const malformedConditions = template.Conditions !== undefined && !isObject(template.Conditions);
  const conditions: Record<string, unknown> = malformedConditions ? {} : template.Conditions ?? {};
  const base: Scope = {
    params: parameterValues(template, options.parameters, where),
    resources: new Set(Object.keys(isObject(template.Resources) ? template.Resources : {})),
    mappings: isObject(template.Mappings) ? template.Mappings : {},
    conditions,
    assumed: new Map(),
    options,
    notes: new Set(),
  };
  if (malformedConditions) {
    base.notes.add(`${where} Conditions: ${describeValue(template.Conditions)} is not an object of named conditions (CloudFormation would reject the template): each condition is tried both ways`);
  }
  const used = usedConditions(template, conditions);
  for (const name of used.filter((c) => !(c in conditions))) {
    base.notes.add(`${where}: condition ${name} is used by a resource but Conditions does not define it (CloudFormation would reject the template): it is tried both ways`);
  }
  const variants: ResolvedVariant[] = [];
  const notes = new Set<string>();
  let capped: string | undefined;
  const explore = (scope: Scope, assumptions: string[]) => {
    const open = used.find((name) => conditionValue(name, scope, `Conditions.${name}`) === undefined);
    if (open === undefined) {
      variants.push({ template: resolveBody(template, scope), assumptions });
      scope.notes.forEach((n) => notes.add(n));
      return;
    }
    if (assumptions.length >= MAX_UNDECIDED_CONDITIONS) {
      capped = capped ?? `More than ${MAX_UNDECIDED_CONDITIONS} conditions cannot be decided (give parameter values): every verdict is UNKNOWN`;
      return;
    }
    for (const value of [true, false]) {
      const next: Scope = { ...scope, params: new Map(scope.params), assumed: new Map(scope.assumed) };
      next.assumed.set(`?${open}`, value);
      if (value) fixParameter(conditions[open], next);
      explore(next, [...assumptions, `condition ${open} is ${value}`]);
    }
  };
  // The undecided conditions' parameters are tried with each value that matters, so that no combination
  // of conditions is tried that no parameter value gives (IsProd and IsDev both true); what remains
  // undecided is tried both ways.
  const undecided = used.filter((name) => conditionValue(name, base, `Conditions.${name}`) === undefined);
  const tryAll = (assignments: Array<{ values: Map<string, ParamValue>; assumptions: string[] }>) => {
    variants.length = 0;
    capped = undefined;
    for (const assignment of assignments) {
      const scope: Scope = { ...base, params: new Map([...base.params, ...assignment.values]) };
      const decided = undecided.filter((name) => conditionValue(name, scope, `Conditions.${name}`) !== undefined)
        .map((name) => `condition ${name} is ${conditionValue(name, scope, `Conditions.${name}`)}`);
      explore(scope, [...decided, ...assignment.assumptions]);
    }
    if (variants.length <= 1) return [...variants];
    // Parameter values that give the same template are one variant.
    const distinct = new Map<string, ResolvedVariant>();
    for (const v of variants) {
      const key = JSON.stringify(v.template);
      const seen = distinct.get(key);
      distinct.set(key, seen ? { ...seen, assumptions: mergeAssumptions(seen.assumptions, v.assumptions) } : v);
    }
    return [...distinct.values()];
  };
  const assignments = parameterAssignments(template, undecided, base);
  let result = tryAll(assignments);
  // Values that make more templates than the conditions alone would (a parameter in a tag): the conditions alone.
  if (assignments.length > 1 && (capped !== undefined || result.length > MAX_VARIANTS)) result = tryAll([{ values: new Map(), assumptions: [] }]);
  if (capped) return { variants: [], notes: [...notes], capped };
  return { variants: result, notes: [...notes] };
}

/** Two variants' assumptions as one: the parameter values joined with "or" (same conditions). */
function mergeAssumptions(a: string[], b: string[]): string[] {
  const params = (list: string[]) => list.filter((x) => x.startsWith('parameter '));
  const rest = a.filter((x) => !x.startsWith('parameter '));
  const group = (list: string[]) => (list.length > 1 || list.some((x) => x.includes(' or ')) ? `(${list.join(' and ')})` : list.join(''));
  const joined = [group(params(a)), group(params(b))].filter((x) => x !== '');
  return joined.length === 0 ? rest : [...rest, joined.join(' or ')];
}

/** At most this many combinations of parameter values are tried for the undecided conditions. */
const MAX_PARAMETER_ASSIGNMENTS = 64;

/**
 * The combinations of values of the parameters without a value that the undecided conditions use:
 * each AllowedValue when the parameter declares them, else each literal it is compared with
 * (`Fn::Equals [!Ref P, 'x']`) and "any other value" (which stays unresolved in the template, and is
 * unequal to those literals). A list parameter, or one with neither, is left out (its conditions are
 * tried both ways). One empty assignment when there is nothing to enumerate, or too many combinations.
 */
function parameterAssignments(template: any, undecided: string[], scope: Scope): Array<{ values: Map<string, ParamValue>; assumptions: string[] }> {
  const none = [{ values: new Map<string, ParamValue>(), assumptions: [] }];
  if (undecided.length === 0) return none;
  const free = (name: unknown): name is string => {
    const v = typeof name === 'string' ? scope.params.get(name) : undefined;
    return !!v && typeof v === 'object' && !Array.isArray(v);
  };
  const literals = new Map<string, Set<string>>();
  const mentioned = new Set<string>();
  const declared = isObject(template.Parameters) ? template.Parameters as Record<string, any> : {};
  const seen = new Set<string>();
  const visit = (expr: unknown) => {
    if (typeof expr === 'string') {
      for (const m of expr.matchAll(/\$\{([^}!.]+)\}/g)) if (free(m[1].trim())) mentioned.add(m[1].trim());
      return;
    }
    if (Array.isArray(expr)) { expr.forEach(visit); return; }
    if (!isObject(expr)) return;
    if (free(expr.Ref)) mentioned.add(expr.Ref as string);
    if (typeof expr.Condition === 'string' && !seen.has(expr.Condition) && expr.Condition in scope.conditions) {
      seen.add(expr.Condition);
      visit(scope.conditions[expr.Condition]);
    }
    const equals = expr['Fn::Equals'];
    if (Array.isArray(equals) && equals.length === 2) {
      for (const [a, b] of [[equals[0], equals[1]], [equals[1], equals[0]]]) {
        const name = isObject(a) ? a.Ref : undefined;
        if (free(name) && (typeof b === 'string' || typeof b === 'number' || typeof b === 'boolean')) {
          literals.set(name, (literals.get(name) ?? new Set()).add(String(b)));
        }
      }
    }
    Object.values(expr).forEach(visit);
  };
  for (const name of undecided) {
    if (!seen.has(name)) { seen.add(name); visit(scope.conditions[name]); }
  }
  const allowedOf = (name: string): string[] | undefined => {
    const allowed = declared[name]?.AllowedValues;
    const ok = Array.isArray(allowed) && allowed.length > 0 && allowed.every((v) => typeof v === 'string' || typeof v === 'number');
    return ok ? allowed.map(String) : undefined;
  };
  // A list parameter is not enumerated; one used only in other ways than `Fn::Equals [!Ref P, literal]` only with AllowedValues.
  const names = [...mentioned].filter((n) => {
    const type = String(declared[n]?.Type ?? 'String');
    return !type.startsWith('List<') && type !== 'CommaDelimitedList' && (allowedOf(n) !== undefined || literals.has(n));
  });
  if (names.length === 0) return none;
  const choices = names.map((name) => {
    const allowed = allowedOf(name);
    if (allowed) return allowed.map((v) => ({ name, value: v as ParamValue, text: `parameter ${name} is '${v}'` }));
    const known = [...literals.get(name)!];
    const why = (scope.params.get(name) as { unresolved: string }).unresolved;
    return [
      ...known.map((v) => ({ name, value: v as ParamValue, text: `parameter ${name} is '${v}'` })),
      {
        name,
        value: { unresolved: `${why}; assumed to be none of ${known.map((v) => `'${v}'`).join(', ')}`, other: true } as ParamValue,
        text: `parameter ${name} is none of ${known.map((v) => `'${v}'`).join(', ')}`,
      },
    ];
  });
  if (choices.reduce((n, c) => n * c.length, 1) > MAX_PARAMETER_ASSIGNMENTS) return none;
  let assignments = [{ values: new Map<string, ParamValue>(), assumptions: [] as string[] }];
  for (const options of choices) {
    assignments = assignments.flatMap((a) => options.map((o) => ({
      values: new Map([...a.values, [o.name, o.value]]),
      assumptions: [...a.assumptions, o.text],
    })));
  }
  return assignments;
}

/**
 * The structure every template must have: an object whose Resources is an object of resources, each an
 * object with a Type; anything else is one error naming where.
 */
export function validateStructure(template: unknown, where = 'template') {
  if (!isObject(template)) throw new TemplateError(where, `must be a CloudFormation template object, got ${describeValue(template)}`);
  if (!isObject(template.Resources)) {
    throw new TemplateError(`${where} Resources`, `must be an object of resources by logical id, got ${describeValue(template.Resources)}`);
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!isObject(resource)) throw new TemplateError(`${where} Resources.${id}`, `must be a resource object with a Type, got ${describeValue(resource)}`);
    if (typeof resource.Type !== 'string' || resource.Type === '') {
      throw new TemplateError(`${where} Resources.${id}.Type`, `must be the resource type (e.g. AWS::EC2::VPC), got ${describeValue(resource.Type)}`);
    }
    if (resource.Condition !== undefined && typeof resource.Condition !== 'string') {
      throw new TemplateError(`${where} Resources.${id}.Condition`, `must be the name of a condition, got ${describeValue(resource.Condition)}`);
    }
  }
}

/** A value in an error message, shortly. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Conditions the resources and outputs use (directly, through Fn::If, or through other conditions), in template order. */
function usedConditions(template: any, conditions: Record<string, unknown>): string[] {
  const used = new Set<string>();
  const visit = (value: unknown, at: string) => {
    if (Array.isArray(value)) { value.forEach((v, i) => visit(v, `${at}[${i}]`)); return; }
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Fn::If' && Array.isArray(v) && typeof v[0] === 'string') mark(v[0], at);
      if (k === 'Condition' && typeof v === 'string' && at.includes('Conditions')) mark(v, at);
      visit(v, `${at}.${k}`);
    }
  };
  // A resource's condition that Conditions does not define is tried both ways (undefined: an Fn::If on it stays unresolved).
  const undefinedConditions = new Set<string>();
  const mark = (name: string, at: string) => {
    if (!(name in conditions)) {
      if (at.startsWith('Resources.') && at.endsWith('.Condition')) undefinedConditions.add(name);
      return;
    }
    if (used.has(name)) return;
    used.add(name);
    visit(conditions[name], `Conditions.${name}`);
  };
  for (const section of ['Resources', 'Outputs'] as const) {
    for (const [id, item] of Object.entries(isObject(template[section]) ? template[section] : {})) {
      const condition = (item as any)?.Condition;
      // A resource's Condition is a string (validateStructure); an output's that is not is ignored.
      if (typeof condition === 'string') mark(condition, `${section}.${id}.Condition`);
      visit(item, `${section}.${id}`);
    }
  }
  return [...Object.keys(conditions).filter((c) => used.has(c)), ...undefinedConditions];
}

/** In a variant where `Fn::Equals [!Ref P, 'x']` is assumed true, P is 'x'. */
function fixParameter(condition: unknown, scope: Scope) {
  const equals = (condition as Record<string, unknown> | undefined)?.['Fn::Equals'];
  if (!Array.isArray(equals) || equals.length !== 2) return;
  for (const [a, b] of [[equals[0], equals[1]], [equals[1], equals[0]]]) {
    const name = (a as Record<string, unknown> | undefined)?.Ref;
    const current = typeof name === 'string' ? scope.params.get(name) : undefined;
    if (typeof b === 'string' && current && typeof current === 'object' && !Array.isArray(current)) scope.params.set(name as string, b);
  }
}

/** A named condition's value: assumed, or evaluated (three-valued: undefined when it cannot be decided). */
export function conditionValue(name: string, scope: Scope, _at: string, seen: Set<string> = new Set()): boolean | undefined {
  const assumed = scope.assumed.get(`?${name}`);
  if (assumed !== undefined) return assumed;
  if (!(name in scope.conditions)) return undefined;
  try {
    if (seen.has(name)) throw new TemplateError(`Conditions.${name}`, 'refers to itself');
    return evaluateCondition(scope.conditions[name], scope, `Conditions.${name}`, new Set([...seen, name]));
  } catch (e) {
    // A malformed condition (CloudFormation would reject it) cannot be decided: it is tried both ways.
    if (!(e instanceof TemplateError)) throw e;
    scope.notes.add(`${e.message} (CloudFormation would reject the template): the condition is tried both ways`);
    return undefined;
  }
}

function evaluateCondition(expr: unknown, scope: Scope, at: string, seen: Set<string>): boolean | undefined {
  if (!isObject(expr)) {
    if (expr === true || expr === 'true') return true;
    if (expr === false || expr === 'false') return false;
    throw new TemplateError(at, `a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, got ${JSON.stringify(expr)}`);
  }
  const [key, arg] = Object.entries(expr)[0] ?? [];
  const args = Array.isArray(arg) ? arg : [];
  switch (key) {
    case 'Condition':
      return conditionValue(String(arg), scope, at, seen);
    case 'Fn::Not': {
      const v = evaluateCondition(args[0], scope, `${at}.Fn::Not`, seen);
      return v === undefined ? undefined : !v;
    }
    case 'Fn::And': case 'Fn::Or': {
      const values = args.map((a, i) => evaluateCondition(a, scope, `${at}.${key}[${i}]`, seen));
      const decisive = key === 'Fn::And' ? false : true;
      if (values.includes(decisive)) return decisive;
      return values.includes(undefined) ? undefined : !decisive;
    }
    case 'Fn::Equals': {
      if (args.length !== 2) throw new TemplateError(at, 'Fn::Equals takes two values');
      // A parameter assumed to be none of the literals it is compared with.
      const other = args.some((a) => {
        const p = isObject(a) && typeof a.Ref === 'string' ? scope.params.get(a.Ref) : undefined;
        return !!p && typeof p === 'object' && !Array.isArray(p) && p.other === true;
      });
      if (other && args.some((a) => typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean')) return false;
      const [a, b] = args.map((v, i) => resolveValue(v, scope, `${at}.Fn::Equals[${i}]`));
      if (!isDecided(a) || !isDecided(b)) return undefined;
      return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
    }
    default:
      throw new TemplateError(at, `a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, got ${key}`);
  }
}

/** Literal values compare as text (CloudFormation compares strings; `true` equals "true"). */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** Whether a value is fully literal (no reference, no marker, no placeholder left). */
function isDecided(value: unknown): boolean {
  if (typeof value === 'string') return !/\$\{AWS::/.test(value);
  if (Array.isArray(value)) return value.every(isDecided);
  if (isObject(value)) return false;
  return true;
}

/** The resolved template of one variant: resources whose condition is false dropped, every value resolved. */
function resolveBody(template: any, scope: Scope): any {
  const out: Record<string, unknown> = { ...template };
  delete out.Conditions;
  for (const section of ['Resources', 'Outputs'] as const) {
    if (!isObject(template[section])) continue;
    const kept: Record<string, unknown> = {};
    for (const [id, item] of Object.entries(template[section] as Record<string, any>)) {
      // A resource whose condition is false is dropped; an output's condition that cannot be decided keeps it.
      const condition = typeof item?.Condition === 'string' ? conditionValue(item.Condition, scope, `${section}.${id}.Condition`) : true;
      if (condition === false || (condition === undefined && section === 'Resources')) continue;
      if (!isObject(item)) continue;
      const rest: Record<string, unknown> = { ...item };
      delete rest.Condition;
      const value = resolveValue(rest, scope, `${section}.${id}`);
      kept[id] = value === NO_VALUE ? {} : value;
    }
    out[section] = kept;
  }
  return out;
}

/** The pseudo parameters: a value, or a placeholder the parsers know (`${AWS::Region}`). */
function pseudo(name: string, scope: Scope): unknown {
  const { region, stackName, accountId } = scope.options;
  switch (name) {
    case 'AWS::Region': return region ?? '${AWS::Region}';
    case 'AWS::AccountId': return accountId ?? '${AWS::AccountId}';
    case 'AWS::StackName': return stackName ?? '${AWS::StackName}';
    case 'AWS::Partition': return region === undefined ? '${AWS::Partition}' : region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    case 'AWS::URLSuffix': return region === undefined ? '${AWS::URLSuffix}' : region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    case 'AWS::NoValue': return NO_VALUE;
    default: return `\${${name}}`;
  }
}

/** `Ref`: a parameter's value, a pseudo parameter, or a resource reference kept as is. */
function refValue(name: unknown, scope: Scope, at: string): unknown {
  if (typeof name !== 'string') throw new TemplateError(at, `Ref must name a parameter or resource, got ${JSON.stringify(name)}`);
  if (name.startsWith('AWS::')) {
    const value = pseudo(name, scope);
    // A pseudo parameter left as a placeholder stays a Ref, as the parsers read it.
    return typeof value === 'string' && value.startsWith('${') ? { Ref: name } : value;
  }
  const param = scope.params.get(name);
  if (param === undefined) return { Ref: name };
  if (typeof param === 'string' || Array.isArray(param)) return param;
  return unresolved(param.unresolved);
}

/** One value of the template, resolved; NO_VALUE for `AWS::NoValue`. */
export function resolveValue(value: unknown, scope: Scope, at: string): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => resolveValue(v, scope, `${at}[${i}]`)).filter((v) => v !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    try {
      return intrinsic(keys[0], (value as any)[keys[0]], scope, `${at}.${keys[0]}`);
    } catch (e) {
      // A malformed intrinsic (CloudFormation would reject it) is a value the analysis cannot know, named.
      if (e instanceof TemplateError) return unresolved(`${e.message} (CloudFormation would reject the template)`);
      throw e;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveValue(v, scope, `${at}.${k}`);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function intrinsic(fn: string, arg: any, scope: Scope, at: string): unknown {
  const list = (n: number) => {
    if (!Array.isArray(arg) || arg.length < n) throw new TemplateError(at, `${fn} takes a list of ${n} values, got ${JSON.stringify(arg)}`);
    return arg;
  };
  switch (fn) {
    case 'Ref': return refValue(arg, scope, at);
    case 'Fn::If': {
      const [name, yes, no] = list(3);
      const decided = conditionValue(String(name), scope, at);
      if (decided === undefined) return unresolved(`condition ${name} ${name in scope.conditions ? 'cannot be decided' : 'is not defined in Conditions'}`);
      return resolveValue(decided ? yes : no, scope, `${at}[${decided ? 1 : 2}]`);
    }
    case 'Fn::Join': {
      const [delimiter, parts] = list(2);
      const items = resolveValue(parts, scope, `${at}[1]`);
      if (unresolvedReason(items)) return items;
      if (!Array.isArray(items)) return { [fn]: [delimiter, items] };
      const why = items.map(unresolvedReason).find((w) => w);
      if (why) return unresolved(why);
      const texts = items.map(placeholderText);
      return texts.every((t) => t !== undefined) ? texts.join(String(delimiter)) : { [fn]: [delimiter, items] };
    }
    case 'Fn::Sub': return sub(arg, scope, at);
    case 'Fn::Select': {
      const [index, items] = list(2);
      const i = resolveValue(index, scope, `${at}[0]`);
      const values = resolveValue(items, scope, `${at}[1]`);
      for (const v of [i, values]) if (unresolvedReason(v)) return v;
      if (!Array.isArray(values) || !isDecided(i)) return { [fn]: [i, values] };
      const n = Number(i);
      if (!Number.isInteger(n) || n < 0 || n >= values.length) throw new TemplateError(at, `Fn::Select index ${JSON.stringify(i)} is outside the list of ${values.length}`);
      return values[n];
    }
    case 'Fn::Split': {
      const [delimiter, source] = list(2);
      const text = resolveValue(source, scope, `${at}[1]`);
      if (unresolvedReason(text)) return text;
      const t = placeholderText(text);
      // A placeholder (`${AWS::URLSuffix}`) may hold the delimiter: kept.
      return t === undefined || !isDecided(t) ? { [fn]: [delimiter, text] } : t.split(String(delimiter));
    }
    case 'Fn::FindInMap': {
      const keys = list(3).slice(0, 3).map((k, i) => resolveValue(k, scope, `${at}[${i}]`));
      const why = keys.map(unresolvedReason).find((w) => w);
      if (why) return unresolved(why);
      if (!keys.every((k) => typeof k === 'string' || typeof k === 'number') || !keys.every(isDecided)) {
        return unresolved(`Fn::FindInMap ${keys.map((k) => typeof k === 'string' ? k : '?').join('.')} depends on a value known at deploy time`);
      }
      const [map, top, second] = keys.map(String);
      const found = scope.mappings[map]?.[top]?.[second];
      if (found === undefined) {
        const fallback = isObject(arg[3]) ? (arg[3] as any).DefaultValue : undefined;
        if (fallback !== undefined) return resolveValue(fallback, scope, `${at}[3]`);
        throw new TemplateError(at, `Mappings has no ${map}.${top}.${second}`);
      }
      return found;
    }
    case 'Fn::Cidr': {
      const [block, count, bits] = list(3).map((v: unknown, i: number) => resolveValue(v, scope, `${at}[${i}]`));
      const why = [block, count, bits].map(unresolvedReason).find((w) => w);
      if (why) return unresolved(why);
      if (typeof block !== 'string' || !isDecided(block) || !isDecided(count) || !isDecided(bits)) return { [fn]: [block, count, bits] };
      return cidrs(block, Number(count), Number(bits), at);
    }
    case 'Fn::GetAZs': {
      const region = resolveValue(arg, scope, `${at}`);
      const name = typeof region === 'string' && region !== '' ? region : scope.options.region ?? '${AWS::Region}';
      scope.notes.add(`Assumed that Fn::GetAZs returns ${ASSUMED_AZ_COUNT} Availability Zones named ${name}a, ${name}b, ${name}c (the real names are known only at deploy)`);
      return Array.from({ length: ASSUMED_AZ_COUNT }, (_, i) => `${name}${String.fromCharCode(97 + i)}`);
    }
    case UNRESOLVED: return { [fn]: arg };
    default: {
      // Fn::GetAtt, Fn::ImportValue, Fn::Base64...: the arguments are resolved, the function kept.
      const inner = resolveValue(arg, scope, at);
      return unresolvedReason(inner) && fn !== 'Fn::GetAtt' ? inner : { [fn]: inner };
    }
  }
}

/** A value as text in a string being built: literals, and pseudo parameters as `${AWS::...}` placeholders. */
function placeholderText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const ref = (value as Record<string, unknown> | undefined)?.Ref;
  if (typeof ref === 'string' && ref.startsWith('AWS::')) return `\${${ref}}`;
  return undefined;
}

/** `Fn::Sub`, both forms: parameters, pseudo parameters and the given variables substituted; resources' kept. */
function sub(arg: unknown, scope: Scope, at: string): unknown {
  const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
  if (typeof text !== 'string' || !isObject(vars)) throw new TemplateError(at, `Fn::Sub takes a string, or a string and an object of variables, got ${JSON.stringify(arg)}`);
  const variables = new Map(Object.entries(vars).map(([k, v]) => [k, resolveValue(v, scope, `${at}[1].${k}`)]));
  let why: string | undefined;
  let kept = false;
  const result = text.replace(/\$\{([^}!]+)\}/g, (whole, name: string) => {
    const key = name.trim();
    let value: unknown;
    if (variables.has(key)) {
      value = variables.get(key);
    } else if (key.startsWith('AWS::')) {
      value = pseudo(key, scope);
    } else if (scope.params.has(key)) {
      value = refValue(key, scope, at);
    } else {
      // a resource or one of its attributes
      kept = true;
      return whole;
    }
    why = why ?? unresolvedReason(value);
    const t = placeholderText(value);
    if (t === undefined) { kept = true; return whole; }
    return t;
  });
  if (why) return unresolved(why);
  const literal = result.replace(/\$\{!/g, '${');
  return kept ? { 'Fn::Sub': result } : literal;
}

/** `Fn::Cidr`: `count` blocks of 2^`bits` addresses from the start of `block`. */
function cidrs(block: string, count: number, bits: number, at: string): string[] {
  let range;
  try {
    range = ipv4RangeOf(block);
  } catch {
    throw new TemplateError(at, `${JSON.stringify(block)} is not an IPv4 CIDR`);
  }
  const size = 2 ** bits;
  const fits = count * size <= range.last - range.first + 1;
  if (!Number.isInteger(count) || count < 1 || count > 256 || !Number.isInteger(bits) || bits < 0 || bits > 32 || !fits) {
    throw new TemplateError(at, `cannot cut ${count} blocks of ${bits} host bits from ${block}`);
  }
  return Array.from({ length: count }, (_, i) => {
    const n = range.first + i * size;
    return `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.')}/${32 - bits}`;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
