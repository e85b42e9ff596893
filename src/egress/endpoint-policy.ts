/**
 * The API layer of a VPC endpoint: whether its policy (`PolicyDocument` of an AWS::EC2::VPCEndpoint,
 * interface or gateway) lets a workload use the service with another account's credentials, or on
 * another account's resources. Pure functions of the policy document, in the style of cdk-nag's rules:
 * `anotherAccountsPrincipals()` (the identity perimeter), `anotherAccountsResources()` (the resource
 * perimeter) and `otherAccountAccess()`, which combines them.
 *
 * "Another account" is an arbitrary account that the policy does not name: an account id written in a
 * policy (a literal, or `${AWS::AccountId}`) is taken for the perimeter, an organization id likewise; the
 * named exceptions (AWS-owned buckets, registries, hubs) are not an arbitrary account's resources.
 *
 * The requests evaluated, each as IAM evaluates a policy (an explicit Deny wins, otherwise an Allow is
 * needed):
 * - another account's resource: a principal of this account acts on a resource of another account
 *   (`aws:ResourceAccount` is that account), e.g. `s3:PutObject` into its bucket, `sts:AssumeRole` into its role;
 * - another account's principal: credentials of another account act on a resource outside this
 *   account, or call an action that acts on no resource (the call itself then lands in that account).
 *   Another account's principal acting on this account's resources is not counted as a way out (IAM and
 *   the resource policies of this account decide it), but it is reported (`principalsLimited`).
 *
 * Condition keys: IAM User Guide, "AWS global condition context keys"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html). Condition
 * operators and missing keys: IAM User Guide, "IAM JSON policy elements: Condition operators" (a negated
 * operator, or one ending in `IfExists`, is true when the key is absent; any other is false).
 */
import { describe, flatten, referencedId, THIS_REGION, toArray } from '../private/cfn-values';

/** Yes, no, or only at deploy time. */
export type Tri = boolean | 'maybe';

/** Whether one way of reaching another account is open, with the statements that decide. */
export interface PerimeterDecision {
  /** true: open; false: the policy refuses it; 'maybe': it depends on a value known only at deploy time. */
  readonly open: Tri;
  /** The statement that lets it through, or the explicit Deny that refuses it. */
  readonly statement?: string;
  /** A sentence for a reviewer. */
  readonly detail: string;
}

/** What an endpoint policy does to requests of other accounts. */
export interface EndpointPolicyFinding {
  /** `absent`: no policy (AWS's default full access); `document`: read; `unreadable`: a deploy-time value. */
  readonly policy: 'absent' | 'document' | 'unreadable';
  /** Another account's credentials, on resources outside this account (or on no resource). */
  readonly principals: PerimeterDecision;
  /** This account's principals, on another account's resources. */
  readonly resources: PerimeterDecision;
  /** The Allow statements that admit another account's principal (to whichever resources they name). */
  readonly unlimitedPrincipalStatements: string[];
  /** Assumptions made on the way. */
  readonly notes: string[];
}

/** Options of the rules. */
export interface EndpointPolicyOptions {
  /** Whether a logical id is a resource of the template (a `Ref` to it in an ARN names one resource), not a parameter. */
  readonly isTemplateResource?: (logicalId: string) => boolean;
}

/**
 * Actions that act on no resource ("*" in the Service Authorization Reference, "Actions, resources, and
 * condition keys for AWS Security Token Service"): no other account's resource is reachable through
 * them, and the request carries no `aws:ResourceAccount`.
 */
export const RESOURCELESS_ACTIONS = [
  'sts:GetCallerIdentity', 'sts:GetServiceBearerToken', 'sts:GetSessionToken', 'sts:GetAccessKeyInfo', 'sts:DecodeAuthorizationMessage',
];

type PrincipalClass = 'this' | 'other';
type ResourceClass = 'other' | 'none';
interface Request { readonly principal: PrincipalClass; readonly resource: ResourceClass }

const PRINCIPAL_KEYS = ['aws:principalaccount', 'aws:principalorgid', 'aws:principalorgpaths'];
const RESOURCE_KEYS = ['aws:resourceaccount', 'aws:resourceorgid', 'aws:resourceorgpaths'];
const POSITIVE = ['stringequals', 'stringequalsignorecase', 'stringlike', 'arnequals', 'arnlike'];
const NEGATED = ['stringnotequals', 'stringnotequalsignorecase', 'stringnotlike', 'arnnotequals', 'arnnotlike'];

