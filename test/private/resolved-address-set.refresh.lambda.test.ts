import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeManagedPrefixListsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  ModifyManagedPrefixListCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { AddressSetConfig } from '../../src/private/address-set-plan';
import { Dependencies, handleEvent, MISSING_TAG_PREFIX, refresh } from '../../src/private/resolved-address-set.refresh.lambda';

const ec2Mock = mockClient(EC2Client);
const HOUR = 3600_000;
const T0 = Date.parse('2026-11-23T00:00:00Z');

const config: AddressSetConfig = {
  PrefixListId: 'pl-0123456789abcdef0',
  Hostnames: ['pypi.org', 'files.pythonhosted.org'],
  StaticCidrs: [],
  MaxEntries: '8', // CloudFormation passes strings
  GracePeriodSeconds: String(24 * 3600),
  LookupTimeoutMs: '50',
  MetricNamespace: 'Test',
  AddressSetName: 'pypi',
};

/** A prefix list as EC2 keeps it: entries, a version bumped by every modification, tags. */
class FakePrefixList {
  entries = new Map<string, string>();
  tags = new Map<string, string>();
  version = 1;
  modifications = 0;
  /** Errors thrown by the next ModifyManagedPrefixList calls, in order. */
  modifyFaults: Error[] = [];
  /** States reported by the next DescribeManagedPrefixLists calls, then 'modify-complete'. */
  states: string[] = [];
  /** Something to do before the next modification is checked (another writer, say). */
  beforeModify?: () => void;
  /** Entries per GetManagedPrefixListEntries page. */
  pageSize = 100;

  install() {
    ec2Mock.reset();
    ec2Mock.on(DescribeManagedPrefixListsCommand).callsFake(() => ({
      PrefixLists: [{
        PrefixListId: config.PrefixListId,
        Version: this.version,
        State: this.states.shift() ?? 'modify-complete',
        MaxEntries: Number(config.MaxEntries),
        Tags: [...this.tags].map(([Key, Value]) => ({ Key, Value })),
      }],
    }));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).callsFake((input) => {
      if (input.TargetVersion !== undefined && input.TargetVersion !== this.version) throw named('InvalidParameterValue', 'no such version');
      const all = [...this.entries].map(([Cidr, Description]) => ({ Cidr, Description }));
      const start = Number(input.NextToken ?? 0);
      const next = start + this.pageSize;
      return { Entries: all.slice(start, next), NextToken: next < all.length ? String(next) : undefined };
    });
    ec2Mock.on(ModifyManagedPrefixListCommand).callsFake((input) => {
      const fault = this.modifyFaults.shift();
      if (fault) throw fault;
      this.beforeModify?.();
      this.beforeModify = undefined;
      if (input.CurrentVersion !== this.version) throw named('InvalidParameterValue', 'The specified version does not match the current version of the prefix list');
      const after = new Set(this.entries.keys());
      for (const e of input.RemoveEntries ?? []) after.delete(e.Cidr);
      for (const e of input.AddEntries ?? []) after.add(e.Cidr);
      if (after.size > Number(config.MaxEntries)) throw named('PrefixListMaxEntriesExceeded', 'too many entries');
      for (const e of input.RemoveEntries ?? []) this.entries.delete(e.Cidr);
      for (const e of input.AddEntries ?? []) this.entries.set(e.Cidr, e.Description);
      this.states.push('modify-in-progress');
      this.version++;
      this.modifications++;
      return { PrefixList: { Version: this.version } };
    });
    ec2Mock.on(CreateTagsCommand).callsFake((input) => {
      for (const t of input.Tags) this.tags.set(t.Key, t.Value);
      return {};
    });
    ec2Mock.on(DeleteTagsCommand).callsFake((input) => {
      for (const t of input.Tags) this.tags.delete(t.Key);
      return {};
    });
    return this;
  }

  cidrs() {
    return [...this.entries.keys()].sort();
  }
}

function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** DNS answers by host name: addresses, an error code, or 'hang' (never answers). */
type Answers = Record<string, string[] | 'ENOTFOUND' | 'ENODATA' | 'hang'>;

function deps(answers: Answers, now: { t: number }, log: string[] = []): Dependencies {
  return {
    ec2: new EC2Client({ region: 'us-east-1' }),
    resolve4: async (host) => {
      const answer = answers[host];
      if (answer === 'hang') return new Promise<string[]>(() => undefined);
      if (typeof answer === 'string') throw Object.assign(new Error(`queryA ${answer} ${host}`), { code: answer });
      return answer ?? [];
    },
    now: () => now.t,
    sleep: async () => undefined,
    log: (line) => log.push(line),
  };
}

