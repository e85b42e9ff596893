import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  ReplaceNetworkAclEntryCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { NaclSyncConfig } from '../../src/private/nacl-plan';
import { Dependencies, handleEvent, sync } from '../../src/private/nacl-range-sync.apply.lambda';

const ec2Mock = mockClient(EC2Client);
const S3_LIST = 'pl-63a5400a';
const PYPI_LIST = 'pl-0123456789abcdef0';
const VPC_CIDR = '10.0.0.0/16';

const config: NaclSyncConfig = {
  NetworkAclIds: ['acl-workload', 'acl-egress'],
  PrefixListIds: [S3_LIST],
  RuleNumberBase: '1000', // CloudFormation passes strings
  RuleNumberCount: '100',
  MaxEntriesPerDirection: '20',
  Port: '443',
  MetricNamespace: 'Test',
  SyncName: 's3-ranges',
  OverflowAdvice: 'Raise naclTightening.maxEntriesPerDirection or use S3EndpointKind.INTERFACE.',
};

interface Entry {
  RuleNumber: number;
  Egress: boolean;
  Protocol: string;
  RuleAction: string;
  CidrBlock?: string;
  PortRange?: { From: number; To: number };
}

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

/** NACLs and prefix lists as EC2 keeps them, enforcing the rules-per-NACL quota like EC2 does. */
class FakeEc2 {
  acls = new Map<string, Map<string, Entry>>();
  prefixLists = new Map<string, string[]>();
  /** Errors thrown by the next calls of a command, in order. */
  faults = new Map<string, Error[]>();
  quota = 20;
  /** Every state of the outbound 443 CIDRs of each NACL, after each change. */
  history: Array<{ acl: string; allowed: string[] }> = [];
  calls: string[] = [];
  pageSize = 100;

  constructor() {
    for (const id of config.NetworkAclIds) {
      const acl = new Map<string, Entry>();
      for (const Egress of [true, false]) {
        this.put(acl, { RuleNumber: 100, Egress, Protocol: '-1', RuleAction: 'allow', CidrBlock: VPC_CIDR });
        this.put(acl, { RuleNumber: 32767, Egress, Protocol: '-1', RuleAction: 'deny', CidrBlock: '0.0.0.0/0' });
      }
      this.acls.set(id, acl);
    }
  }

  put(acl: Map<string, Entry>, entry: Entry) {
    acl.set(`${entry.Egress}:${entry.RuleNumber}`, entry);
  }

  fault(command: string) {
    const error = this.faults.get(command)?.shift();
    if (error) throw error;
  }

  count(acl: Map<string, Entry>, egress: boolean) {
    return [...acl.values()].filter((e) => e.Egress === egress && e.CidrBlock).length;
  }

  record(id: string) {
    const allowed = [...this.acls.get(id)!.values()]
      .filter((e) => e.Egress && e.RuleAction === 'allow' && e.Protocol === '6' && e.PortRange?.From === 443)
      .map((e) => e.CidrBlock!).sort();
    this.history.push({ acl: id, allowed });
  }

  entries(id: string, egress: boolean): Entry[] {
    return [...this.acls.get(id)!.values()].filter((e) => e.Egress === egress).sort((a, b) => a.RuleNumber - b.RuleNumber);
  }