/** One statement, read. */
interface Statement {
  readonly label: string;
  readonly effect: 'Allow' | 'Deny' | 'unknown';
  readonly raw: Record<string, any>;
}

/** Why a statement does not match a request, or what it depends on. */
interface Match {
  readonly result: Tri;
  readonly why: string;
}

/** The identity perimeter: can another account's credentials be used through the endpoint to reach outside this account? */
export function anotherAccountsPrincipals(policyDocument: unknown, options: EndpointPolicyOptions = {}): PerimeterDecision {
  const read = readPolicy(policyDocument);
  if (read.decision) return read.decision;
  const evaluator = new PolicyEvaluator(read.statements!, options);
  return evaluator.decide([{ principal: 'other', resource: 'other' }, { principal: 'other', resource: 'none' }], 'another account\'s principal');
}

/** The resource perimeter: can this account's principals act on another account's resources through the endpoint? */
export function anotherAccountsResources(policyDocument: unknown, options: EndpointPolicyOptions = {}): PerimeterDecision {
  const read = readPolicy(policyDocument);
  if (read.decision) return read.decision;
  const evaluator = new PolicyEvaluator(read.statements!, options);
  return evaluator.decide([{ principal: 'this', resource: 'other' }], 'another account\'s resource');
}

/** Both perimeters of an endpoint policy, and which Allow statements admit any account's principal. */
export function otherAccountAccess(policyDocument: unknown, options: EndpointPolicyOptions = {}): EndpointPolicyFinding {
  const read = readPolicy(policyDocument);
  if (read.decision) {
    return { policy: read.policy, principals: read.decision, resources: read.decision, unlimitedPrincipalStatements: read.policy === 'absent' ? ['AWS default'] : [], notes: [] };
  }
  const evaluator = new PolicyEvaluator(read.statements!, options);
  const principals = evaluator.decide([{ principal: 'other', resource: 'other' }, { principal: 'other', resource: 'none' }], 'another account\'s principal');
  const resources = evaluator.decide([{ principal: 'this', resource: 'other' }], 'another account\'s resource');
  return { policy: 'document', principals, resources, unlimitedPrincipalStatements: evaluator.unlimitedPrincipals(), notes: evaluator.notes() };
}

function readPolicy(policyDocument: unknown): { policy: EndpointPolicyFinding['policy']; statements?: Statement[]; decision?: PerimeterDecision } {
  if (policyDocument === undefined || policyDocument === null) {
    return { policy: 'absent', decision: { open: true, detail: 'no endpoint policy: AWS\'s default policy allows any principal and any resource' } };
  }
  let doc = policyDocument;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return { policy: 'unreadable', decision: { open: 'maybe', detail: 'the endpoint policy is a string that is not JSON' } };
    }
  }
  const statements = (doc as Record<string, unknown> | undefined)?.Statement;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || statements === undefined || isIntrinsic(statements) || isIntrinsic(doc)) {
    return { policy: 'unreadable', decision: { open: 'maybe', detail: `the endpoint policy is resolved only at deploy time (${describe(doc)})` } };
  }
  return {
    policy: 'document',
    statements: toArray(statements).map((s, i) => {
      const raw = (s && typeof s === 'object' && !isIntrinsic(s) ? s : {}) as Record<string, any>;
      const label = typeof raw.Sid === 'string' && raw.Sid ? raw.Sid : `Statement[${i}]`;
      const effect = raw.Effect === 'Allow' || raw.Effect === 'Deny' ? raw.Effect : 'unknown';
      return { label, effect, raw };
    }),
  };
}

function isIntrinsic(value: unknown): boolean {
  return !!value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).some((k) => k === 'Ref' || k.startsWith('Fn::'));
}

/** A value of an account condition key, or an account in a principal or ARN. */
type AccountValue = { kind: 'this' } | { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'unknown'; what: string };

class PolicyEvaluator {
  private readonly assumptions = new Set<string>();

  constructor(private readonly statements: Statement[], private readonly options: EndpointPolicyOptions) {}

  public notes(): string[] {
    return [...this.assumptions];
  }

