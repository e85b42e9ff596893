/**
 * Keeps a customer-managed prefix list equal to the IPv4 addresses of a few host names (plus static
 * CIDRs). Invoked by CloudFormation (through the custom-resource provider framework) on create and
 * update, and by an EventBridge schedule to repair drift.
 *
 * Fail safe: a lookup that fails, times out or returns nothing never removes an entry; an address that
 * stops resolving is kept for a grace period before it is removed; every refresh reports a CloudWatch
 * metric (embedded metric format), so failures can raise an alarm.
 */
import { Resolver } from 'node:dns/promises';
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeManagedPrefixListsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  ModifyManagedPrefixListCommand,
  ManagedPrefixList,
} from '@aws-sdk/client-ec2';
import { AddressSetConfig, hostCidr, planRefresh } from './address-set-plan';
import type { ResolvedAddressSetProperties } from './contracts/resolved-address-set';
import { errorText, MAX_ATTEMPTS, metricLine as emfLine, withRetry as retrying } from './handler-support';

/** Tag key prefix recording when an entry stopped resolving. */
export const MISSING_TAG_PREFIX = 'cdk-sagemaker-egress:missing-since:';

export interface Dependencies {
  readonly ec2: Pick<EC2Client, 'send'>;
  readonly resolve4: (hostname: string) => Promise<string[]>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
}

export interface RefreshResult {
  readonly added: string[];
  readonly removed: string[];
  readonly entries: string[];
  /** Host names that did not resolve, and why; plus "overflow" when the set did not fit. */
  readonly failures: string[];
  /** Set when a new list was seeded with the entries of the list it replaces (see `RefreshOptions`). */
  readonly seededFrom?: string;
}

/** What a refresh saw of the list before it changed anything: how a caller tells, after a failure, whether the list had been filled. */
export interface ListObservation {
  /** The list's version when first described. */
  version?: number;
  /** How many entries it had when first read. */
  entries?: number;
}

export interface RefreshOptions {
  /**
   * The configuration of the list this one replaces, when the list may be a new one the handler never
   * filled (see `handleEvent`). If the list then reads empty, it is filled strictly: with every host
   * name resolved, or else seeded with the entries of the list it replaces (plus whatever resolved);
   * when neither is possible, or the set does not fit, the refresh throws before writing anything.
   */
  readonly replaces?: AddressSetConfig;
  /** Filled in as the list is read. */
  readonly seen?: ListObservation;
}

/** Retries throttled EC2 calls with exponential backoff. */
function withRetry<T>(deps: Dependencies, call: () => Promise<T>): Promise<T> {
  return retrying(deps.sleep, call);
}

/** Resolves every host name to IPv4 addresses (CNAMEs are followed by the resolver). */
export async function resolveAll(hostnames: string[], deps: Dependencies, timeoutMs: number): Promise<{ cidrs: string[]; failures: string[] }> {
  const cidrs: string[] = [];
  const failures: string[] = [];
  await Promise.all(hostnames.map(async (hostname) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'ETIMEOUT' })), timeoutMs);
      });
      const addresses = await Promise.race([deps.resolve4(hostname), timeout]);
      if (addresses.length === 0) failures.push(`${hostname}: no IPv4 address`);
      cidrs.push(...addresses.map(hostCidr));
    } catch (error) {
      failures.push(`${hostname}: ${(error as { code?: string }).code ?? (error as Error).message}`);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }));
  return { cidrs: [...new Set(cidrs)].sort(), failures: failures.sort() };
}

async function describe(deps: Dependencies, prefixListId: string): Promise<ManagedPrefixList> {
  const out = await withRetry(deps, () => deps.ec2.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: [prefixListId] })));
  const list = out.PrefixLists?.[0];
  if (!list) throw new Error(`prefix list ${prefixListId} not found`);
  return list;
}

/** Waits until no modification is in progress, so that the version read is the one to modify. */
async function settled(deps: Dependencies, prefixListId: string, seen: ListObservation = {}): Promise<ManagedPrefixList> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const list = await describe(deps, prefixListId);
    seen.version ??= list.Version;
    // create-failed and delete-* leave no usable list; after modify-failed or restore-failed the list
    // keeps its previous entries and the next successful modification clears the state.
    if (list.State === 'create-failed' || list.State?.startsWith('delete-')) {
      throw new Error(`prefix list ${prefixListId} is in state ${list.State}: ${list.StateMessage ?? ''}`);
    }
    if (list.State?.endsWith('-failed')) deps.log(`prefix list ${prefixListId} is in state ${list.State}: ${list.StateMessage ?? ''}`);
    if (!list.State?.endsWith('-in-progress')) return list;
    await deps.sleep(1000);
  }
  throw new Error(`prefix list ${prefixListId} stayed in progress`);
}