  install() {
    ec2Mock.reset();
    ec2Mock.on(GetManagedPrefixListEntriesCommand).callsFake((input) => {
      this.calls.push('Get');
      this.fault('Get');
      const all = this.prefixLists.get(input.PrefixListId);
      if (!all) throw named('InvalidPrefixListID.NotFound');
      const start = Number(input.NextToken ?? 0);
      const next = start + this.pageSize;
      return { Entries: all.slice(start, next).map((Cidr) => ({ Cidr })), NextToken: next < all.length ? String(next) : undefined };
    });
    ec2Mock.on(DescribeNetworkAclsCommand).callsFake((input) => {
      this.calls.push('Describe');
      this.fault('Describe');
      const id = input.NetworkAclIds[0];
      const acl = this.acls.get(id);
      return { NetworkAcls: acl ? [{ NetworkAclId: id, Entries: [...acl.values()].map((e) => ({ ...e })) }] : [] };
    });
    ec2Mock.on(CreateNetworkAclEntryCommand).callsFake((input) => {
      this.calls.push('Create');
      this.fault('Create');
      const acl = this.acls.get(input.NetworkAclId)!;
      if (acl.has(`${input.Egress}:${input.RuleNumber}`)) throw named('NetworkAclEntryAlreadyExists');
      if (this.count(acl, input.Egress) >= this.quota) throw named('NetworkAclEntryLimitExceeded');
      this.put(acl, { ...input });
      this.record(input.NetworkAclId);
    });
    ec2Mock.on(ReplaceNetworkAclEntryCommand).callsFake((input) => {
      this.calls.push('Replace');
      this.fault('Replace');
      const acl = this.acls.get(input.NetworkAclId)!;
      if (!acl.has(`${input.Egress}:${input.RuleNumber}`)) throw named('InvalidNetworkAclEntry.NotFound');
      this.put(acl, { ...input });
      this.record(input.NetworkAclId);
    });
    ec2Mock.on(DeleteNetworkAclEntryCommand).callsFake((input) => {
      this.calls.push('Delete');
      this.fault('Delete');
      const acl = this.acls.get(input.NetworkAclId)!;
      if (!acl.delete(`${input.Egress}:${input.RuleNumber}`)) throw named('InvalidNetworkAclEntry.NotFound');
      this.record(input.NetworkAclId);
    });
  }

  /** The NACL's own rules (VPC CIDR at 100, default deny) are present in both directions. */
  expectBaseRulesIntact() {
    for (const id of config.NetworkAclIds) {
      for (const egress of [true, false]) {
        const entries = this.entries(id, egress);
        expect(entries.find((e) => e.RuleNumber === 100)).toMatchObject({ CidrBlock: VPC_CIDR, RuleAction: 'allow', Protocol: '-1' });
        expect(entries.find((e) => e.RuleNumber === 32767)).toMatchObject({ RuleAction: 'deny' });
      }
    }
  }

  /** The CIDRs synchronised into a NACL, per direction, with their rule specs. */
  synced(id: string) {
    const inBlock = (e: Entry) => e.RuleNumber >= 1000 && e.RuleNumber < 1100;
    return {
      outbound: this.entries(id, true).filter(inBlock).map((e) => `${e.CidrBlock} tcp ${e.PortRange?.From}-${e.PortRange?.To} ${e.RuleAction}`).sort(),
      inbound: this.entries(id, false).filter(inBlock).map((e) => `${e.CidrBlock} tcp ${e.PortRange?.From}-${e.PortRange?.To} ${e.RuleAction}`).sort(),
    };
  }
}

let fake: FakeEc2;
let logs: string[];
let sleeps: number[];
const deps = (): Dependencies => ({
  ec2: new EC2Client({}),
  now: () => Date.parse('2026-11-23T00:00:00Z'),
  sleep: async (ms) => { sleeps.push(ms); },
  log: (line) => logs.push(line),
});
const lastMetric = () => JSON.parse(logs[logs.length - 1]);
const S3_RANGES = ['3.5.0.0/19', '16.182.0.0/16', '18.34.0.0/19', '52.216.0.0/15', '54.231.0.0/16'];
const expectedRules = (cidrs: string[]) => ({
  outbound: cidrs.map((c) => `${c} tcp 443-443 allow`).sort(),
  inbound: cidrs.map((c) => `${c} tcp 1024-65535 allow`).sort(),
});

beforeEach(() => {
  fake = new FakeEc2();
  fake.prefixLists.set(S3_LIST, [...S3_RANGES]);
  fake.install();
  logs = [];
  sleeps = [];
});

