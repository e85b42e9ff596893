/**
 * The contract of the deploy-time lookup of an AWS-managed prefix list by name (`S3PrefixListLookup`:
 * an `AwsCustomResource`, `Custom::AWS`, calling EC2 DescribeManagedPrefixLists), which the egress
 * analyzer recognises to know that a reference to it is the region's S3 prefix list.
 */

/** The CloudFormation type of an `AwsCustomResource`. */
export const AWS_CUSTOM_RESOURCE_TYPE = 'Custom::AWS';
/** The SDK service of the lookup. */
export const MANAGED_PREFIX_LIST_LOOKUP_SERVICE = 'EC2';
/** The SDK action of the lookup. */
export const MANAGED_PREFIX_LIST_LOOKUP_ACTION = 'describeManagedPrefixLists';

/** The lookup's SDK parameters: the list by name. */
export interface ManagedPrefixListLookupParameters {
  readonly Filters: ReadonlyArray<{ readonly Name: string; readonly Values: readonly string[] }>;
}

/** The parameters of the lookup of the prefix list named `prefixListName`. */
export function managedPrefixListLookupParameters(prefixListName: string): ManagedPrefixListLookupParameters {
  return { Filters: [{ Name: 'prefix-list-name', Values: [prefixListName] }] };
}

/**
 * The prefix list name a lookup's SDK call (the custom resource's `Create` property, as JSON) asks for;
 * undefined when the call is not such a lookup or its JSON cannot be read.
 */
export function lookedUpPrefixListName(call: string): string | undefined {
  if (!call.includes(MANAGED_PREFIX_LIST_LOOKUP_ACTION)) return undefined;
  try {
    const parsed = JSON.parse(call) as { action?: unknown; parameters?: Partial<ManagedPrefixListLookupParameters> };
    const name = parsed?.parameters?.Filters?.[0]?.Values?.[0];
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