const PYPI = { 'pypi.org': ['151.101.0.223', '151.101.64.223'], 'files.pythonhosted.org': ['151.101.1.63', '151.101.65.63'] };
const FIRST = ['151.101.0.223/32', '151.101.1.63/32', '151.101.64.223/32', '151.101.65.63/32'];

describe('refresh', () => {
  let list: FakePrefixList;
  beforeEach(() => { list = new FakePrefixList().install(); });

  test('first create writes every resolved address with the list\'s version', async () => {
    const log: string[] = [];
    const result = await refresh(config, deps(PYPI, { t: T0 }, log));
    expect(list.cidrs()).toEqual(FIRST);
    expect(result).toEqual({ added: FIRST, removed: [], entries: FIRST, failures: [] });
    expect(ec2Mock.commandCalls(ModifyManagedPrefixListCommand)[0].args[0].input.CurrentVersion).toBe(1);
    const metric = JSON.parse(log[0]);
    expect(metric).toMatchObject({ AddressSet: 'pypi', RefreshFailures: 0, Entries: 4, EntriesAdded: 4, EntriesRemoved: 0 });
    expect(metric._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Test', Dimensions: [['AddressSet']] });
  });

  test('a refresh with the same answers changes nothing (idempotent)', async () => {
    const now = { t: T0 };
    await refresh(config, deps(PYPI, now));
    now.t += HOUR;
    const result = await refresh(config, deps(PYPI, now));
    expect(list.modifications).toBe(1);
    expect(result.added).toEqual([]);
    expect(result.removed).toEqual([]);
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0);
  });

  test('a new address is added', async () => {
    const now = { t: T0 };
    await refresh(config, deps(PYPI, now));
    const result = await refresh(config, deps({ ...PYPI, 'pypi.org': [...PYPI['pypi.org'], '151.101.128.223'] }, now));
    expect(result.added).toEqual(['151.101.128.223/32']);
    expect(list.cidrs()).toContain('151.101.128.223/32');
  });

  test('an address that stops resolving is kept through the grace period, then removed', async () => {
    const now = { t: T0 };
    await refresh(config, deps(PYPI, now));
    const rotated = { ...PYPI, 'pypi.org': ['151.101.0.223'] };

    now.t += HOUR;
    let result = await refresh(config, deps(rotated, now));
    expect(result.removed).toEqual([]);
    expect(list.cidrs()).toEqual(FIRST);
    expect(list.tags.get(`${MISSING_TAG_PREFIX}151.101.64.223/32`)).toBe(new Date(now.t).toISOString());

    now.t += 22 * HOUR; // 23 h missing: still inside the 24 h grace period
    result = await refresh(config, deps(rotated, now));
    expect(result.removed).toEqual([]);

    now.t += 2 * HOUR; // 25 h missing
    result = await refresh(config, deps(rotated, now));
    expect(result.removed).toEqual(['151.101.64.223/32']);
    expect(list.cidrs()).not.toContain('151.101.64.223/32');
    expect(list.tags.size).toBe(0);
  });

  test('an address that comes back within the grace period loses its missing stamp', async () => {
    const now = { t: T0 };
    await refresh(config, deps(PYPI, now));
    now.t += HOUR;
    await refresh(config, deps({ ...PYPI, 'pypi.org': ['151.101.0.223'] }, now));
    expect(list.tags.size).toBe(1);
    now.t += HOUR;
    await refresh(config, deps(PYPI, now));
    expect(list.tags.size).toBe(0);
    now.t += 48 * HOUR;
    expect((await refresh(config, deps(PYPI, now))).removed).toEqual([]);
  });

  test.each<[string, Answers]>([
    ['NXDOMAIN', { ...PYPI, 'pypi.org': 'ENOTFOUND' }],
    ['an empty answer', { ...PYPI, 'pypi.org': [] }],
    ['ENODATA', { ...PYPI, 'pypi.org': 'ENODATA' }],
    ['a timeout', { ...PYPI, 'pypi.org': 'hang' }],
  ])('%s never removes an entry, and is reported as a failure', async (_case, answers) => {
    const now = { t: T0 };
    await refresh(config, deps(PYPI, now));
    now.t += 48 * HOUR;
    const log: string[] = [];
    const result = await refresh(config, deps(answers, now, log));
    expect(list.cidrs()).toEqual(FIRST);
    expect(result.removed).toEqual([]);
    expect(result.failures).toEqual([expect.stringMatching(/^pypi\.org: /)]);
    expect(list.tags.size).toBe(0); // a failed lookup does not start anyone's grace period
    expect(JSON.parse(log[0]).RefreshFailures).toBe(1);
  });

  test('a partial answer still adds what it found', async () => {
    const result = await refresh(config, deps({ ...PYPI, 'pypi.org': 'ENOTFOUND' }, { t: T0 }));
    expect(result.added).toEqual(['151.101.1.63/32', '151.101.65.63/32']);
    expect(result.failures).toHaveLength(1);
  });

  test('a throttled ModifyManagedPrefixList is retried', async () => {
    list.modifyFaults = [named('RequestLimitExceeded', 'Request limit exceeded.'), named('Throttling', 'Rate exceeded')];
    const result = await refresh(config, deps(PYPI, { t: T0 }));
    expect(ec2Mock.commandCalls(ModifyManagedPrefixListCommand)).toHaveLength(3);
    expect(result.entries).toEqual(FIRST);
    expect(list.cidrs()).toEqual(FIRST);
  });

  test('throttling that does not stop gives up with the error, leaving the list as it was', async () => {
    list.modifyFaults = Array.from({ length: 10 }, () => named('RequestLimitExceeded', 'Request limit exceeded.'));
    await expect(refresh(config, deps(PYPI, { t: T0 }))).rejects.toThrow(/Request limit exceeded/);
    expect(list.cidrs()).toEqual([]);
  });

  test('a version conflict (someone modified the list meanwhile) re-reads and plans again', async () => {
    // Another writer adds an entry between our read (version 1) and our modification.
    list.beforeModify = () => { list.entries.set('151.101.0.223/32', 'someone else'); list.version = 2; };
    const result = await refresh(config, deps(PYPI, { t: T0 }));
    const modifies = ec2Mock.commandCalls(ModifyManagedPrefixListCommand).map((c) => c.args[0].input);
    expect(modifies.map((m) => m.CurrentVersion)).toEqual([1, 2]);
    // The second plan saw the other writer's entry and does not add it again.
    expect(modifies[1].AddEntries!.map((e) => e.Cidr)).toEqual(FIRST.filter((c) => c !== '151.101.0.223/32'));
    expect(result.entries).toEqual(FIRST);
    expect(list.cidrs()).toEqual(FIRST);
  });

  test('waits for a modification in progress before reading, and for its own before reporting', async () => {
    list.states = ['modify-in-progress', 'modify-in-progress'];
    await refresh(config, deps(PYPI, { t: T0 }));
    expect(list.cidrs()).toEqual(FIRST);
    // 2 in-progress reads, 1 settled read before planning, then in-progress + complete after modifying
    expect(ec2Mock.commandCalls(DescribeManagedPrefixListsCommand).length).toBeGreaterThanOrEqual(5);
  });

  test('a list left in modify-failed is still usable and gets repaired', async () => {
    list.states = ['modify-failed'];
    const log: string[] = [];
    const result = await refresh(config, deps(PYPI, { t: T0 }, log));
    expect(result.entries).toEqual(FIRST);
    expect(log[0]).toMatch(/modify-failed/);
  });

  test('a list in create-failed fails the refresh', async () => {
    list.states = ['create-failed'];
    await expect(refresh(config, deps(PYPI, { t: T0 }))).rejects.toThrow(/state create-failed/);
  });

  test('reads every page of entries', async () => {
    const now = { t: T0 };
    await refresh(config, deps(PYPI, now));
    list.pageSize = 1;
    const result = await refresh(config, deps(PYPI, now));
    expect(result.added).toEqual([]);
    expect(ec2Mock.commandCalls(GetManagedPrefixListEntriesCommand).length).toBeGreaterThanOrEqual(5);
  });

  test('an unreadable missing-since stamp is replaced, not kept forever', async () => {
    const now = { t: T0 };
    await refresh(config, deps(PYPI, now));
    list.tags.set(`${MISSING_TAG_PREFIX}151.101.64.223/32`, 'garbage');
    now.t += HOUR;
    await refresh(config, deps({ ...PYPI, 'pypi.org': ['151.101.0.223'] }, now));
    expect(list.tags.get(`${MISSING_TAG_PREFIX}151.101.64.223/32`)).toBe(new Date(now.t).toISOString());
  });

  test('when the list is full of stale addresses, the oldest stale ones make room for new ones', async () => {
    const now = { t: T0 };
    await refresh(config, deps(PYPI, now)); // 4 of 8 entries
    now.t += HOUR;
    await refresh(config, deps({ 'pypi.org': ['151.101.2.223', '151.101.66.223'], 'files.pythonhosted.org': ['151.101.3.63', '151.101.67.63'] }, now));
    expect(list.cidrs()).toHaveLength(8); // 4 stale (in grace) + 4 new
    now.t += HOUR;
    const rotated = { 'pypi.org': ['151.101.4.223', '151.101.68.223'], 'files.pythonhosted.org': ['151.101.5.63'] };
    const result = await refresh(config, deps(rotated, now));
    expect(result.failures).toEqual([]);
    expect(result.added).toHaveLength(3);
    // Only the first four are stamped as missing (an hour ago); the second four are only now found missing.
    expect(result.removed).toHaveLength(3);
    expect(result.removed.every((c) => FIRST.includes(c))).toBe(true);
    expect(list.cidrs()).toHaveLength(8);
  });

  test('addresses that cannot fit are not written, and the overflow is reported', async () => {
    const many = { 'pypi.org': Array.from({ length: 6 }, (_, i) => `151.101.${i}.223`), 'files.pythonhosted.org': ['151.101.1.63', '151.101.65.63', '151.101.129.63'] };
    const result = await refresh(config, deps(many, { t: T0 }));
    expect(list.cidrs()).toEqual([]);
    expect(result.failures).toEqual([expect.stringMatching(/^overflow: 9 addresses do not fit in max entries 8/)]);
  });

  test('static CIDRs are always in the set', async () => {
    const result = await refresh({ ...config, StaticCidrs: ['10.50.0.0/24'] }, deps(PYPI, { t: T0 }));
    expect(result.entries).toContain('10.50.0.0/24');
    expect(list.entries.get('10.50.0.0/24')).toBe('static');
  });
});

