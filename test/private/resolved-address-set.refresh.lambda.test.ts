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
  /** The list's max entries. */
  maxEntries = Number(config.MaxEntries);
  /** Entries of other prefix lists (the one a replaced list had), or the error reading them gives. */
  others = new Map<string, string[] | Error>();

  install() {
    ec2Mock.reset();
    ec2Mock.on(DescribeManagedPrefixListsCommand).callsFake(() => ({
      PrefixLists: [{
        PrefixListId: config.PrefixListId,
        Version: this.version,
        State: this.states.shift() ?? 'modify-complete',
        MaxEntries: this.maxEntries,
        Tags: [...this.tags].map(([Key, Value]) => ({ Key, Value })),
      }],
    }));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).callsFake((input) => {
      const other = this.others.get(input.PrefixListId);
      if (other instanceof Error) throw other;
      if (other) return { Entries: other.map((Cidr) => ({ Cidr })) };
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
      if (after.size > this.maxEntries) throw named('PrefixListMaxEntriesExceeded', 'too many entries');
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

describe('deploy-time faults: an allowlist never shrinks, and only a list with no good state fails', () => {
  const OTHER = 'pl-0fedcba9876543210';
  let list: FakePrefixList;
  let log: string[];
  const modifies = () => ec2Mock.commandCalls(ModifyManagedPrefixListCommand).map((c) => c.args[0].input);
  /** No ModifyManagedPrefixList call removed an entry. */
  const expectNoRemoval = () => { for (const m of modifies()) expect(m.RemoveEntries).toBeUndefined(); };
  const lastMetric = () => JSON.parse(log.filter((l) => l.startsWith('{')).pop()!);
  const grown = { ...PYPI, 'pypi.org': [...PYPI['pypi.org'], '151.101.128.223'] };

  beforeEach(async () => {
    list = new FakePrefixList().install();
    log = [];
  });

  /** The list filled by an earlier deployment, then the mock's history cleared. */
  async function filled() {
    await refresh(config, deps(PYPI, { t: T0 }));
    ec2Mock.resetHistory();
  }

  // (5) A replacement: CloudFormation created a new, empty prefix list (e.g. maxEntries changed) and sends
  // the custom resource an Update with the new list; the old one (OldResourceProperties) is untouched.
  const replacement = (old: Partial<AddressSetConfig> = {}) => ({
    RequestType: 'Update' as const,
    PhysicalResourceId: OTHER,
    ResourceProperties: config,
    OldResourceProperties: { ...config, PrefixListId: OTHER, MaxEntries: '4', ...old },
  });

  describe('replacement (a new list the handler never filled)', () => {
    test('every host resolves: the new list is filled and becomes the physical id', async () => {
      await expect(handleEvent(replacement(), deps(PYPI, { t: T0 }, log))).resolves.toEqual({ PhysicalResourceId: config.PrefixListId, Data: { Entries: '4' } });
      expect(list.cidrs()).toEqual(FIRST);
    });

    test('a DNS failure seeds the new list from the old list\'s entries, in one modification', async () => {
      list.others.set(OTHER, FIRST);
      const response = await handleEvent(replacement(), deps({ ...PYPI, 'pypi.org': 'ENOTFOUND' }, { t: T0 }, log));
      expect(response).toEqual({ PhysicalResourceId: config.PrefixListId, Data: { Entries: '4' } });
      expect(list.cidrs()).toEqual(FIRST);
      expect(modifies()).toHaveLength(1);
      expect(ec2Mock.commandCalls(GetManagedPrefixListEntriesCommand).some((c) => c.args[0].input.PrefixListId === OTHER)).toBe(true);
      expect(lastMetric()).toMatchObject({ RefreshFailures: 1, failures: [expect.stringMatching(/^pypi\.org: ENOTFOUND/)], seededFrom: OTHER });
    });

    test('every lookup failing still gives the new list the old list\'s entries', async () => {
      list.others.set(OTHER, FIRST);
      await handleEvent(replacement(), deps({ 'pypi.org': 'ENOTFOUND', 'files.pythonhosted.org': 'hang' }, { t: T0 }, log));
      expect(list.cidrs()).toEqual(FIRST);
    });

    test('a static CIDR the new configuration dropped is not seeded', async () => {
      list.others.set(OTHER, [...FIRST, '10.9.0.0/24']);
      await handleEvent(replacement({ StaticCidrs: ['10.9.0.0/24'] }), deps({ ...PYPI, 'pypi.org': 'ENOTFOUND' }, { t: T0 }, log));
      expect(list.cidrs()).toEqual(FIRST);
    });

    test.each<[string, Error]>([
      ['AccessDenied', named('UnauthorizedOperation', 'You are not authorized to perform this operation.')],
      ['NotFound', named('InvalidPrefixListID.NotFound', 'The prefix list ID does not exist')],
      ['ThrottlingException', named('ThrottlingException', 'Rate exceeded')],
    ])('a DNS failure when the old list cannot be read (%s) fails the Update, writing nothing', async (_case, error) => {
      list.others.set(OTHER, error);
      await expect(handleEvent(replacement(), deps({ ...PYPI, 'pypi.org': 'ENOTFOUND' }, { t: T0 }, log)))
        .rejects.toThrow(/pypi\.org: ENOTFOUND/);
      expect(modifies()).toEqual([]);
      expect(list.cidrs()).toEqual([]);
    });

    test('a new list too small for the set fails the Update, writing nothing', async () => {
      list.maxEntries = 3;
      await expect(handleEvent(replacement(), deps(PYPI, { t: T0 }, log))).rejects.toThrow(/overflow/);
      expect(modifies()).toEqual([]);
    });

    test.each<[string, Error]>([
      ['AccessDenied', named('UnauthorizedOperation', 'You are not authorized to perform this operation.')],
      ['ThrottlingException', named('ThrottlingException', 'Rate exceeded')],
      ['IncorrectState', named('IncorrectState', 'The prefix list is in an incorrect state')],
    ])('%s writing the new list fails the Update (CloudFormation rolls back to the old, untouched list)', async (_case, error) => {
      list.modifyFaults = Array(20).fill(error);
      await expect(handleEvent(replacement(), deps(PYPI, { t: T0 }, log))).rejects.toThrow(error.message);
      expect(list.cidrs()).toEqual([]);
    });

    test('a new list that cannot even be described fails the Update', async () => {
      ec2Mock.on(DescribeManagedPrefixListsCommand).rejects(named('InvalidPrefixListID.NotFound', 'The prefix list ID does not exist'));
      await expect(handleEvent(replacement(), deps(PYPI, { t: T0 }, log))).rejects.toThrow(/does not exist/);
    });
  });

  // (6) Updates, rollbacks and deletes of a list that was filled: the last good state stays, SUCCESS.
  const update = { RequestType: 'Update' as const, PhysicalResourceId: config.PrefixListId, ResourceProperties: config, OldResourceProperties: { ...config, Hostnames: ['pypi.org'] } };
  // A rollback is an Update whose new properties are the old ones: back to the list it had.
  const rollback = { RequestType: 'Update' as const, PhysicalResourceId: config.PrefixListId, ResourceProperties: config, OldResourceProperties: { ...config, Hostnames: [...config.Hostnames, 'example.org'] } };
  // The rollback of a replacement: back from the new list (OTHER) to the old, filled one.
  const replacementRollback = { RequestType: 'Update' as const, PhysicalResourceId: OTHER, ResourceProperties: config, OldResourceProperties: { ...config, PrefixListId: OTHER, MaxEntries: '16' } };

  const faults: Array<[string, () => void]> = [
    ['AccessDenied reading the list', () => { ec2Mock.on(DescribeManagedPrefixListsCommand).rejects(named('UnauthorizedOperation', 'You are not authorized to perform this operation.')); }],
    ['AccessDenied reading the entries', () => { ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(named('UnauthorizedOperation', 'You are not authorized to perform this operation.')); }],
    ['AccessDenied modifying', () => { list.modifyFaults = Array(20).fill(named('UnauthorizedOperation', 'You are not authorized to perform this operation.')); }],
    ['ThrottlingException after retries', () => { list.modifyFaults = Array(20).fill(named('ThrottlingException', 'Rate exceeded')); }],
    ['IncorrectState', () => { list.modifyFaults = Array(20).fill(named('IncorrectState', 'The prefix list is in an incorrect state')); }],
    ['NotFound', () => { ec2Mock.on(DescribeManagedPrefixListsCommand).rejects(named('InvalidPrefixListID.NotFound', 'The prefix list ID does not exist')); }],
    ['a list in delete-in-progress', () => { list.states = Array(40).fill('delete-in-progress'); }],
  ];

  describe.each([['Update', update], ['rollback', rollback], ['rollback of a replacement', replacementRollback]])('%s', (_kind, event) => {
    test.each(faults)('%s is reported, the list keeps its entries and the Update succeeds', async (_fault, inject) => {
      await filled();
      inject();
      const response = await handleEvent(event, deps(grown, { t: T0 + 48 * HOUR }, log));
      expect(response).toMatchObject({ PhysicalResourceId: config.PrefixListId });
      expect(list.cidrs()).toEqual(FIRST);
      expectNoRemoval();
      expect(lastMetric()).toMatchObject({ AddressSet: 'pypi', RefreshFailures: 1, failures: [expect.stringMatching(/^Update: /)] });
      expect(lastMetric().Entries).toBeUndefined();
    });

    test('a DNS failure keeps every entry and the Update succeeds', async () => {
      await filled();
      const response = await handleEvent(event, deps({ ...PYPI, 'pypi.org': 'ENOTFOUND' }, { t: T0 + 48 * HOUR }, log));
      expect(response).toEqual({ PhysicalResourceId: config.PrefixListId, Data: { Entries: '4' } });
      expect(list.cidrs()).toEqual(FIRST);
      expectNoRemoval();
    });
  });

  test('the rollback of a replacement keeps the old list as physical id, even when it cannot read its entries', async () => {
    await filled();
    // Right after the policy moved to the new list's ARN: the old list can be described, not read.
    ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(named('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    await expect(handleEvent(replacementRollback, deps({ ...PYPI, 'pypi.org': 'ENOTFOUND' }, { t: T0 }, log)))
      .resolves.toMatchObject({ PhysicalResourceId: config.PrefixListId });
    expect(modifies()).toEqual([]);
  });

  test('the rollback of a replacement that itself failed (the resource still names the old list) never fails', async () => {
    await filled();
    ec2Mock.on(DescribeManagedPrefixListsCommand).rejects(named('ThrottlingException', 'Rate exceeded'));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(named('ThrottlingException', 'Rate exceeded'));
    const event = { ...replacementRollback, PhysicalResourceId: config.PrefixListId };
    await expect(handleEvent(event, deps(PYPI, { t: T0 }, log))).resolves.toMatchObject({ PhysicalResourceId: config.PrefixListId });
    expect(modifies()).toEqual([]);
  });

  test('a replacing list that can be neither described nor read counts as never filled: the Update fails', async () => {
    // The replacement's new list may not show in EC2 yet; failing is the outcome that cannot ship it empty.
    await filled();
    ec2Mock.on(DescribeManagedPrefixListsCommand).rejects(named('InvalidPrefixListID.NotFound', 'The prefix list ID does not exist'));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(named('InvalidPrefixListID.NotFound', 'The prefix list ID does not exist'));
    await expect(handleEvent(replacement(), deps(PYPI, { t: T0 }, log))).rejects.toThrow(/does not exist/);
  });

  test.each(faults)('Delete succeeds without touching anything under %s', async (_fault, inject) => {
    await filled();
    inject();
    ec2Mock.on(ModifyManagedPrefixListCommand).rejects(named('InvalidPrefixListID.NotFound', 'The prefix list ID does not exist'));
    await expect(handleEvent({ RequestType: 'Delete', PhysicalResourceId: config.PrefixListId, ResourceProperties: config }, deps(PYPI, { t: T0 }, log)))
      .resolves.toEqual({ PhysicalResourceId: config.PrefixListId });
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test.each(faults)('Create still fails on %s (there is no last good state)', async (_fault, inject) => {
    inject();
    await expect(handleEvent({ RequestType: 'Create', ResourceProperties: config }, deps(PYPI, { t: T0 }, log))).rejects.toThrow();
  });
});