describe('create', () => {
  test('writes HTTPS out and return traffic in for every range, in both NACLs, inside the reserved block', async () => {
    const result = await handleEvent({ RequestType: 'Create', ResourceProperties: config }, deps());
    expect(result).toEqual({ PhysicalResourceId: 'nacl-sync:s3-ranges', Data: { Destinations: '5' } });
    for (const id of config.NetworkAclIds) expect(fake.synced(id)).toEqual(expectedRules(S3_RANGES));
    fake.expectBaseRulesIntact();
    expect(lastMetric()).toMatchObject({ NaclSync: 's3-ranges', RefreshFailures: 0, Destinations: 5, EntriesChanged: 20 });
  });

  test('aggregates adjacent ranges before spending rules on them', async () => {
    fake.prefixLists.set(S3_LIST, ['52.216.0.0/16', '52.217.0.0/16', '3.5.0.0/20', '3.5.16.0/20']);
    await sync(config, deps());
    expect(fake.synced('acl-workload')).toEqual(expectedRules(['3.5.0.0/19', '52.216.0.0/15']));
  });

  test('reads every page and every prefix list, plus static CIDRs', async () => {
    fake.pageSize = 2;
    fake.prefixLists.set(PYPI_LIST, ['151.101.0.223/32', '151.101.64.223/32']);
    await sync({ ...config, PrefixListIds: [S3_LIST, PYPI_LIST], StaticCidrs: ['198.51.100.0/24'] }, deps());
    expect(fake.synced('acl-egress')).toEqual(expectedRules([...S3_RANGES, '151.101.0.223/32', '151.101.64.223/32', '198.51.100.0/24']));
  });

  test('is idempotent: a second run changes nothing', async () => {
    await sync(config, deps());
    fake.calls = [];
    const result = await sync(config, deps());
    expect(result.changes).toBe(0);
    expect(fake.calls.filter((c) => ['Create', 'Replace', 'Delete'].includes(c))).toEqual([]);
  });
});

describe('refresh', () => {
  test('adds ranges AWS added and removes ranges AWS removed, never dropping a range that stays', async () => {
    await sync(config, deps());
    fake.history = [];
    fake.prefixLists.set(S3_LIST, ['3.5.0.0/19', '16.182.0.0/16', '52.216.0.0/15', '54.231.0.0/16', '44.192.134.240/28']);
    const result = await handleEvent({ scheduled: config }, deps());
    expect(result).toMatchObject({ failures: [], overflow: false });
    expect(fake.synced('acl-workload')).toEqual(expectedRules(['3.5.0.0/19', '16.182.0.0/16', '52.216.0.0/15', '54.231.0.0/16', '44.192.134.240/28']));
    const staying = ['3.5.0.0/19', '16.182.0.0/16', '52.216.0.0/15', '54.231.0.0/16'];
    for (const state of fake.history) expect(state.allowed).toEqual(expect.arrayContaining(staying));
    fake.expectBaseRulesIntact();
  });

  test('repairs an entry of its block that was edited by hand', async () => {
    await sync(config, deps());
    const acl = fake.acls.get('acl-workload')!;
    const edited = [...acl.values()].find((e) => e.Egress && e.RuleNumber >= 1000)!;
    fake.put(acl, { ...edited, PortRange: { From: 0, To: 65535 } });
    await sync(config, deps());
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
  });

  test('converges on a full NACL by replacing stale entries in place, never exceeding the quota', async () => {
    fake.quota = 7; // default deny + VPC rule + 5 ranges
    await sync({ ...config, MaxEntriesPerDirection: '7' }, deps());
    fake.prefixLists.set(S3_LIST, ['3.5.0.0/19', '16.182.0.0/16', '18.34.0.0/19', '52.216.0.0/15', '35.80.0.0/12']);
    fake.calls = [];
    await sync({ ...config, MaxEntriesPerDirection: '7' }, deps());
    expect(fake.calls).toContain('Replace');
    expect(fake.calls).not.toContain('Create');
    expect(fake.synced('acl-workload')).toEqual(expectedRules(['3.5.0.0/19', '16.182.0.0/16', '18.34.0.0/19', '52.216.0.0/15', '35.80.0.0/12']));
  });

  test('never touches entries outside its block (another destination set, the VPC rules)', async () => {
    const other = { RuleNumber: 1100, Egress: true, Protocol: '6', RuleAction: 'allow', CidrBlock: '151.101.0.223/32', PortRange: { From: 443, To: 443 } };
    fake.put(fake.acls.get('acl-workload')!, other);
    fake.prefixLists.set(S3_LIST, ['3.5.0.0/19']);
    await sync(config, deps());
    expect(fake.entries('acl-workload', true)).toEqual(expect.arrayContaining([other]));
    fake.expectBaseRulesIntact();
  });
});