  /** Whether any of `requests` gets through, with the statement that decides. */
  public decide(requests: Request[], what: string): PerimeterDecision {
    const label = (r: Request) => requests.length === 1 ? '' : r.resource === 'none' ? 'on actions that act on no resource, ' : 'on resources outside this account, ';
    const results = requests.map((r) => {
      const result = this.evaluate(r);
      return { ...result, detail: `${label(r)}${result.detail}` };
    });
    const open = results.find((r) => r.open === true);
    if (open) return { ...open, detail: `${what}: ${open.detail}` };
    const maybe = results.find((r) => r.open === 'maybe');
    if (maybe) return { ...maybe, detail: `${what}: ${maybe.detail}` };
    return { open: false, statement: results.find((r) => r.statement)?.statement, detail: `${what}: ${results.map((r) => r.detail).join('; ')}` };
  }

  /** The Allow statements whose principal and principal conditions admit another account's principal. */
  public unlimitedPrincipals(): string[] {
    return this.statements.filter((s) => s.effect === 'Allow').filter((s) => {
      const principal = this.principalMatches(s, 'other');
      const conditions = this.conditionsMatch(s, { principal: 'other', resource: 'other' }, 'principal');
      return and([principal, conditions]).result === true;
    }).map((s) => s.label);
  }

  private evaluate(request: Request): PerimeterDecision {
    const allows = this.statements.filter((s) => s.effect !== 'Deny').map((s) => ({ s, m: this.matches(s, request) }));
    const denies = this.statements.filter((s) => s.effect === 'Deny').map((s) => ({ s, m: this.matches(s, request) }));
    const denied = denies.find((d) => d.m.result === true);
    if (denied) return { open: false, statement: denied.s.label, detail: `${denied.s.label} denies it (${denied.m.why})` };
    const allowed = allows.find((a) => a.m.result === true && a.s.effect === 'Allow');
    const maybeAllowed = allows.find((a) => a.m.result === 'maybe' || (a.m.result === true && a.s.effect === 'unknown'));
    const maybeDenied = denies.find((d) => d.m.result === 'maybe');
    if (allowed && !maybeDenied) return { open: true, statement: allowed.s.label, detail: `${allowed.s.label} allows it (${allowed.m.why})` };
    if (allowed || maybeAllowed) {
      const why = maybeDenied && allowed ? `${allowed.s.label} allows it, and ${maybeDenied.s.label} may deny it: ${maybeDenied.m.why}`
        : `${maybeAllowed!.s.label} may allow it: ${maybeAllowed!.m.why}`;
      return { open: 'maybe', statement: (maybeDenied ?? maybeAllowed)!.s.label, detail: why };
    }
    const refusals = allows.map((a) => `${a.s.label}: ${a.m.why}`);
    return { open: false, detail: refusals.length ? `no Allow matches (${refusals.join('; ')})` : 'the policy has no Allow statement' };
  }

  /** Whether a statement applies to a request: its principal, actions, resources and conditions. */
  private matches(s: Statement, request: Request): Match {
    if (Object.keys(s.raw).length === 0) return { result: 'maybe', why: 'the statement is resolved only at deploy time' };
    return and([
      this.principalMatches(s, request.principal),
      this.actionsMatch(s, request.resource),
      this.resourcesMatch(s, request.resource),
      this.conditionsMatch(s, request, 'all'),
    ]);
  }

  private principalMatches(s: Statement, principal: PrincipalClass): Match {
    if (s.raw.NotPrincipal !== undefined || s.raw.Principal === undefined) return { result: true, why: 'any principal' };
    const p = s.raw.Principal;
    if (p === '*') return { result: true, why: 'Principal *' };
    if (!p || typeof p !== 'object' || isIntrinsic(p)) return { result: 'maybe', why: `its Principal ${describe(p)} is resolved only at deploy time` };
    const aws = toArray((p as Record<string, unknown>).AWS);
    if (aws.length === 0) return { result: false, why: 'its principals are AWS services or federated identities, not accounts' };
    const accounts = aws.map((v) => this.accountOf(v, 'principal'));
    return this.accountsMatch(accounts, principal, s.label, 'Principal');
  }

  private actionsMatch(s: Statement, resource: ResourceClass): Match {
    if (s.raw.NotAction !== undefined || s.raw.Action === undefined) return { result: true, why: 'any action' };
    const actions = toArray(s.raw.Action);
    if (actions.some((a) => typeof a !== 'string')) return { result: true, why: 'actions resolved only at deploy time' };
    const exact = (a: string) => RESOURCELESS_ACTIONS.some((r) => r.toLowerCase() === a.toLowerCase());
    if (resource === 'none') {
      const any = actions.some((a) => RESOURCELESS_ACTIONS.some((r) => wildcard(a as string).test(r)));
      return any ? { result: true, why: 'actions that act on no resource' } : { result: false, why: 'its actions act on resources' };
    }
    return actions.every((a) => exact(a as string))
      ? { result: false, why: `${actions.join(', ')} acts on no resource` }
      : { result: true, why: actions.join(', ') };
  }

