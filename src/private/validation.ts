import { Token } from 'aws-cdk-lib';
import * as ipaddr from 'ipaddr.js';

/**
 * Synth-time validations. Each is a small named function that skips unresolved tokens and throws
 * an error of the form "`prop` must <requirement>, got: <value> — <fix>".
 */

/** Throws the library's standard validation error. */
export function invalid(prop: string, requirement: string, value: unknown, fix: string): never {
  throw new Error(`${prop} must ${requirement}, got: ${JSON.stringify(value)} — ${fix}`);
}

/** Inclusive integer range; tokens are accepted as they are. */
export function validateIntegerInRange(prop: string, value: number | undefined, min: number, max: number, fix?: string): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  // A bound that is itself a token (e.g. maxAzs) cannot be checked at synth time.
  if (Token.isUnresolved(min)) min = -Infinity;
  if (Token.isUnresolved(max)) max = Infinity;
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(prop, `be an integer from ${min} to ${max}`, value, fix ?? `use a value from ${min} to ${max}`);
  }
}

export interface Ipv4CidrLimits {
  /** Smallest allowed prefix length (largest block). */
  readonly minPrefix: number;
  /** Largest allowed prefix length (smallest block). */
  readonly maxPrefix: number;
}

/**
 * A well-formed IPv4 CIDR whose address is the network address of its block. aws-cdk-lib itself
 * silently shifts an unaligned block ("10.0.0.1/16" allocates 10.1.0.0/16), so this must be caught here.
 */
export function validateIpv4Cidr(prop: string, cidr: string | undefined, limits: Ipv4CidrLimits): void {
  if (cidr === undefined || Token.isUnresolved(cidr)) return;
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!match || !ipaddr.IPv4.isValidFourPartDecimal(match[1]) || Number(match[2]) > 32) {
    invalid(prop, 'be an IPv4 CIDR block such as "10.0.0.0/16"', cidr, 'write it as a.b.c.d/n');
  }
  const address = match[1];
  const prefix = Number(match[2]);
  if (prefix < limits.minPrefix || prefix > limits.maxPrefix) {
    invalid(prop, `have a prefix length from /${limits.minPrefix} to /${limits.maxPrefix}`, cidr,
      `choose a block between /${limits.minPrefix} and /${limits.maxPrefix}`);
  }
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  if (network !== address) {
    invalid(prop, 'be aligned to its prefix length (the address must be the network address)', cidr,
      `did you mean "${network}/${prefix}"?`);
  }
}

/** A SageMaker ML instance type: `ml.<family>.<size>`. */
export function validateMlInstanceType(prop: string, instanceType: string): void {
  if (Token.isUnresolved(instanceType)) return;
  if (!/^ml\.[a-z0-9-]+\.[a-z0-9-]+$/.test(instanceType)) {
    const suggestion = /^[a-z0-9-]+\.[a-z0-9-]+$/.test(instanceType) ? `did you mean "ml.${instanceType}"?` : 'use an ML instance type such as "ml.t3.medium"';
    invalid(prop, 'be a SageMaker ML instance type of the form ml.<family>.<size>', instanceType, suggestion);
  }
}

/** A name SageMaker accepts: alphanumerics and hyphens, starting and ending alphanumeric. */
export function validateSageMakerName(prop: string, name: string | undefined, maxLength: number): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  if (name.length > maxLength || !/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(name)) {
    invalid(prop, `be 1 to ${maxLength} letters, digits and hyphens, starting and ending with a letter or digit`, name,
      'rename it, e.g. "ml-notebook-1"');
  }
}

/**
 * Notebook platforms that can no longer be created: AL1 reached end of life on 2024-03-31, and AL2
 * notebook instances can no longer be created or restarted from 2026-07-01
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-al2.html).
 */
const RETIRED_NOTEBOOK_PLATFORMS = ['notebook-al1-v1', 'notebook-al2-v1', 'notebook-al2-v2', 'notebook-al2-v3'];

/** Instance families the AL2023 notebook platform does not support (https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-al2023.html). */
const AL2023_UNSUPPORTED_FAMILIES = ['p2', 'p3', 'p3dn', 'inf1', 'g3'];

