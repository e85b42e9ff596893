/**
 * Keeps a reserved block of rule numbers in one or more NACLs equal to "HTTPS out to the entries of
 * these prefix lists, return traffic in". Invoked by CloudFormation (provider framework) on create and
 * update, and by an EventBridge schedule, so that a range AWS adds to the S3 prefix list, or an address
 * the package-index set gains, reaches the NACL without a redeploy.
 *
 * Fail safe: a prefix list that cannot be read, or reads empty, changes nothing; destinations that do not
 * fit the NACL's rule quota change nothing (the previous, working entries stay); entries outside the
 * block (the VPC-internal rules, other destination sets) are never touched. The block is cleared when
 * the custom resource is deleted or moves. Every run reports a CloudWatch metric (EMF).
 */
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  ReplaceNetworkAclEntryCommand,
} from '@aws-sdk/client-ec2';
import { aggregateIpv4Cidrs } from './cidr';
import type { NaclRangeSyncProperties } from './contracts/nacl-range-sync';
import { MAX_ATTEMPTS, metricLine, withRetry } from './handler-support';
import { AclEntry, AclOperation, AclPlan, NaclSyncConfig, planAclSync } from './nacl-plan';

export interface Dependencies {
  readonly ec2: Pick<EC2Client, 'send'>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
}

export interface SyncResult {
  /** Aggregated destinations (each takes one rule per direction). */
  readonly cidrs: string[];
  /** Operations applied, over all NACLs. */
  readonly changes: number;
  /** Sources that could not be read, and why; or the overflow. Empty on success. */
  readonly failures: string[];
  /** The destinations did not fit: nothing was changed. */
  readonly overflow: boolean;
}

/** Errors that mean another writer changed the NACL since it was read: read again and plan again. */
const CONCURRENT_CHANGE = new Set(['NetworkAclEntryAlreadyExists', 'InvalidNetworkAclEntry.NotFound', 'NetworkAclEntryLimitExceeded']);
/** Errors that mean there is nothing left to clean up. */
const ALREADY_GONE = new Set(['InvalidNetworkAclID.NotFound', 'InvalidNetworkAclEntry.NotFound']);