describe('budget', () => {
  test('overflow changes nothing and fails a Create with what to change', async () => {
    const tight = { ...config, MaxEntriesPerDirection: '6' }; // 2 taken, 5 ranges needed
    await expect(handleEvent({ RequestType: 'Create', ResourceProperties: tight }, deps()))
      .rejects.toThrow(/overflow in acl-workload: 5 outbound rules are needed .* besides the 2 the NACL has .* may have 6\. Raise naclTightening\.maxEntriesPerDirection or use S3EndpointKind\.INTERFACE/);
    expect(fake.calls.filter((c) => ['Create', 'Replace', 'Delete'].includes(c))).toEqual([]);
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1 });
  });

  test('counts entries of other blocks: a NACL shared with another destination set can overflow', async () => {
    const acl = fake.acls.get('acl-egress')!;
    for (let i = 0; i < 14; i++) fake.put(acl, { RuleNumber: 1100 + i, Egress: false, Protocol: '6', RuleAction: 'allow', CidrBlock: `151.101.${i}.1/32`, PortRange: { From: 1024, To: 65535 } });
    const result = await sync(config, deps());
    expect(result.overflow).toBe(true);
    expect(result.failures[0]).toMatch(/overflow in acl-egress: 5 inbound rules/);
    // Checked for every NACL before any changed: the first NACL was not written either.
    expect(fake.synced('acl-workload')).toEqual({ outbound: [], inbound: [] });
  });

  test('a scheduled run that overflows keeps the working entries and reports the failure', async () => {
    await sync(config, deps());
    fake.prefixLists.set(S3_LIST, Array.from({ length: 30 }, (_, i) => `10.${100 + i * 2}.0.0/16`));
    const result = await handleEvent({ scheduled: config }, deps());
    expect(result).toMatchObject({ overflow: true });
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1 });
  });

  test('an Update that lowers the budget below the need reports the overflow and keeps the entries; so does one that keeps it', async () => {
    await sync(config, deps());
    const lowered = { ...config, MaxEntriesPerDirection: '6' };
    // It does not fail: it looks exactly like the rollback of an Update that raised the budget.
    await expect(handleEvent({ RequestType: 'Update', ResourceProperties: lowered, OldResourceProperties: config, PhysicalResourceId: 'p' }, deps()))
      .resolves.toMatchObject({ PhysicalResourceId: 'p' });
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1, failures: [expect.stringMatching(/^overflow/)] });
    await expect(handleEvent({ RequestType: 'Update', ResourceProperties: lowered, OldResourceProperties: lowered, PhysicalResourceId: 'p' }, deps()))
      .resolves.toMatchObject({ PhysicalResourceId: 'p' });
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
  });
});

