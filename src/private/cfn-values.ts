/**
 * Reading CloudFormation values offline: references (`Ref`, `Fn::GetAtt`), imports, and strings built
 * with `Fn::Join`/`Fn::Sub` from pseudo parameters. Shared by the constructs (endpoint DNS names) and
 * the egress analyzer; a leaf module: it imports nothing of this library.
 */

/** The placeholder region of a region-agnostic template. */
export const THIS_REGION = '${AWS::Region}';

/** The logical id a value refers to (`Ref`, `Fn::GetAtt`), or undefined for anything else. */
export function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
  }
  return undefined;
}

/**
 * Why a value is known only at deploy time, when the egress analyzer's resolution pass marked it so
 * (`{ 'Fn::Unresolved': '<why>' }`, e.g. a parameter without a value); else undefined.
 */
export function unresolvedWhy(value: unknown): string | undefined {
  const why = value && typeof value === 'object' ? (value as Record<string, unknown>)['Fn::Unresolved'] : undefined;
  return typeof why === 'string' ? why : undefined;
}

/** A stable key for a value: the logical id it refers to, `external:<text>` for a literal, else its JSON. */
export function valueKey(value: unknown): string {
  const why = unresolvedWhy(value);
  if (why !== undefined) return `external:${why}`;
  const getAtt = (value as Record<string, unknown> | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && (getAtt[1] === 'DefaultSecurityGroup' || getAtt[1] === 'DefaultNetworkAcl')) return `${getAtt[0]}.${getAtt[1]}`;
  const imported = (value as Record<string, unknown> | undefined)?.['Fn::ImportValue'];
  if (imported !== undefined) return `external:${typeof imported === 'string' ? imported : describe(imported)} (Fn::ImportValue)`;
  const ref = referencedId(value);
  if (ref) return ref;
  if (typeof value === 'string') return `external:${value}`;
  return `expr:${describe(value)}`;
}

/** A short text for a value the analyzer cannot resolve, e.g. `Fn::If` or `Ref Parameter`. */
export function describe(value: unknown): string {
  const why = unresolvedWhy(value);
  if (why !== undefined) return why;
  const ref = referencedId(value);
  if (ref) return `${Object.keys(value as object)[0]} ${ref}`;
  if (value && typeof value === 'object') return Object.keys(value).join(', ');
  return JSON.stringify(value);
}

/** A string with pseudo parameters left as placeholders; undefined when the value is not a plain join. */
export function flatten(value: unknown, region: string): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (v.Ref === 'AWS::Region') return region;
    if (typeof v.Ref === 'string' && v.Ref.startsWith('AWS::')) return `\${${v.Ref}}`;
    const sub = v['Fn::Sub'];
    if (typeof sub === 'string') {
      // Only pseudo parameters can be expanded offline.
      if (/\$\{(?!AWS::)[^}]*\}/.test(sub)) return undefined;
      return sub.replace(/\$\{AWS::Region\}/g, region);
    }
    const join = v['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      const parts = join[1].map((p: unknown) => flatten(p, region));
      return parts.every((p: string | undefined) => p !== undefined) ? parts.join(join[0]) : undefined;
    }
  }
  return undefined;
}

const SERVICE_NAME = /^(?:com\.amazonaws|aws\.sagemaker|aws\.api)\.([^.]+(?:-[^.]+)*|\$\{AWS::Region\})\.(.+)$/;

/** `com.amazonaws.<region>.sagemaker.api` -> { region, service: 'sagemaker.api' }. */
export function parseServiceName(serviceName: string): { region: string; service: string } | undefined {
  const match = SERVICE_NAME.exec(serviceName);
  return match ? { region: match[1], service: match[2] } : undefined;
}

/** A property that may be one value or a list, as a list (none for undefined or null). */
export function toArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
