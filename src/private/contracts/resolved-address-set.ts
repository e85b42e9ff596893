/**
 * The contract of `Custom::ResolvedAddressSet`: written by `ResolvedAddressSet`, read by its refresh
 * handler (the event's `ResourceProperties`) and by the egress analyzer (which host names, static
 * CIDRs and prefix list make up the set).
 */
import type { AddressSetConfig } from '../address-set-plan';

/** The CloudFormation type of the custom resource. */
export const RESOLVED_ADDRESS_SET_TYPE = 'Custom::ResolvedAddressSet';

/** The custom resource's properties (the refresh handler's configuration). */
export type ResolvedAddressSetProperties = AddressSetConfig;

/** The properties object the custom resource is declared with: the same names and values. */
export function resolvedAddressSetProperties(props: ResolvedAddressSetProperties): Record<string, unknown> {
  return { ...props };
}