/** A notebook platform identifier that SageMaker still creates, compatible with the instance type. */
export function validateNotebookPlatform(prop: string, platformIdentifier: string, instanceType: string): void {
  if (Token.isUnresolved(platformIdentifier)) return;
  if (RETIRED_NOTEBOOK_PLATFORMS.includes(platformIdentifier)) {
    invalid(prop, 'be a platform SageMaker still creates notebook instances on', platformIdentifier,
      'Amazon Linux 1 and 2 notebook platforms are retired; use "notebook-al2023-v1"');
  }
  if (!/^notebook-[a-z0-9]+-v[0-9]+$/.test(platformIdentifier)) {
    invalid(prop, 'be a notebook platform identifier such as "notebook-al2023-v1"', platformIdentifier, 'use "notebook-al2023-v1"');
  }
  const family = /^ml\.([a-z0-9-]+)\./.exec(Token.isUnresolved(instanceType) ? '' : instanceType)?.[1];
  if (platformIdentifier.startsWith('notebook-al2023-') && family && AL2023_UNSUPPORTED_FAMILIES.includes(family)) {
    invalid('instanceType', `be supported by the ${platformIdentifier} platform`, instanceType,
      `AL2023 notebooks do not run on ml.${AL2023_UNSUPPORTED_FAMILIES.join('.*, ml.')}.*; choose a current family such as ml.g5 or ml.p4d`);
  }
}

/**
 * A CodeArtifact domain name: 2 to 50 lowercase letters, digits and hyphens, starting with a letter
 * and ending with a letter or digit (CreateDomain API: `[a-z][a-z0-9\-]{0,48}[a-z0-9]`).
 */
export function validateCodeArtifactDomainName(prop: string, name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  if (!/^[a-z][a-z0-9-]{0,48}[a-z0-9]$/.test(name)) {
    const lower = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '').replace(/[^a-z0-9]+$/, '').slice(0, 50);
    invalid(prop, 'be a CodeArtifact domain name: 2 to 50 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit',
      name, /^[a-z][a-z0-9-]{0,48}[a-z0-9]$/.test(lower) ? `did you mean "${lower}"?` : 'use a name such as "ml-packages"');
  }
}

/**
 * A CodeArtifact repository name: 2 to 100 letters, digits, dots, underscores and hyphens, starting
 * with a letter or digit (CreateRepository API: `[A-Za-z0-9][A-Za-z0-9._\-]{1,99}`).
 */
export function validateCodeArtifactRepositoryName(prop: string, name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name)) return;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$/.test(name)) {
    invalid(prop, 'be a CodeArtifact repository name: 2 to 100 letters, digits, dots, underscores and hyphens, starting with a letter or digit',
      name, 'use a name such as "pypi"');
  }
}

/**
 * An internal Python package: a normalized name (PEP 503: lowercase, runs of `.`, `_` and `-` written
 * as one `-`), or a prefix of one followed by `*`. CodeArtifact matches package groups against
 * normalized names.
 */
export function validatePythonPackagePattern(prop: string, pattern: string): void {
  if (Token.isUnresolved(pattern)) return;
  const prefix = pattern.endsWith('*');
  const name = prefix ? pattern.slice(0, -1) : pattern;
  // Both forms end with a letter or digit: CodeArtifact's prefix match (`~`) must follow a word character.
  const normalizedName = /^[a-z0-9]+(-[a-z0-9]+)*$/;
  if (!normalizedName.test(name)) {
    const suggestion = name.toLowerCase().replace(/[-_.]+/g, '-').replace(/^-+|-+$/g, '');
    invalid(prop, 'hold normalized Python package names (lowercase letters and digits, single hyphens between them, e.g. "acme-utils"), ' +
      'or a prefix of one followed by "*" (e.g. "acme*")', pattern,
    normalizedName.test(suggestion) ? `did you mean "${suggestion}${prefix ? '*' : ''}"? (pip normalizes names this way)` : 'write the name as pip normalizes it');
  }
}

export interface DnsDomainOptions {
  /** Whether `*.` may start the name. */
  readonly wildcard?: boolean;
}

/**
 * A domain DNS Firewall accepts: labels of letters, digits and hyphens (1 to 63 characters, not
 * starting or ending with a hyphen) separated by dots, at most 255 characters, optionally starting
 * with `*.` (the wildcard only as the whole leftmost label). A bare `*` is refused: it would allow every name.
 */