async function entriesOf(deps: Dependencies, prefixListId: string, version: number | undefined): Promise<string[]> {
  const cidrs: string[] = [];
  let nextToken: string | undefined;
  do {
    // TargetVersion: the entries of exactly the version that will be modified.
    const request = new GetManagedPrefixListEntriesCommand({ PrefixListId: prefixListId, TargetVersion: version, NextToken: nextToken });
    const page = await withRetry(deps, () => deps.ec2.send(request));
    cidrs.push(...(page.Entries ?? []).map((e) => e.Cidr!).filter(Boolean));
    nextToken = page.NextToken;
  } while (nextToken);
  return cidrs.sort();
}

/** The list changed (or is changing) since it was read. */
function isVersionConflict(error: unknown): boolean {
  const { name, message } = error as Error;
  return name === 'IncorrectState' || (name === 'InvalidParameterValue' && /version/i.test(message ?? ''));
}

/**
 * The entries to seed a new list with: those of the list it replaces, less the static CIDRs the new
 * configuration dropped. Entries that no longer resolve are stamped and expire like any other.
 */
async function seedEntries(deps: Dependencies, replaced: AddressSetConfig, config: AddressSetConfig): Promise<string[]> {
  const kept = new Set(config.StaticCidrs ?? []);
  const dropped = new Set((replaced.StaticCidrs ?? []).filter((c) => !kept.has(c)));
  return (await entriesOf(deps, replaced.PrefixListId, undefined)).filter((c) => !dropped.has(c));
}

