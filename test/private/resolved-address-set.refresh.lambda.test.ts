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

  install() {
    ec2Mock.reset();
    ec2Mock.on(DescribeManagedPrefixListsCommand).callsFake(() => ({
      PrefixLists: [{
        PrefixListId: config.PrefixListId,
        Version: this.version,
        State: 'modify-complete',
        MaxEntries: Number(config.MaxEntries),
        Tags: [...this.tags].map(([Key, Value]) => ({ Key, Value })),
      }],
    }));
    ec2Mock.on(GetManagedPrefixListEntriesCommand).callsFake(() => ({
      Entries: [...this.entries].map(([Cidr, Description]) => ({ Cidr, Description })),
    }));
    ec2Mock.on(ModifyManagedPrefixListCommand).callsFake((input) => {
      const fault = this.modifyFaults.shift();
      if (fault) throw fault;
      if (input.CurrentVersion !== this.version) throw named('IncorrectState', 'The prefix list version does not match');
      for (const e of input.RemoveEntries ?? []) this.entries.delete(e.Cidr);
      for (const e of input.AddEntries ?? []) this.entries.set(e.Cidr, e.Description);
      if (this.entries.size > Number(config.MaxEntries)) throw named('PrefixListMaxEntriesExceeded', 'too many entries');
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
    const now = { t: T0 };
    // Another writer adds a static entry between our read and our modify.
    list.modifyFaults = [named('IncorrectState', 'The specified version does not match the current version')];
    list.entries.set('10.9.0.0/16', 'someone else');
    list.version = 2;
    const result = await refresh(config, deps(PYPI, now));
    expect(ec2Mock.commandCalls(ModifyManagedPrefixListCommand)).toHaveLength(2);
    expect(ec2Mock.commandCalls(ModifyManagedPrefixListCommand)[1].args[0].input.CurrentVersion).toBe(2);
    expect(result.added).toEqual(FIRST);
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

  test('Delete touches nothing (CloudFormation deletes the prefix list)', async () => {
    const response = await handleEvent({ RequestType: 'Delete', PhysicalResourceId: config.PrefixListId, ResourceProperties: config }, deps(PYPI, { t: T0 }));
    expect(response).toEqual({ PhysicalResourceId: config.PrefixListId });
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test('a scheduled refresh that throws reports a failure metric instead of failing', async () => {
    ec2Mock.on(DescribeManagedPrefixListsCommand).rejects(named('UnauthorizedOperation', 'not authorized'));
    const log: string[] = [];
    await expect(handleEvent({ scheduled: config }, deps(PYPI, { t: T0 }, log))).resolves.toBeUndefined();
    expect(JSON.parse(log[0])).toMatchObject({ RefreshFailures: 1, failures: ['error: not authorized'] });
    expect(list.cidrs()).toEqual([]);
  });
});