/** Reads every source; a source that fails or is empty is reported and contributes nothing. */
export async function readDestinations(config: NaclSyncConfig, deps: Dependencies): Promise<{ cidrs: string[]; failures: string[] }> {
  const cidrs: string[] = [...config.StaticCidrs ?? []];
  const failures: string[] = [];
  for (const prefixListId of config.PrefixListIds ?? []) {
    try {
      const entries: string[] = [];
      let nextToken: string | undefined;
      do {
        const request = new GetManagedPrefixListEntriesCommand({ PrefixListId: prefixListId, NextToken: nextToken });
        const page = await withRetry(deps.sleep, () => deps.ec2.send(request));
        entries.push(...(page.Entries ?? []).map((e) => e.Cidr).filter((c): c is string => Boolean(c)));
        nextToken = page.NextToken;
      } while (nextToken);
      // No list this library reads is legitimately empty: an empty answer is a fault, not "allow nothing".
      if (entries.length === 0) failures.push(`${prefixListId}: no entries`);
      cidrs.push(...entries);
    } catch (error) {
      failures.push(`${prefixListId}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  return { cidrs: aggregateIpv4Cidrs(cidrs), failures };
}

async function entriesOf(deps: Dependencies, networkAclId: string): Promise<AclEntry[]> {
  const out = await withRetry(deps.sleep, () => deps.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [networkAclId] })));
  const acl = out.NetworkAcls?.[0];
  if (!acl) throw new Error(`network ACL ${networkAclId} not found`);
  return (acl.Entries ?? []).map((e) => ({
    ruleNumber: e.RuleNumber!,
    egress: e.Egress === true,
    protocol: e.Protocol ?? '',
    ruleAction: e.RuleAction ?? '',
    cidrBlock: e.CidrBlock,
    ipv6CidrBlock: e.Ipv6CidrBlock,
    portRange: e.PortRange ? { from: e.PortRange.From!, to: e.PortRange.To! } : undefined,
  }));
}

async function apply(deps: Dependencies, networkAclId: string, operation: AclOperation): Promise<void> {
  const { entry } = operation;
  if (operation.action === 'delete') {
    await withRetry(deps.sleep, () => deps.ec2.send(new DeleteNetworkAclEntryCommand({
      NetworkAclId: networkAclId, RuleNumber: entry.ruleNumber, Egress: entry.egress,
    })));
    return;
  }
  const input = {
    NetworkAclId: networkAclId,
    RuleNumber: entry.ruleNumber,
    Egress: entry.egress,
    Protocol: entry.protocol,
    RuleAction: entry.ruleAction as 'allow',
    CidrBlock: entry.cidrBlock,
    PortRange: entry.portRange && { From: entry.portRange.from, To: entry.portRange.to },
  };
  const command = operation.action === 'create' ? new CreateNetworkAclEntryCommand(input) : new ReplaceNetworkAclEntryCommand(input);
  await withRetry(deps.sleep, () => deps.ec2.send(command));
}

/** One synchronisation of every NACL. Idempotent: a second run with the same sources changes nothing. */
export async function sync(config: NaclSyncConfig, deps: Dependencies): Promise<SyncResult> {
  const { cidrs, failures } = await readDestinations(config, deps);
  if (failures.length > 0) {
    // Never shrink the allowlist on a failed read: the entries in place keep working.
    return report(config, deps, { cidrs, changes: 0, failures, overflow: false });
  }
  for (let attempt = 1; ; attempt++) {
    const plans: [string, AclPlan][] = [];
    for (const networkAclId of config.NetworkAclIds) {
      const plan = planAclSync({
        entries: await entriesOf(deps, networkAclId),
        cidrs,
        ruleNumberBase: Number(config.RuleNumberBase),
        ruleNumberCount: Number(config.RuleNumberCount),
        maxEntriesPerDirection: Number(config.MaxEntriesPerDirection),
        port: Number(config.Port),
      });
      if (plan.overflow) {
        // Checked for every NACL before any is changed: all stay as they were.
        return report(config, deps, {
          cidrs,
          changes: 0,
          overflow: true,
          failures: [`overflow in ${networkAclId}: ${plan.overflow}. ${config.OverflowAdvice}`],
        });
      }
      plans.push([networkAclId, plan]);
    }
    let changes = 0;
    try {
      for (const [networkAclId, plan] of plans) {
        for (const operation of plan.operations) {
          await apply(deps, networkAclId, operation);
          changes++;
        }
      }
    } catch (error) {
      // Another writer (e.g. the synchronisation of another destination set into the same NACL) changed
      // it since it was read, or took the room this plan counted on: read again, plan again.
      if (CONCURRENT_CHANGE.has((error as Error).name) && attempt < MAX_ATTEMPTS) continue;
      if ((error as Error).name === 'NetworkAclEntryLimitExceeded') {
        return report(config, deps, {
          cidrs,
          changes,
          overflow: true,
          failures: [`overflow: EC2 refused another NACL entry (rules per network ACL quota). ${config.OverflowAdvice}`],
        });
      }
      throw error;
    }
    return report(config, deps, { cidrs, changes, failures: [], overflow: false });
  }
}

/**
 * Deletes every entry of a rule-number block (both directions). Used when a synchronisation is deleted
 * or moves to another block or NACL; a NACL or entry that is already gone is fine.
 */
export async function clearBlock(deps: Dependencies, networkAclId: string, base: number, count: number): Promise<number> {
  let entries: AclEntry[];
  try {
    entries = await entriesOf(deps, networkAclId);
  } catch (error) {
    if (ALREADY_GONE.has((error as Error).name) || /not found/.test((error as Error).message)) return 0;
    throw error;
  }
  let deleted = 0;
  for (const entry of entries.filter((e) => e.ruleNumber >= base && e.ruleNumber < base + count)) {
    try {
      await apply(deps, networkAclId, { action: 'delete', entry });
      deleted++;
    } catch (error) {
      if (!ALREADY_GONE.has((error as Error).name)) throw error;
    }
  }
  return deleted;
}

/** After an Update: clear the block the previous configuration owned, where the new one does not own it. */
async function clearPreviousBlocks(before: NaclSyncConfig, now: NaclSyncConfig, deps: Dependencies): Promise<void> {
  const sameBlock = Number(before.RuleNumberBase) === Number(now.RuleNumberBase);
  for (const networkAclId of before.NetworkAclIds ?? []) {
    if (sameBlock && now.NetworkAclIds.includes(networkAclId)) continue;
    await clearBlock(deps, networkAclId, Number(before.RuleNumberBase), Number(before.RuleNumberCount));
  }
}

function report(config: NaclSyncConfig, deps: Dependencies, result: SyncResult): SyncResult {
  deps.log(failureLine(config, deps, result.failures, { Destinations: result.cidrs.length, EntriesChanged: result.changes }));
  return result;
}

function failureLine(config: NaclSyncConfig, deps: Dependencies, failures: string[], counts: Record<string, number> = {}): string {
  return metricLine({
    namespace: config.MetricNamespace,
    dimension: ['NaclSync', config.SyncName],
    counts: { RefreshFailures: failures.length > 0 ? 1 : 0, ...counts },
    timestamp: deps.now(),
    details: { failures },
  });
}

/** CloudFormation (provider framework) or schedule event. */
export interface NaclSyncEvent {
  readonly RequestType?: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: NaclRangeSyncProperties & { ServiceToken?: string };
  readonly OldResourceProperties?: NaclRangeSyncProperties & { ServiceToken?: string };
  /** Set by the schedule: the same configuration as the custom resource. */
  readonly scheduled?: NaclRangeSyncProperties;
}

export function defaultDependencies(): Dependencies {
  return {
    ec2: new EC2Client({}),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
  };
}

export async function handleEvent(event: NaclSyncEvent, deps: Dependencies) {
  if (event.scheduled) {
    // A scheduled run never fails loudly: the metric and alarm report it, the NACLs stay as they were.
    try {
      return await sync(event.scheduled, deps);
    } catch (error) {
      deps.log(failureLine(event.scheduled, deps, [`error: ${(error as Error).name}: ${(error as Error).message}`]));
      return undefined;
    }
  }
  const config = event.ResourceProperties!;
  const physicalResourceId = event.PhysicalResourceId ?? `nacl-sync:${config.SyncName}`;
  if (event.RequestType === 'Delete') {
    // Remove this block, so that no allow rule outlives the destination it was for. Whatever needed the
    // entries (subnet associations, the security group of the workloads) depends on this resource and
    // is gone by now. A failure here must not block the deletion of the stack: it is logged.
    for (const networkAclId of config.NetworkAclIds ?? []) {
      try {
        await clearBlock(deps, networkAclId, Number(config.RuleNumberBase), Number(config.RuleNumberCount));
      } catch (error) {
        deps.log(failureLine(config, deps, [`delete: ${networkAclId}: ${(error as Error).name}: ${(error as Error).message}`]));
      }
    }
    return { PhysicalResourceId: physicalResourceId };
  }
  const strict = mustFail(event);
  let result: SyncResult;
  try {
    result = await sync(config, deps);
    if (result.failures.length === 0 && event.RequestType === 'Update' && event.OldResourceProperties) {
      await clearPreviousBlocks(event.OldResourceProperties, config, deps);
    }
  } catch (error) {
    if (strict) throw error;
    // An Update (or the Update of a rollback) that fails would leave the stack unable to roll back: the
    // NACLs keep their working entries, the metric reports it, the schedule retries.
    deps.log(failureLine(config, deps, [`error: ${(error as Error).name}: ${(error as Error).message}`]));
    return { PhysicalResourceId: physicalResourceId, Data: { Destinations: '0' } };
  }
  if (result.failures.length > 0 && strict) {
    throw new Error(`the NACL destinations could not be put in place: ${result.failures.join('; ')}`);
  }
  return { PhysicalResourceId: physicalResourceId, Data: { Destinations: String(result.cidrs.length) } };
}

/**
 * Whether a failure must stop the deployment: only on Create, where there is no earlier state to keep
 * (and whose rollback is a Delete, which never fails).
 *
 * Every Update succeeds and reports a failure through the metric (the schedule retries), because a
 * failed Update here can be the rollback of another one, and CloudFormation has no rollback flag: a
 * rollback is an Update back to the old properties. Failing an Update that adds a NACL, moves to another
 * rule block or lowers the rule budget would be safe for that Update, but its mirror image is the
 * rollback of an Update that dropped a NACL, moved the block or raised the budget, which this handler
 * cannot tell from it by the event or by the NACLs (it cleared the dropped block when that Update
 * succeeded), and a failure there ends the stack in UPDATE_ROLLBACK_FAILED. A failed Update never
 * removes anything: the old block is cleared only once the new one is complete, creates and replaces
 * run before deletes, and an unreadable source or an overflow changes nothing. The price: a NACL added
 * by a failed Update gets its entries from the next scheduled run, not before the deployment ends, and
 * the alarm reports the failure meanwhile.
 */
function mustFail(event: NaclSyncEvent): boolean {
  return event.RequestType === 'Create';
}

export async function handler(event: NaclSyncEvent) {
  return handleEvent(event, defaultDependencies());
}