  private resourcesMatch(s: Statement, resource: ResourceClass): Match {
    if (s.raw.NotResource !== undefined || s.raw.Resource === undefined) return { result: true, why: 'any resource' };
    const entries = toArray(s.raw.Resource);
    if (resource === 'none') {
      return entries.some((e) => e === '*') ? { result: true, why: 'Resource *' } : { result: false, why: 'it names resources' };
    }
    const matches = entries.map((e) => this.arnMatchesOther(e));
    const yes = matches.find((m) => m.result === true);
    if (yes) return yes;
    const maybe = matches.find((m) => m.result === 'maybe');
    if (maybe) return maybe;
    return { result: false, why: 'it names its resources' };
  }

  /** Whether a Resource entry can be an arbitrary resource of another account. */
  private arnMatchesOther(entry: unknown): Match {
    if (entry === '*') return { result: true, why: 'Resource *' };
    const text = this.flat(entry);
    if (text === undefined) return { result: 'maybe', why: `its Resource ${describe(entry)} is resolved only at deploy time` };
    const parts = text.split(':');
    if (parts.length < 6 || parts[0] !== 'arn') return /^[*?]+$/.test(text) ? { result: true, why: `Resource ${text}` } : { result: false, why: 'it names its resources' };
    const [, , service, , account] = parts;
    const rest = parts.slice(5).join(':');
    if (service === 's3' && account === '') {
      // Bucket names are global: a wildcard in one is a bucket anyone may create.
      const bucket = rest.split('/')[0];
      if (/[*?]/.test(bucket)) return { result: true, why: `Resource ${text} (a bucket name with a wildcard, which another account may own)` };
      if (bucket.includes('${')) return this.placeholder(bucket, entry);
      return { result: false, why: 'it names its buckets' };
    }
    if (/[*?]/.test(account) || /^[*?]+$/.test(service)) return { result: true, why: `Resource ${text} (any account)` };
    if (account.includes('${') && account !== '${AWS::AccountId}') return this.placeholder(account, entry);
    return { result: false, why: 'it names its resources' };
  }

  private placeholder(part: string, entry: unknown): Match {
    return { result: 'maybe', why: `its Resource ${describe(entry)} has ${part}, resolved only at deploy time` };
  }

  /** A string with pseudo parameters as `${AWS::...}` and references to template resources as `${Ref:<id>}`. */
  private flat(value: unknown): string | undefined {
    const direct = flatten(value, THIS_REGION);
    if (direct !== undefined) return direct;
    const id = referencedId(value);
    if (id && this.options.isTemplateResource?.(id)) return `\${Ref:${id}}`;
    const join = (value as Record<string, any> | undefined)?.['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      const parts = join[1].map((p: unknown) => this.flat(p));
      if (parts.every((p: string | undefined) => p !== undefined)) return parts.join(join[0]);
    }
    return undefined;
  }