export function validateDnsDomain(prop: string, domain: string, options: DnsDomainOptions = {}): void {
  if (Token.isUnresolved(domain)) return;
  const wildcard = options.wildcard ?? true;
  const name = domain.replace(/\.$/, '');
  const body = wildcard && name.startsWith('*.') ? name.slice(2) : name;
  const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  if (name === '*') {
    invalid(prop, 'name domains to allow; "*" would allow every name and turn the allowlist off', domain,
      'list the domains, or use DnsFirewallMode.ALERT to observe without blocking');
  }
  if (name.length === 0 || name.length > 255 || !body.split('.').every((l) => label.test(l))) {
    const where = body.includes('*') ? (wildcard ? ' (a wildcard may only be the whole leftmost label, as in "*.example.com")' : ' (no wildcard here)') : '';
    invalid(prop, `be a domain name of letters, digits and hyphens between dots, at most 255 characters${where}`, domain,
      wildcard ? 'write it as "example.com" or "*.example.com"' : 'write it as "example.internal"');
  }
}

/**
 * A construct-typed prop holds the kind of object it must: jsii callers (Python, Java, ...) skip the
 * TypeScript compiler, so `vpc=network` would otherwise fail far away with an unreadable message.
 */
export function requireConstructKind(prop: string, value: unknown, isKind: (x: unknown) => boolean, expected: string, fix: string): void {
  if (value === undefined || isKind(value)) return;
  invalid(prop, `be ${expected}`, describeKind(value), fix);
}

/**
 * A class's public name: a jsii class's own fully qualified name, skipping the subclasses aws-cdk-lib's
 * decorators wrap classes in (`Vpc2` extends `Vpc`).
 */
function className(ctor: any): string | undefined {
  const rtti = Symbol.for('jsii.rtti');
  for (let c = ctor; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (Object.prototype.hasOwnProperty.call(c, rtti)) return String(c[rtti]?.fqn ?? c.name).split('.').pop();
    const parent = Object.getPrototypeOf(c);
    // A wrapper of the same name (its parent carries the fully qualified name), else this class's own name.
    if (!(parent?.name && c.name.replace(/\d+$/, '') === parent.name.replace(/\d+$/, ''))) return c.name;
  }
  return ctor?.name;
}

/** What a wrong object is, for a message: its construct path and class, or its type. */
function describeKind(value: unknown): string {
  if (typeof value !== 'object' || value === null) return `${typeof value} ${String(value)}`;
  // jsii classes carry their fully qualified name (aws-cdk-lib's bundled class names may carry a suffix).
  const name = className((value as any).constructor) ?? 'object';
  const path = (value as any).node?.path;
  return path ? `${name} at ${path}` : name;
}

/** The candidate nearest to `value` by edit distance, if it is near enough to be a typo of it. */
export function closestMatch(value: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(value.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(value.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Kinds of construct-typed props, for `requireConstructKind` (jsii callers can pass any object). */
export const KINDS = {
  role: { is: (x: unknown) => hasString(x, 'roleArn'), expected: 'an iam.IRole', fix: 'pass a role, e.g. iam.Role.fromRoleArn(...)' },
  key: { is: (x: unknown) => hasString(x, 'keyArn'), expected: 'a kms.IKey', fix: 'pass a key, e.g. kms.Key.fromKeyArn(...)' },
  securityGroup: { is: (x: unknown) => hasString(x, 'securityGroupId'), expected: 'an ec2.ISecurityGroup', fix: 'pass security groups, e.g. ec2.SecurityGroup.fromSecurityGroupId(...)' },
  vpc: { is: (x: unknown) => hasString(x, 'vpcId') && typeof (x as any).selectSubnets === 'function', expected: 'an ec2.IVpc', fix: 'pass the VPC (network.vpc for a RestrictedEgressVpc)' },
};

/** Checks the kind of each prop given: `{ role: [props.role, KINDS.role], ... }`. */
export function requireKinds(checks: Record<string, [unknown, { is: (x: unknown) => boolean; expected: string; fix: string }]>): void {
  for (const [prop, [value, kind]] of Object.entries(checks)) {
    if (Array.isArray(value)) {
      value.forEach((item, i) => requireConstructKind(`${prop}[${i}]`, item, kind.is, kind.expected, kind.fix));
    } else {
      requireConstructKind(prop, value, kind.is, kind.expected, kind.fix);
    }
  }
}

function hasString(x: unknown, property: string): boolean {
  return typeof x === 'object' && x !== null && typeof (x as any)[property] === 'string';
}