describe('faults', () => {
  test('retries throttled calls with backoff', async () => {
    fake.faults.set('Get', [named('Throttling'), named('RequestLimitExceeded')]);
    fake.faults.set('Create', [named('RequestLimitExceeded')]);
    const result = await sync(config, deps());
    expect(result.failures).toEqual([]);
    expect(sleeps).toEqual([200, 400, 200]);
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
  });

  test.each([
    ['access denied', named('UnauthorizedOperation', 'not authorized')],
    ['a timeout', named('TimeoutError', 'socket timed out')],
    ['endless throttling', named('Throttling')],
  ])('%s while reading a prefix list changes nothing', async (_name, error) => {
    await sync(config, deps());
    fake.faults.set('Get', Array(10).fill(error));
    fake.prefixLists.set(S3_LIST, ['3.5.0.0/19']);
    const result = await handleEvent({ scheduled: config }, deps());
    expect(result).toMatchObject({ changes: 0 });
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1, failures: [expect.stringContaining(error.name)] });
  });

  test('an empty prefix list is a fault, not "allow nothing"', async () => {
    await sync(config, deps());
    fake.prefixLists.set(S3_LIST, []);
    const result = await sync(config, deps());
    expect(result.failures).toEqual([`${S3_LIST}: no entries`]);
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
  });

  test('a Create whose source cannot be read fails (the NACL must not go live without it)', async () => {
    fake.prefixLists.delete(S3_LIST);
    await expect(handleEvent({ RequestType: 'Create', ResourceProperties: config }, deps())).rejects.toThrow(/InvalidPrefixListID\.NotFound/);
  });

  test('an Update that adds a NACL reports a read failure (it looks like the rollback of dropping one); so does a plain Update', async () => {
    fake.faults.set('Get', Array(10).fill(named('UnauthorizedOperation')));
    const before = { ...config, NetworkAclIds: ['acl-workload'] };
    await expect(handleEvent({ RequestType: 'Update', ResourceProperties: config, OldResourceProperties: before, PhysicalResourceId: 'p' }, deps()))
      .resolves.toMatchObject({ PhysicalResourceId: 'p' });
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1, failures: [expect.stringContaining('UnauthorizedOperation')] });
    await expect(handleEvent({ RequestType: 'Update', ResourceProperties: config, OldResourceProperties: config, PhysicalResourceId: 'p' }, deps()))
      .resolves.toMatchObject({ PhysicalResourceId: 'p' });
  });

  test('a concurrent writer taking a rule number makes it read again and converge', async () => {
    fake.faults.set('Create', [named('NetworkAclEntryAlreadyExists')]);
    const result = await sync(config, deps());
    expect(result.failures).toEqual([]);
    expect(fake.calls.filter((c) => c === 'Describe').length).toBeGreaterThan(2);
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
  });

  test('an unexpected EC2 error on a scheduled run is reported, not thrown', async () => {
    fake.faults.set('Describe', [named('InternalError')]);
    await expect(handleEvent({ scheduled: config }, deps())).resolves.toBeUndefined();
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1, failures: ['error: InternalError: InternalError'] });
  });

  test('an unexpected EC2 error during a deployment fails it', async () => {
    fake.faults.set('Describe', [named('InternalError')]);
    await expect(handleEvent({ RequestType: 'Create', ResourceProperties: config }, deps())).rejects.toThrow(/InternalError/);
  });
});

describe('delete and moves', () => {
  test('delete clears its block, so no allow rule outlives its destination, and leaves everything else', async () => {
    await sync(config, deps());
    const other = { RuleNumber: 1100, Egress: true, Protocol: '6', RuleAction: 'allow', CidrBlock: '151.101.0.223/32', PortRange: { From: 443, To: 443 } };
    fake.put(fake.acls.get('acl-workload')!, other);
    const result = await handleEvent({ RequestType: 'Delete', ResourceProperties: config, PhysicalResourceId: 'nacl-sync:s3-ranges' }, deps());
    expect(result).toEqual({ PhysicalResourceId: 'nacl-sync:s3-ranges' });
    for (const id of config.NetworkAclIds) expect(fake.synced(id)).toEqual({ outbound: [], inbound: [] });
    expect(fake.entries('acl-workload', true)).toEqual(expect.arrayContaining([other]));
    fake.expectBaseRulesIntact();
  });

  test('delete never blocks the deletion of the stack: a NACL already gone or an error is logged', async () => {
    fake.acls.delete('acl-egress');
    fake.faults.set('Describe', [named('UnauthorizedOperation')]);
    await expect(handleEvent({ RequestType: 'Delete', ResourceProperties: config, PhysicalResourceId: 'p' }, deps()))
      .resolves.toEqual({ PhysicalResourceId: 'p' });
    expect(logs.some((l) => l.includes('UnauthorizedOperation'))).toBe(true);
  });

  test('an Update to another block writes the new block, then clears the old one', async () => {
    const before = { ...config, RuleNumberBase: '2000' };
    await sync(before, deps());
    fake.history = [];
    await handleEvent({ RequestType: 'Update', ResourceProperties: config, OldResourceProperties: before, PhysicalResourceId: 'p' }, deps());
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
    expect(fake.entries('acl-workload', true).filter((e) => e.RuleNumber >= 2000 && e.RuleNumber < 2100)).toEqual([]);
    // Both blocks coexisted until the new one was complete: every range was allowed throughout.
    for (const state of fake.history) expect(state.allowed).toEqual(expect.arrayContaining(S3_RANGES));
  });

  test('an Update that drops a NACL clears its block there', async () => {
    await sync(config, deps());
    const now = { ...config, NetworkAclIds: ['acl-workload'] };
    await handleEvent({ RequestType: 'Update', ResourceProperties: now, OldResourceProperties: config, PhysicalResourceId: 'p' }, deps());
    expect(fake.synced('acl-egress')).toEqual({ outbound: [], inbound: [] });
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
  });

  test('an Update that must not fail reports an unexpected error instead of failing (the stack can roll back)', async () => {
    await sync(config, deps());
    fake.faults.set('Describe', [named('InternalError')]);
    await expect(handleEvent({ RequestType: 'Update', ResourceProperties: config, OldResourceProperties: config, PhysicalResourceId: 'p' }, deps()))
      .resolves.toMatchObject({ PhysicalResourceId: 'p' });
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1, failures: ['error: InternalError: InternalError'] });
  });
});