describe('handleEvent', () => {
  let list: FakePrefixList;
  beforeEach(() => { list = new FakePrefixList().install(); });

  test('Create resolves, writes and returns the prefix list as physical id', async () => {
    const response = await handleEvent({ RequestType: 'Create', ResourceProperties: config }, deps(PYPI, { t: T0 }));
    expect(response).toEqual({ PhysicalResourceId: config.PrefixListId, Data: { Entries: '4' } });
    expect(list.cidrs()).toEqual(FIRST);
  });

  test('Create fails the deployment when a host name does not resolve, without writing less', async () => {
    await expect(handleEvent({ RequestType: 'Create', ResourceProperties: config }, deps({ ...PYPI, 'pypi.org': 'ENOTFOUND' }, { t: T0 })))
      .rejects.toThrow(/could not resolve the address set completely: pypi\.org: ENOTFOUND/);
  });

  test('Update does not fail on a lookup failure (a rollback must be able to run), and reports it', async () => {
    const log: string[] = [];
    const response = await handleEvent({ RequestType: 'Update', PhysicalResourceId: config.PrefixListId, ResourceProperties: config },
      deps({ ...PYPI, 'pypi.org': 'ENOTFOUND' }, { t: T0 }, log));
    expect(response).toEqual({ PhysicalResourceId: config.PrefixListId, Data: { Entries: '2' } });
    expect(JSON.parse(log[0]).RefreshFailures).toBe(1);
  });

  test('a scheduled refresh that succeeds reports zero failures', async () => {
    const log: string[] = [];
    await handleEvent({ scheduled: config }, deps(PYPI, { t: T0 }, log));
    expect(JSON.parse(log[0])).toMatchObject({ RefreshFailures: 0, Entries: 4 });
  });

  test('Delete touches nothing (CloudFormation deletes the prefix list)', async () => {
    const response = await handleEvent({ RequestType: 'Delete', PhysicalResourceId: config.PrefixListId, ResourceProperties: config }, deps(PYPI, { t: T0 }));
    expect(response).toEqual({ PhysicalResourceId: config.PrefixListId });
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test('a scheduled refresh that throws reports a failure metric instead of failing', async () => {
    ec2Mock.on(DescribeManagedPrefixListsCommand).rejects(named('UnauthorizedOperation', 'not authorized'));
    const log: string[] = [];
    await expect(handleEvent({ scheduled: config }, deps(PYPI, { t: T0 }, log))).resolves.toBeUndefined();
    const metric = JSON.parse(log[0]);
    expect(metric).toMatchObject({ RefreshFailures: 1, failures: ['error: not authorized'] });
    expect(metric.Entries).toBeUndefined(); // unknown, not zero
    expect(list.cidrs()).toEqual([]);
  });
});
