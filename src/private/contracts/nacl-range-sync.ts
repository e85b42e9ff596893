/**
 * The contract of `Custom::NaclRangeSync`: written by `NaclRangeSync`, read by its apply handler (the
 * event's `ResourceProperties`) and by the egress analyzer (which NACLs get which entries, from which
 * prefix lists, in which rule-number block).
 */
import type { NaclSyncConfig } from '../nacl-plan';

/** The CloudFormation type of the custom resource. */
export const NACL_RANGE_SYNC_TYPE = 'Custom::NaclRangeSync';

/** The custom resource's properties (the apply handler's configuration). */
export type NaclRangeSyncProperties = NaclSyncConfig;

/** The properties object the custom resource is declared with: the same names and values. */
export function naclRangeSyncProperties(props: NaclRangeSyncProperties): Record<string, unknown> {
  return { ...props };
}