test('EC2 refusing an entry for the quota (another writer filled the NACL) is reported as an overflow with the advice', async () => {
  fake.faults.set('Create', Array(10).fill(named('NetworkAclEntryLimitExceeded')));
  const result = await sync(config, deps());
  expect(result).toMatchObject({ overflow: true, failures: [expect.stringContaining('Raise naclTightening.maxEntriesPerDirection')] });
});

describe('deploy-time faults: entries in place stay, and only a Create fails', () => {
  const faults: Array<[string, () => void]> = [
    ['AccessDenied reading a prefix list', () => fake.faults.set('Get', Array(20).fill(named('UnauthorizedOperation', 'You are not authorized to perform this operation.')))],
    ['AccessDenied reading a NACL', () => fake.faults.set('Describe', Array(20).fill(named('UnauthorizedOperation', 'You are not authorized to perform this operation.')))],
    ['AccessDenied writing an entry', () => fake.faults.set('Create', Array(20).fill(named('UnauthorizedOperation', 'You are not authorized to perform this operation.')))],
    ['ThrottlingException after retries', () => fake.faults.set('Create', Array(20).fill(named('ThrottlingException', 'Rate exceeded')))],
    ['IncorrectState', () => fake.faults.set('Describe', Array(20).fill(named('IncorrectState', 'The resource is in an incorrect state')))],
    ['a prefix list NotFound', () => fake.prefixLists.delete(S3_LIST)],
    ['a NACL NotFound', () => fake.faults.set('Describe', Array(20).fill(named('InvalidNetworkAclID.NotFound', 'The networkAcl ID does not exist')))],
  ];
  const moved = { ...config, RuleNumberBase: '2000' };
  const withoutEgressAcl = { ...config, NetworkAclIds: ['acl-workload'] };
  const roomier = { ...config, MaxEntriesPerDirection: '20' };
  const tight = { ...config, MaxEntriesPerDirection: '6' };
  // [what, the properties in place (OldResourceProperties), the Update's properties]. A rollback is an
  // Update back to the properties before: the rollback of a move, of dropping a NACL, of raising the budget
  // look exactly like a move, adding a NACL, lowering the budget.
  const updates: Array<[string, NaclSyncConfig, NaclSyncConfig]> = [
    ['a plain Update', config, { ...config, OverflowAdvice: 'other advice' }],
    ['the rollback of a block move (a move)', moved, config],
    ['the rollback of dropping a NACL (adding a NACL)', withoutEgressAcl, config],
    ['the rollback of raising the budget (lowering it)', roomier, tight],
  ];

  /** No entry was deleted or replaced, and every NACL state recorded kept what it allowed. */
  function expectNoShrink(before: Map<string, string[]>) {
    expect(fake.calls.filter((c) => c === 'Delete' || c === 'Replace')).toEqual([]);
    for (const state of fake.history) expect(state.allowed).toEqual(expect.arrayContaining(before.get(state.acl) ?? []));
    for (const [acl, allowed] of before) {
      const now = [...fake.acls.get(acl)!.values()].filter((e) => e.Egress && e.RuleAction === 'allow' && e.PortRange?.From === 443).map((e) => e.CidrBlock!);
      expect(now).toEqual(expect.arrayContaining(allowed));
    }
  }

  async function deployed(props: NaclSyncConfig) {
    await sync(props, deps());
    fake.calls = [];
    fake.history = [];
    logs = [];
    const before = new Map<string, string[]>();
    for (const acl of props.NetworkAclIds) before.set(acl, [...S3_RANGES]);
    return before;
  }

  describe.each(updates)('%s', (_kind, before, now) => {
    test.each(faults)('%s is reported and the Update succeeds, removing nothing', async (_fault, inject) => {
      const allowed = await deployed(before);
      fake.prefixLists.set(S3_LIST, [...S3_RANGES, '44.192.134.240/28']); // something to write
      inject();
      await expect(handleEvent({ RequestType: 'Update', ResourceProperties: now, OldResourceProperties: before, PhysicalResourceId: 'nacl-sync:s3-ranges' }, deps()))
        .resolves.toMatchObject({ PhysicalResourceId: 'nacl-sync:s3-ranges' });
      expectNoShrink(allowed);
      expect(lastMetric()).toMatchObject({ NaclSync: 's3-ranges', RefreshFailures: 1 });
      fake.expectBaseRulesIntact();
    });
  });

  test('the rollback of raising the budget succeeds when the entries no longer fit the lower one, keeping them', async () => {
    const allowed = await deployed(roomier);
    await expect(handleEvent({ RequestType: 'Update', ResourceProperties: tight, OldResourceProperties: roomier, PhysicalResourceId: 'p' }, deps()))
      .resolves.toMatchObject({ PhysicalResourceId: 'p' });
    expectNoShrink(allowed);
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1, failures: [expect.stringMatching(/^overflow/)] });
  });

  test('a failure clearing the old block after a move is reported; the new block is in place', async () => {
    await deployed(moved);
    fake.faults.set('Delete', Array(20).fill(named('UnauthorizedOperation', 'You are not authorized to perform this operation.')));
    await expect(handleEvent({ RequestType: 'Update', ResourceProperties: config, OldResourceProperties: moved, PhysicalResourceId: 'p' }, deps()))
      .resolves.toMatchObject({ PhysicalResourceId: 'p' });
    expect(fake.synced('acl-workload')).toEqual(expectedRules(S3_RANGES));
    expect(lastMetric()).toMatchObject({ RefreshFailures: 1 });
  });

  test.each(faults)('Delete succeeds under %s', async (_fault, inject) => {
    await deployed(config);
    inject();
    fake.faults.set('Delete', Array(20).fill(named('InvalidNetworkAclEntry.NotFound')));
    await expect(handleEvent({ RequestType: 'Delete', ResourceProperties: config, PhysicalResourceId: 'p' }, deps()))
      .resolves.toEqual({ PhysicalResourceId: 'p' });
  });

  test.each<[string, Error]>([
    ['AccessDenied', named('UnauthorizedOperation', 'You are not authorized to perform this operation.')],
    ['ThrottlingException after retries', named('ThrottlingException', 'Rate exceeded')],
    ['IncorrectState', named('IncorrectState')],
    ['InvalidNetworkAclID.NotFound', named('InvalidNetworkAclID.NotFound')],
  ])('Delete under %s deleting an entry succeeds and reports it', async (_fault, error) => {
    await deployed(config);
    fake.faults.set('Delete', Array(20).fill(error));
    await expect(handleEvent({ RequestType: 'Delete', ResourceProperties: config, PhysicalResourceId: 'p' }, deps()))
      .resolves.toEqual({ PhysicalResourceId: 'p' });
    if (error.name !== 'InvalidNetworkAclID.NotFound') expect(logs.some((l) => l.includes(error.name))).toBe(true);
  });

  test('Delete of NACLs that are already gone succeeds without a report', async () => {
    fake.acls.clear();
    await expect(handleEvent({ RequestType: 'Delete', ResourceProperties: config, PhysicalResourceId: 'p' }, deps()))
      .resolves.toEqual({ PhysicalResourceId: 'p' });
    fake.faults.set('Describe', Array(20).fill(named('InvalidNetworkAclID.NotFound')));
    await expect(handleEvent({ RequestType: 'Delete', ResourceProperties: config, PhysicalResourceId: 'p' }, deps()))
      .resolves.toEqual({ PhysicalResourceId: 'p' });
    expect(logs.filter((l) => JSON.parse(l).RefreshFailures === 1)).toEqual([]);
  });

  test.each(faults)('Create fails under %s (there is no last good state)', async (_fault, inject) => {
    inject();
    await expect(handleEvent({ RequestType: 'Create', ResourceProperties: config }, deps())).rejects.toThrow();
  });
});
