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
import { MAX_ATTEMPTS, metricLine as emfLine, withRetry as retrying } from './handler-support';

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
async function settled(deps: Dependencies, prefixListId: string): Promise<ManagedPrefixList> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const list = await describe(deps, prefixListId);
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

/** One refresh: resolve, plan, apply with the list's version, record missing-since stamps. Idempotent. */
export async function refresh(config: AddressSetConfig, deps: Dependencies): Promise<RefreshResult> {
  const prefixListId = config.PrefixListId;
  const { cidrs, failures } = await resolveAll(config.Hostnames ?? [], deps, Number(config.LookupTimeoutMs));
  const wanted = [...new Set([...cidrs, ...(config.StaticCidrs ?? [])])].sort();

  for (let attempt = 1; ; attempt++) {
    const list = await settled(deps, prefixListId);
    const current = await entriesOf(deps, prefixListId, list.Version);
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
      complete: failures.length === 0,
      now: deps.now(),
      gracePeriodMs: Number(config.GracePeriodSeconds) * 1000,
      maxEntries,
    });
    const allFailures = plan.overflow
      ? [...failures, `overflow: ${wanted.length} addresses do not fit in max entries ${maxEntries}`]
      : failures;

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
    const result = { added: plan.add, removed: plan.remove, entries: plan.result, failures: allFailures };
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
    details: { failures: result.failures },
  });
}

/** CloudFormation (provider framework) or schedule event. */
export interface AddressSetEvent {
  readonly RequestType?: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: AddressSetConfig & { ServiceToken?: string };
  /** Set by the schedule: the same configuration as the custom resource. */
  readonly scheduled?: AddressSetConfig;
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
    // CloudFormation deletes the prefix list itself.
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const result = await refresh(config, deps);
  if (result.failures.length > 0 && event.RequestType === 'Create') {
    // A new allowlist that does not resolve must stop the deployment. An Update (or the Update of a
    // rollback) must not: it would leave the stack unable to roll back. The metric reports it instead.
    throw new Error(`could not resolve the address set completely: ${result.failures.join('; ')}`);
  }
  return { PhysicalResourceId: config.PrefixListId, Data: { Entries: String(result.entries.length) } };
}

export async function handler(event: AddressSetEvent) {
  return handleEvent(event, defaultDependencies());
}