  /**
   * The statement's conditions for a request: the account keys evaluated, `aws:PrincipalIsAWSService`
   * too; any other key is assumed satisfiable in an Allow and not to hold in a Deny (which then is not
   * counted as blocking). `scope` 'principal' evaluates the principal keys only.
   */
  private conditionsMatch(s: Statement, request: Request, scope: 'all' | 'principal'): Match {
    const condition = s.raw.Condition;
    if (condition === undefined) return { result: true, why: 'no condition' };
    if (!condition || typeof condition !== 'object' || isIntrinsic(condition)) return { result: 'maybe', why: `its Condition ${describe(condition)} is resolved only at deploy time` };
    const results: Match[] = [];
    const other: string[] = [];
    for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
      if (!block || typeof block !== 'object' || isIntrinsic(block)) {
        results.push({ result: 'maybe', why: `its ${operator} condition is resolved only at deploy time` });
        continue;
      }
      for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
        const k = key.toLowerCase();
        const principalKey = PRINCIPAL_KEYS.includes(k);
        const resourceKey = RESOURCE_KEYS.includes(k);
        if (scope === 'principal' && !principalKey && k !== 'aws:principalisawsservice') continue;
        if (k === 'aws:principalisawsservice' && /^bool(ifexists)?$/i.test(operator)) {
          const v = toArray(value).map((x) => String(x).toLowerCase());
          results.push(v.every((x) => x === 'true') ? { result: false, why: 'aws:PrincipalIsAWSService is true: AWS services only' }
            : v.every((x) => x === 'false') ? { result: true, why: 'aws:PrincipalIsAWSService false' }
              : { result: 'maybe', why: 'aws:PrincipalIsAWSService is resolved only at deploy time' });
          continue;
        }
        const op = operator.toLowerCase().replace(/^for(any|all)value:/, '');
        const ifExists = op.endsWith('ifexists');
        const base = op.replace(/ifexists$/, '');
        if ((!principalKey && !resourceKey) || (!POSITIVE.includes(base) && !NEGATED.includes(base))) {
          other.push(`${operator} ${key}`);
          continue;
        }
        const negated = NEGATED.includes(base);
        const present = principalKey || request.resource !== 'none';
        if (!present) {
          results.push({ result: negated || ifExists, why: `${key} is absent for an action on no resource` });
          continue;
        }
        const like = base.includes('like');
        const accounts = toArray(value).map((v) => this.accountOf(v, 'condition', like));
        const subject = principalKey ? request.principal : 'other';
        const m = this.accountsMatch(accounts, subject, s.label, `${operator} ${key}`);
        results.push(negated ? { result: m.result === 'maybe' ? 'maybe' : !m.result, why: `${operator} ${key}` } : { ...m, why: m.result === false ? `${operator} ${key}` : m.why });
      }
    }
    if (other.length > 0) {
      if (s.effect === 'Deny') {
        this.assumptions.add(`${s.label} (Deny) also depends on ${other.join(', ')}: it is not counted as blocking`);
        results.push({ result: false, why: `it also depends on ${other.join(', ')}` });
      } else {
        results.push({ result: true, why: `${other.join(', ')} assumed satisfiable` });
      }
    }
    return and(results);
  }

  /** An account (or organization) named in a principal, a condition value or an ARN. */
  private accountOf(value: unknown, where: 'principal' | 'condition', like = false): AccountValue {
    const text = this.flat(value);
    if (text === undefined) return { kind: 'unknown', what: describe(value) };
    if (where === 'principal' && text === '*') return { kind: 'any' };
    if (like && /^[*?]+$/.test(text)) return { kind: 'any' };
    if (where === 'condition' && !like && text === '*') return { kind: 'literal', text };
    const account = where === 'principal' ? (/^arn:[^:]*:iam::([^:]*):/.exec(text)?.[1] ?? text) : text;
    if (account === '${AWS::AccountId}') return { kind: 'this' };
    if (account.includes('${')) return { kind: 'unknown', what: text };
    if (/^[*?]+$/.test(account)) return { kind: 'any' };
    return { kind: 'literal', text: account };
  }

  private accountsMatch(values: AccountValue[], subject: PrincipalClass, label: string, what: string): Match {
    if (values.some((v) => v.kind === 'any')) return { result: true, why: `${what} allows any account` };
    const literal = values.find((v): v is { kind: 'literal'; text: string } => v.kind === 'literal');
    if (subject === 'this' && (literal || values.some((v) => v.kind === 'this'))) {
      if (literal && !values.some((v) => v.kind === 'this')) {
        this.assumptions.add(`Assumed that ${literal.text}, named by ${what} in ${label}, is this account or its organization`);
      }
      return { result: true, why: `${what} names this account` };
    }
    const unknown = values.find((v): v is { kind: 'unknown'; what: string } => v.kind === 'unknown');
    if (unknown) return { result: 'maybe', why: `${what} is ${unknown.what}, resolved only at deploy time` };
    return { result: false, why: `${what} names ${values.map((v) => v.kind === 'this' ? 'this account' : v.kind === 'literal' ? v.text : '?').join(', ')}` };
  }
}

/** All must match: the first that surely does not decides, else the first that may not. */
function and(matches: Match[]): Match {
  const no = matches.find((m) => m.result === false);
  if (no) return no;
  const maybe = matches.find((m) => m.result === 'maybe');
  if (maybe) return maybe;
  return { result: true, why: matches.map((m) => m.why).join(', ') };
}

/** An IAM action pattern as a regular expression (`*` any run, `?` one character; case-insensitive). */
function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
}
