/**
 * Prefix lists and this library's address sets: customer-managed prefix lists, the sets of
 * `ResolvedAddressSet` (filled from host names at deploy) and the lookups of AWS-managed prefix lists.
 */
import { flatten, parseServiceName, referencedId, THIS_REGION, toArray, valueKey } from '../../private/cfn-values';
import { AWS_CUSTOM_RESOURCE_TYPE, lookedUpPrefixListName } from '../../private/contracts/managed-prefix-list-lookup';
import { RESOLVED_ADDRESS_SET_TYPE, ResolvedAddressSetProperties } from '../../private/contracts/resolved-address-set';
import { TemplateProperties } from '../../private/contracts/template-properties';
import type { AddressSet, MemberTag } from '../template-model';
import { ParseContext } from './context';

/** A fully qualified host name, as EgressDestination.host() accepts it. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The address sets of a template, by the logical ids that name them. */
export class AddressSets {
  constructor(public readonly byId: Map<string, AddressSet>) {}

  /** The set a rule or route names; one defined outside the template is opaque. */
  public setOf(value: unknown): AddressSet {
    const ref = referencedId(value);
    const known = ref ? this.byId.get(ref) : undefined;
    if (known) return known;
    const key = valueKey(value);
    return { key, label: `prefix list ${typeof value === 'string' ? value : key} (not defined in this template)`, cidrs: [], memberTags: [], opaque: true };
  }

  /** The host names the sets are filled from (`host:` member tags); one that is not a host name (it resolves to nothing) is left out. */
  public hostnames(): string[] {
    const names = [...this.byId.values()].flatMap((s) => s.memberTags).filter((t) => t.startsWith('host:')).map((t) => t.slice(5));
    return [...new Set(names.filter((n) => HOSTNAME.test(n)))];
  }
}

/** The member tag of an AWS-managed prefix list's name, e.g. `aws:s3:${AWS::Region}`. */
export function awsPrefixListTag(ctx: ParseContext, name: string): MemberTag | undefined {
  const parsed = parseServiceName(name);
  if (!parsed) return undefined;
  return `aws:${parsed.service}:${ctx.isThisRegion(parsed.region) ? THIS_REGION : parsed.region}`;
}

/** AWS::EC2::PrefixList, Custom::ResolvedAddressSet and the Custom::AWS lookups of AWS-managed lists. */
export function parseAddressSets(ctx: ParseContext): AddressSets {
  const sets = new Map<string, AddressSet>();
  for (const [id, r] of ctx.ofType('AWS::EC2::PrefixList')) {
    const cidrs = toArray(r.Properties?.Entries).map((e: any) => e?.Cidr).filter((c): c is string => typeof c === 'string');
    sets.set(id, { key: id, label: `prefix list ${id}`, cidrs, memberTags: [], opaque: false });
  }
  for (const [id, r] of ctx.ofType(RESOLVED_ADDRESS_SET_TYPE)) {
    // The refresher writes the addresses the host names resolve to (plus static CIDRs) into its prefix list.
    const p: TemplateProperties<ResolvedAddressSetProperties> = r.Properties ?? {};
    const hostnames = toArray(p.Hostnames).filter((h): h is string => typeof h === 'string');
    const cidrs = toArray(p.StaticCidrs).filter((c): c is string => typeof c === 'string');
    const set: AddressSet = {
      key: id,
      label: `addresses of ${hostnames.join(', ')} (${id}, resolved at deploy and refreshed)`,
      cidrs,
      memberTags: hostnames.map((h) => `host:${h.toLowerCase()}`),
      opaque: false,
    };
    sets.set(id, set);
    const prefixList = referencedId(p.PrefixListId);
    if (prefixList) sets.set(prefixList, set);
  }
  for (const [id, r] of ctx.ofType(AWS_CUSTOM_RESOURCE_TYPE)) {
    // This library's lookup of an AWS-managed prefix list (DescribeManagedPrefixLists by name); any
    // other call is not a lookup this analyzer understands: references to it stay opaque.
    const call = flatten(r.Properties?.Create, ctx.region);
    const name = call ? lookedUpPrefixListName(call) : undefined;
    const tag = name !== undefined ? awsPrefixListTag(ctx, name) : undefined;
    if (tag) sets.set(id, { key: id, label: `AWS-managed prefix list ${name}`, cidrs: [], memberTags: [tag], opaque: false });
  }
  return new AddressSets(sets);
}