/** One refresh: resolve, plan, apply with the list's version, record missing-since stamps. Idempotent. */
export async function refresh(config: AddressSetConfig, deps: Dependencies, options: RefreshOptions = {}): Promise<RefreshResult> {
  const prefixListId = config.PrefixListId;
  const seen = options.seen ?? {};
  const { cidrs, failures } = await resolveAll(config.Hostnames ?? [], deps, Number(config.LookupTimeoutMs));
  const resolved = [...new Set([...cidrs, ...(config.StaticCidrs ?? [])])].sort();
  let seed: string[] | undefined;

  for (let attempt = 1; ; attempt++) {
    const list = await settled(deps, prefixListId, seen);
    const current = await entriesOf(deps, prefixListId, list.Version);
    seen.entries ??= current.length;
    // A replacing list that read empty: nothing may ship in it but the complete set (see RefreshOptions).
    const replaced = seen.entries === 0 ? options.replaces : undefined;
    let wanted = resolved;
    if (replaced && failures.length > 0) {
      const strictFailure = `could not fill the new prefix list ${prefixListId} (it replaces ${replaced.PrefixListId}): ${failures.join('; ')}`;
      try {
        seed ??= await seedEntries(deps, replaced, config);
      } catch (error) {
        throw new Error(`${strictFailure}; and the entries of ${replaced.PrefixListId} could not be read to seed it: ${errorText(error)}`);
      }
      if (seed.length === 0) throw new Error(`${strictFailure}; and ${replaced.PrefixListId} has no entries to seed it with`);
      wanted = [...new Set([...resolved, ...seed])].sort();
    }
    const missingSince: Record<string, number> = {};
    for (const tag of list.Tags ?? []) {
      if (tag.Key?.startsWith(MISSING_TAG_PREFIX)) missingSince[tag.Key.slice(MISSING_TAG_PREFIX.length)] = Date.parse(tag.Value ?? '');
    }
    // The list's own size: it can differ from the configuration while a resize is under way.
    const maxEntries = list.MaxEntries ?? Number(config.MaxEntries);
    const plan = planRefresh({
      current,
      missingSince,
      wanted,
      // Seeded entries are not a resolution: nothing is found missing until every host name resolves.
      complete: failures.length === 0,
      now: deps.now(),
      gracePeriodMs: Number(config.GracePeriodSeconds) * 1000,
      maxEntries,
    });
    const allFailures = plan.overflow
      ? [...failures, `overflow: ${wanted.length} addresses do not fit in max entries ${maxEntries}`]
      : failures;
    if (replaced && plan.overflow) {
      throw new Error(`could not fill the new prefix list ${prefixListId} (it replaces ${replaced.PrefixListId}): ${allFailures.join('; ')}`);
    }

    if (plan.add.length > 0 || plan.remove.length > 0) {
      try {
        await withRetry(deps, () => deps.ec2.send(new ModifyManagedPrefixListCommand({
          PrefixListId: prefixListId,
          CurrentVersion: list.Version,
          AddEntries: plan.add.length ? plan.add.map((Cidr) => ({ Cidr, Description: describeEntry(Cidr, config) })) : undefined,
          RemoveEntries: plan.remove.length ? plan.remove.map((Cidr) => ({ Cidr })) : undefined,
        })));
      } catch (error) {
        // Someone else changed the list since it was read: read it again and plan again.
        if (isVersionConflict(error) && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      // Report success only once the change is live.
      const after = await settled(deps, prefixListId);
      if (after.State !== 'modify-complete') {
        throw new Error(`prefix list ${prefixListId} ended in state ${after.State}: ${after.StateMessage ?? ''}`);
      }
    }
    if (plan.markMissing.length > 0) {
      const stamp = new Date(deps.now()).toISOString();
      await withRetry(deps, () => deps.ec2.send(new CreateTagsCommand({
        Resources: [prefixListId], Tags: plan.markMissing.map((c) => ({ Key: MISSING_TAG_PREFIX + c, Value: stamp })),
      })));
    }
    if (plan.clearMissing.length > 0) {
      await withRetry(deps, () => deps.ec2.send(new DeleteTagsCommand({
        Resources: [prefixListId], Tags: plan.clearMissing.map((c) => ({ Key: MISSING_TAG_PREFIX + c })),
      })));
    }
    const result: RefreshResult = {
      added: plan.add,
      removed: plan.remove,
      entries: plan.result,
      failures: allFailures,
      ...(replaced && seed ? { seededFrom: replaced.PrefixListId } : {}),
    };
    deps.log(metricLine(config, result, deps.now()));
    return result;
  }
}

function describeEntry(cidr: string, config: AddressSetConfig): string {
  return (config.StaticCidrs ?? []).includes(cidr) ? 'static' : 'resolved';
}

/** The refresh's metrics as an embedded-metric-format line. */
function metricLine(config: AddressSetConfig, result: RefreshResult | { failures: string[] }, now: number): string {
  const counts: Record<string, number> = 'entries' in result
    ? { Entries: result.entries.length, EntriesAdded: result.added.length, EntriesRemoved: result.removed.length }
    : {};
  return emfLine({
    namespace: config.MetricNamespace,
    dimension: ['AddressSet', config.AddressSetName],
    counts: { RefreshFailures: result.failures.length > 0 ? 1 : 0, ...counts },
    timestamp: now,
    details: { failures: result.failures, ...('seededFrom' in result && result.seededFrom ? { seededFrom: result.seededFrom } : {}) },
  });
}

/** CloudFormation (provider framework) or schedule event. */
export interface AddressSetEvent {
  readonly RequestType?: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: ResolvedAddressSetProperties & { ServiceToken?: string };
  /** On Update: the properties before it (in a rollback, those of the update being rolled back). */
  readonly OldResourceProperties?: ResolvedAddressSetProperties & { ServiceToken?: string };
  /** Set by the schedule: the same configuration as the custom resource. */
  readonly scheduled?: ResolvedAddressSetProperties;
}

export function defaultDependencies(): Dependencies {
  // Per-try timeout and retries of the resolver fit well within the overall lookup timeout (5 s).
  const resolver = new Resolver({ timeout: 1000, tries: 3 });
  return {
    ec2: new EC2Client({}),
    resolve4: (hostname) => resolver.resolve4(hostname),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
  };
}

export async function handleEvent(event: AddressSetEvent, deps: Dependencies) {
  if (event.scheduled) {
    // A scheduled refresh never fails loudly: the metric and alarm report it, the list stays as it was.
    try {
      return await refresh(event.scheduled, deps);
    } catch (error) {
      deps.log(metricLine(event.scheduled, { failures: [`error: ${(error as Error).message}`] }, deps.now()));
      return undefined;
    }
  }
  const config = event.ResourceProperties!;
  if (event.RequestType === 'Delete') {
    // CloudFormation deletes the prefix list itself; nothing here can fail (a list already gone included).
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const replaces = replacedList(event);
  const seen: ListObservation = {};
  let result: RefreshResult;
  try {
    result = await refresh(config, deps, { replaces, seen });
  } catch (error) {
    if (event.RequestType === 'Create') throw error;
    if (replaces && !(await wasFilled(deps, config.PrefixListId, seen))) throw error;
    // The list keeps its last good entries (nothing is removed before a modification succeeds, and a
    // failed modification changes nothing): report, and let the stack go on, or roll back.
    deps.log(metricLine(config, { failures: [`Update: ${errorText(error)}; ${config.PrefixListId} keeps its entries`] }, deps.now()));
    return { PhysicalResourceId: config.PrefixListId, Data: { Entries: seen.entries === undefined ? 'unknown' : String(seen.entries) } };
  }
  if (result.failures.length > 0 && event.RequestType === 'Create') {
    // A new allowlist that does not resolve must stop the deployment. An Update (or the Update of a
    // rollback) must not: it would leave the stack unable to roll back. The metric reports it instead.
    throw new Error(`could not resolve the address set completely: ${result.failures.join('; ')}`);
  }
  // The list the properties name is the physical id, also in the rollback of a replacement (back to the
  // old list: CloudFormation then deletes the new one, a Delete this handler answers without a call).
  return { PhysicalResourceId: config.PrefixListId, Data: { Entries: String(result.entries.length) } };
}

/**
 * When an Update may be the one that hands the custom resource a list it never filled, the
 * configuration of the list it had before; undefined otherwise.
 *
 * Why: a change of `maxEntries` (or anything else that replaces the AWS::EC2::PrefixList) reaches the
 * custom resource as an Update whose PrefixListId is the new, empty list and whose
 * OldResourceProperties name the old, filled one. The security group's rule (and the NACL
 * synchronisation) switches to the list this Update returns, so that list must not ship empty or
 * partial: it is filled strictly (`RefreshOptions.replaces`). Failing that Update is safe: CloudFormation
 * rolls back to the old list, which nothing touched.
 *
 * CloudFormation has no rollback flag: the rollback of that replacement is an Update with the old
 * properties (PrefixListId the old list, OldResourceProperties the new one), indistinguishable from a
 * replacement by its event. What tells them apart is the list itself: the handler only ever lets a
 * replacing list go live filled, and never empties a list, so a list that reads empty (or, when its
 * entries cannot be read, is still at its first version) was never filled, while a list a rollback
 * returns to was. And when the resource already reports this list as its physical id, this handler
 * filled it (a Create, or an earlier replacement): that is the rollback of an Update of its own that
 * failed.
 */
function replacedList(event: AddressSetEvent): AddressSetConfig | undefined {
  const now = event.ResourceProperties!;
  const before = event.OldResourceProperties;
  if (event.RequestType !== 'Update' || !before?.PrefixListId || before.PrefixListId === now.PrefixListId) return undefined;
  if (event.PhysicalResourceId === now.PrefixListId) return undefined;
  return before;
}

/**
 * Whether a replacing list had been filled before this run (see `replacedList`). When the refresh
 * failed before it could read the list, its entries are read once more. A list that can be neither
 * described nor read is taken as never filled, so the Update fails: for the replacement itself (a list
 * EC2 may not show yet, just after its creation) that is the safe outcome; a rollback only gets there
 * when EC2 refuses even DescribeManagedPrefixLists, after every retry.
 */
async function wasFilled(deps: Dependencies, prefixListId: string, seen: ListObservation): Promise<boolean> {
  if (seen.entries === undefined) {
    try {
      seen.entries = (await entriesOf(deps, prefixListId, undefined)).length;
    } catch {
      // Not readable: judge by the version.
    }
  }
  if (seen.entries !== undefined) return seen.entries > 0;
  // A list is created at version 1 (the template gives it no entries); every modification adds one.
  return seen.version !== undefined && seen.version > 1;
}

export async function handler(event: AddressSetEvent) {
  return handleEvent(event, defaultDependencies());
}
