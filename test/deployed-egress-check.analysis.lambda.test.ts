import {
  DeleteNetworkInsightsAccessScopeAnalysisCommand,
  DescribeNetworkInsightsAccessScopeAnalysesCommand,
  EC2Client,
  GetNetworkInsightsAccessScopeAnalysisFindingsCommand,
  StartNetworkInsightsAccessScopeAnalysisCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  Analysis, Dependencies, describeFinding, handleEvent, MAX_DELETIONS_PER_RUN, MAX_LOGGED_FINDINGS, planRun, POLL_INTERVAL_MS, REPORT_RESERVE_MS,
  STUCK_AFTER_MS,
} from '../src/deployed-egress-check.analysis.lambda';
import { DeployedEgressCheckEvent } from '../src/private/contracts/deployed-egress-check';
import { MAX_ATTEMPTS } from '../src/private/handler-support';

const ec2Mock = mockClient(EC2Client);
const T0 = Date.parse('2026-12-02T06:00:00Z');
const MINUTE = 60_000;

const event: DeployedEgressCheckEvent = {
  check: { ScopeId: 'nis-0123456789abcdef0', CheckName: 'Stack-Check', LookbackSeconds: 3 * 86400, IntervalSeconds: 86400 },
  trigger: 'schedule',
  eventId: '11111111-2222-3333-4444-555555555555',
};

/** A path a notebook can take to the internet: its interface, its group's rule, a NAT gateway, the internet gateway. */
const NAT_FINDING = {
  FindingId: 'finding-1',
  FindingComponents: [
    {
      SequenceNumber: 1,
      Component: { Id: 'eni-0aaa' },
      Subnet: { Id: 'subnet-0bbb' },
      OutboundHeader: { DestinationAddresses: ['0.0.0.0/5'], DestinationPortRanges: [{ From: 443, To: 443 }], Protocol: '6' },
    },
    { SequenceNumber: 2, Component: { Id: 'sg-0ccc' }, SecurityGroupRule: { Direction: 'egress', Protocol: 'tcp', PortRange: { From: 443, To: 443 }, Cidr: '0.0.0.0/0' } },
    { SequenceNumber: 3, Component: { Id: 'rtb-0ddd' }, RouteTableRoute: { DestinationCidr: '0.0.0.0/0' } },
    { SequenceNumber: 4, Component: { Id: 'nat-0eee' } },
    { SequenceNumber: 5, Component: { Id: 'igw-0fff' } },
  ],
};

interface FakeAnalysis {
  NetworkInsightsAccessScopeAnalysisId: string;
  Status: string;
  StartDate: Date;
  EndDate?: Date;
  FindingsFound?: string;
  StatusMessage?: string;
  AnalyzedEniCount?: number;
}

/** The next page token of a list read `size` items at a time from `start`. */
function nextToken(start: number, size: number, total: number): string | undefined {
  return start + size < total ? String(start + size) : undefined;
}

/** EC2's analyses of the scope: what the mock answers, and what StartNetworkInsightsAccessScopeAnalysis adds. */
class FakeAnalyzer {
  analyses: FakeAnalysis[] = [];
  findings = new Map<string, any[]>();
  /** How the next analysis started ends: after how many polls, with which status and findings. */
  next: { polls: number; status: 'succeeded' | 'failed'; findings?: any[]; statusMessage?: string } = { polls: 1, status: 'succeeded', findings: [] };
  /** Errors thrown by the next calls of a command, in order. */
  faults = new Map<unknown, Error[]>();
  clientTokens: string[] = [];
  deleted: string[] = [];
  /** Errors thrown by the next lists of analyses older than the lookback window (the clean-up's). */
  oldListFaults: Error[] = [];
  pageSize = 2;
  private pollsLeft = new Map<string, number>();

  private now: () => number = () => T0;

  install(deps: { now: () => number }) {
    this.now = deps.now;
    ec2Mock.reset();
    const fault = (command: unknown) => {
      const error = this.faults.get(command)?.shift();
      if (error) throw error;
    };
    ec2Mock.on(DescribeNetworkInsightsAccessScopeAnalysesCommand).callsFake((input) => {
      fault(DescribeNetworkInsightsAccessScopeAnalysesCommand);
      if (input.NetworkInsightsAccessScopeAnalysisIds) {
        const id = input.NetworkInsightsAccessScopeAnalysisIds[0];
        const left = (this.pollsLeft.get(id) ?? this.next.polls) - 1;
        this.pollsLeft.set(id, left);
        const a = this.analyses.find((x) => x.NetworkInsightsAccessScopeAnalysisId === id)!;
        if (left <= 0 && a.Status === 'running') this.finish(a);
        return { NetworkInsightsAccessScopeAnalyses: [a] };
      }
      expect(input.NetworkInsightsAccessScopeId).toBe(event.check.ScopeId);
      let listed: FakeAnalysis[];
      if (input.AnalysisStartTimeEnd) {
        // The clean-up: analyses started before the lookback window.
        expect(input.AnalysisStartTimeBegin).toBeUndefined();
        const error = this.oldListFaults.shift();
        if (error) throw error;
        expect(input.AnalysisStartTimeEnd.getTime()).toBeLessThanOrEqual(deps.now() - event.check.LookbackSeconds * 1000);
        listed = this.analyses.filter((a) => a.StartDate.getTime() <= input.AnalysisStartTimeEnd!.getTime());
      } else {
        // Only analyses started within the lookback (the request is built once, before any retry).
        expect(input.AnalysisStartTimeBegin!.getTime()).toBeLessThanOrEqual(deps.now() - event.check.LookbackSeconds * 1000);
        expect(input.AnalysisStartTimeBegin!.getTime()).toBeGreaterThanOrEqual(T0 - event.check.LookbackSeconds * 1000);
        listed = this.analyses.filter((a) => a.StartDate.getTime() >= input.AnalysisStartTimeBegin!.getTime());
      }
      const start = Number(input.NextToken ?? 0);
      const page = listed.slice(start, start + this.pageSize);
      return { NetworkInsightsAccessScopeAnalyses: page, NextToken: nextToken(start, this.pageSize, listed.length) };
    });
    ec2Mock.on(DeleteNetworkInsightsAccessScopeAnalysisCommand).callsFake((input) => {
      fault(DeleteNetworkInsightsAccessScopeAnalysisCommand);
      const id = input.NetworkInsightsAccessScopeAnalysisId;
      this.analyses = this.analyses.filter((a) => a.NetworkInsightsAccessScopeAnalysisId !== id);
      this.deleted.push(id);
      return { NetworkInsightsAccessScopeAnalysisId: id };
    });
    ec2Mock.on(StartNetworkInsightsAccessScopeAnalysisCommand).callsFake((input) => {
      fault(StartNetworkInsightsAccessScopeAnalysisCommand);
      this.clientTokens.push(input.ClientToken);
      const a = { NetworkInsightsAccessScopeAnalysisId: `nisa-new${this.analyses.length}`, Status: 'running', StartDate: new Date(deps.now()) };
      this.analyses.push(a);
      this.pollsLeft.set(a.NetworkInsightsAccessScopeAnalysisId, this.next.polls);
      return { NetworkInsightsAccessScopeAnalysis: a };
    });
    ec2Mock.on(GetNetworkInsightsAccessScopeAnalysisFindingsCommand).callsFake((input) => {
      fault(GetNetworkInsightsAccessScopeAnalysisFindingsCommand);
      const all = this.findings.get(input.NetworkInsightsAccessScopeAnalysisId) ?? [];
      const start = Number(input.NextToken ?? 0);
      return { AnalysisFindings: all.slice(start, start + this.pageSize), NextToken: nextToken(start, this.pageSize, all.length) };
    });
  }

  /** An analysis already in EC2's list. */
  add(id: string, status: string, startMs: number, findings: any[] = [], statusMessage?: string, endMs = startMs + 5 * MINUTE) {
    this.analyses.push({
      NetworkInsightsAccessScopeAnalysisId: id,
      Status: status,
      StartDate: new Date(startMs),
      EndDate: status === 'running' ? undefined : new Date(endMs),
      FindingsFound: status === 'succeeded' ? String(findings.length > 0) : undefined,
      StatusMessage: statusMessage,
      AnalyzedEniCount: 12,
    });
    this.findings.set(id, findings);
  }

  /** An analysis ends now, the way `next` says. */
  finish(a: FakeAnalysis) {
    a.Status = this.next.status;
    a.EndDate = new Date(this.now());
    a.StatusMessage = this.next.statusMessage;
    a.AnalyzedEniCount = 12;
    a.FindingsFound = this.next.status === 'succeeded' ? String((this.next.findings ?? []).length > 0) : undefined;
    this.findings.set(a.NetworkInsightsAccessScopeAnalysisId, this.next.findings ?? []);
  }
}

function setup(options: { remainingMs?: number } = {}) {
  let clock = T0;
  let remaining = options.remainingMs ?? 15 * MINUTE;
  const lines: string[] = [];
  const sleeps: number[] = [];
  const deps: Dependencies = {
    ec2: new EC2Client({}),
    now: () => clock,
    sleep: async (ms) => { sleeps.push(ms); clock += ms; remaining -= ms; },
    log: (line) => lines.push(line),
    remainingMs: () => remaining,
  };
  const fake = new FakeAnalyzer();
  fake.install(deps);
  /** The run's EMF line, parsed. */
  const metrics = () => JSON.parse(lines.find((l) => l.startsWith('{"_aws"'))!);
  /** The clock moves on to the next run, which has the whole timeout again and logs afresh. */
  const nextRun = (afterMs: number) => {
    clock += afterMs;
    remaining = 15 * MINUTE;
    lines.length = 0;
  };
  return { deps, fake, lines, sleeps, metrics, nextRun, clock: () => clock };
}

function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' });
}

describe('a run of the deployed egress check', () => {
  test('no findings: starts an analysis, waits for it, reports zero paths and no failure', async () => {
    // GIVEN
    const { deps, fake, metrics, lines } = setup();
    fake.next = { polls: 2, status: 'succeeded', findings: [] };

    // WHEN
    const result = await handleEvent(event, deps);

    // THEN
    expect(result).toMatchObject({ started: 'nisa-new0', reported: 'nisa-new0', unallowedPaths: 0, failed: false, problems: [] });
    expect(fake.clientTokens).toEqual([event.eventId]);
    expect(lines.filter((l) => l.includes('does not allow'))).toEqual([]);
    const m = metrics();
    expect(m).toMatchObject({ Check: 'Stack-Check', UnallowedPaths: 0, FailedRuns: 0, AnalyzedNetworkInterfaces: 12, trigger: 'schedule' });
    expect(m._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'CdkSagemakerEgress/DeployedEgressCheck', Dimensions: [['Check']] });
    // FindingsFound "false": the findings are not even fetched.
    expect(ec2Mock.commandCalls(GetNetworkInsightsAccessScopeAnalysisFindingsCommand)).toHaveLength(0);
  });

  test('findings: every path is counted, named in a log line (source, through, destination, port), and read across pages', async () => {
    // GIVEN
    const { deps, fake, metrics, lines } = setup();
    const second = { ...NAT_FINDING, FindingId: 'finding-2' };
    const third = { ...NAT_FINDING, FindingId: 'finding-3' };
    fake.next = { polls: 1, status: 'succeeded', findings: [NAT_FINDING, second, third] };

    // WHEN
    const result = await handleEvent(event, deps);

    // THEN
    expect(result).toMatchObject({ unallowedPaths: 3, failed: false });
    expect(ec2Mock.commandCalls(GetNetworkInsightsAccessScopeAnalysisFindingsCommand)).toHaveLength(2);
    const pathLines = lines.filter((l) => l.startsWith('egress path the policy does not allow'));
    expect(pathLines).toHaveLength(3);
    expect(pathLines[0]).toBe('egress path the policy does not allow (nisa-new0): source eni-0aaa (subnet-0bbb); ' +
      'through sg-0ccc[egress tcp 443-443 to 0.0.0.0/0] > rtb-0ddd[route 0.0.0.0/0] > nat-0eee; destination igw-0fff (0.0.0.0/5 tcp/443) [finding finding-1]');
    expect(metrics()).toMatchObject({ UnallowedPaths: 3, FailedRuns: 0 });
  });

  test('findings beyond the logged maximum are counted and summarised in one line', async () => {
    const { deps, fake, metrics, lines } = setup();
    fake.pageSize = 100;
    fake.next = { polls: 1, status: 'succeeded', findings: Array.from({ length: MAX_LOGGED_FINDINGS + 3 }, (_, i) => ({ ...NAT_FINDING, FindingId: `f${i}` })) };

    await handleEvent(event, deps);

    expect(lines.filter((l) => l.startsWith('egress path the policy does not allow'))).toHaveLength(MAX_LOGGED_FINDINGS);
    expect(lines).toContain('3 more paths the policy does not allow in nisa-new0: see the analysis in the console');
    expect(metrics().UnallowedPaths).toBe(MAX_LOGGED_FINDINGS + 3);
  });

  test('an analysis still running: no second one is started; it is waited for while time is left, then left to the next run', async () => {
    // GIVEN an analysis started 10 minutes ago that will not finish before the function times out,
    // and yesterday's analysis, which found nothing
    const { deps, fake, metrics, sleeps } = setup({ remainingMs: 2 * MINUTE });
    fake.add('nisa-yesterday', 'succeeded', T0 - 86400_000);
    fake.add('nisa-running', 'running', T0 - 10 * MINUTE);
    fake.next = { polls: 1000, status: 'succeeded' };

    // WHEN
    const result = await handleEvent(event, deps);

    // THEN the run started nothing, stopped polling in time, and reported yesterday's result
    expect(ec2Mock.commandCalls(StartNetworkInsightsAccessScopeAnalysisCommand)).toHaveLength(0);
    expect(sleeps.every((s) => s === POLL_INTERVAL_MS)).toBe(true);
    expect(2 * MINUTE - sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(REPORT_RESERVE_MS);
    expect(result).toMatchObject({ started: undefined, reported: 'nisa-yesterday', unallowedPaths: 0, failed: false });
    expect(metrics()).toMatchObject({ UnallowedPaths: 0, FailedRuns: 0 });
  });

  test('the next run collects the analysis an earlier run left running', async () => {
    const { deps, fake, metrics } = setup();
    fake.add('nisa-left', 'succeeded', T0 - 60 * MINUTE, [NAT_FINDING]);

    const result = await handleEvent(event, deps);

    // It starts today's analysis (which finds nothing) and reports the newest successful one.
    expect(result).toMatchObject({ started: 'nisa-new1', reported: 'nisa-new1', unallowedPaths: 0 });
    expect(metrics()).toMatchObject({ UnallowedPaths: 0, FailedRuns: 0 });
  });

  test('a failed analysis: FailedRuns 1 with its status message, and the last successful analysis is still reported', async () => {
    // GIVEN yesterday's analysis found a path; today's fails
    const { deps, fake, metrics, lines } = setup();
    fake.add('nisa-yesterday', 'succeeded', T0 - 86400_000, [NAT_FINDING]);
    fake.next = { polls: 1, status: 'failed', statusMessage: 'The request failed due to insufficient permissions' };

    // WHEN
    const result = await handleEvent(event, deps);

    // THEN the path found yesterday keeps its alarm, and the failure is counted
    expect(result.failed).toBe(true);
    expect(result.problems).toEqual(['analysis nisa-new1 failed: The request failed due to insufficient permissions']);
    expect(metrics()).toMatchObject({ FailedRuns: 1, UnallowedPaths: 1 });
    expect(lines).toContain('deployed egress check problem: analysis nisa-new1 failed: The request failed due to insufficient permissions');
  });

  test('an analysis "running" past the service\'s 4-hour timeout is reported lost, and a new one is started', async () => {
    const { deps, fake, metrics } = setup();
    fake.add('nisa-lost', 'running', T0 - STUCK_AFTER_MS);

    const result = await handleEvent(event, deps);

    expect(result.started).toBe('nisa-new1');
    expect(result.problems).toEqual([expect.stringContaining('nisa-lost still reports "running"')]);
    expect(metrics()).toMatchObject({ FailedRuns: 1, UnallowedPaths: 0 });
  });

  test('throttling: every call is retried with backoff and the run succeeds', async () => {
    // GIVEN each API throttles its first calls
    const { deps, fake, metrics, sleeps } = setup();
    fake.add('nisa-old', 'succeeded', T0 - 86400_000);
    fake.next = { polls: 1, status: 'succeeded', findings: [NAT_FINDING] };
    fake.faults.set(DescribeNetworkInsightsAccessScopeAnalysesCommand, [throttling(), throttling()]);
    fake.faults.set(StartNetworkInsightsAccessScopeAnalysisCommand, [throttling()]);
    fake.faults.set(GetNetworkInsightsAccessScopeAnalysisFindingsCommand, [throttling()]);

    // WHEN
    const result = await handleEvent(event, deps);

    // THEN
    expect(result!.problems).toEqual([]);
    expect(result).toMatchObject({ failed: false, unallowedPaths: 1 });
    expect(metrics()).toMatchObject({ FailedRuns: 0, UnallowedPaths: 1 });
    // Exponential backoff before each retry (200 ms, 400 ms ...), besides the polling.
    expect(sleeps.filter((s) => s !== POLL_INTERVAL_MS)).toEqual([200, 400, 200, 200]);
  });

  test('throttling that does not end: the run reports a failure instead of throwing, and starts nothing blind', async () => {
    const { deps, fake, metrics } = setup();
    fake.faults.set(DescribeNetworkInsightsAccessScopeAnalysesCommand, Array.from({ length: MAX_ATTEMPTS }, throttling));

    const result = await handleEvent(event, deps);

    expect(result).toMatchObject({ failed: true, unallowedPaths: undefined });
    expect(result!.problems).toEqual([expect.stringMatching(/^could not list the analyses of nis-0123456789abcdef0: RequestLimitExceeded/)]);
    // Without the list, it cannot tell whether an analysis is running: it starts none.
    expect(ec2Mock.commandCalls(StartNetworkInsightsAccessScopeAnalysisCommand)).toHaveLength(0);
    const m = metrics();
    expect(m.FailedRuns).toBe(1);
    expect(m).not.toHaveProperty('UnallowedPaths');
  });

  test('an analysis that cannot be started (no permission) is a failure of the run, not an exception', async () => {
    const { deps, fake, metrics } = setup();
    fake.faults.set(StartNetworkInsightsAccessScopeAnalysisCommand, [Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' })]);

    const result = await handleEvent(event, deps);

    expect(result!.problems).toEqual(['could not start an analysis of nis-0123456789abcdef0: UnauthorizedOperation: not authorized']);
    expect(metrics()).toMatchObject({ FailedRuns: 1 });
  });

  test('findings that cannot be read: FailedRuns 1 and no UnallowedPaths value (never a false 0)', async () => {
    const { deps, fake, metrics } = setup();
    fake.next = { polls: 1, status: 'succeeded', findings: [NAT_FINDING] };
    fake.faults.set(GetNetworkInsightsAccessScopeAnalysisFindingsCommand, [Object.assign(new Error('boom'), { name: 'InternalError' })]);

    const result = await handleEvent(event, deps);

    expect(result).toMatchObject({ failed: true, unallowedPaths: undefined });
    expect(metrics()).not.toHaveProperty('UnallowedPaths');
  });

  test('without a client token from EventBridge, the token is stable within a minute', async () => {
    const { deps, fake } = setup();
    await handleEvent({ check: event.check, trigger: 'deployment' }, deps);
    expect(fake.clientTokens).toEqual([`Stack-Check-${Math.floor(T0 / MINUTE)}`]);
  });

  test('an event without a check is logged, not thrown', async () => {
    const { deps, lines } = setup();
    const result = await handleEvent({} as DeployedEgressCheckEvent, deps);
    expect(result).toMatchObject({ failed: true });
    expect(lines[0]).toMatch(/the event carries no check/);
  });
});

describe('a failure is counted by one run only', () => {
  const DAY = 86400_000;
  const failedRuns = async (h: ReturnType<typeof setup>) => {
    await handleEvent(event, h.deps);
    return h.metrics().FailedRuns;
  };

  test('a failed analysis, then a slow one still running in the next run: FailedRuns 1, then 0', async () => {
    // GIVEN today's analysis fails while the run waits for it
    const h = setup();
    h.fake.next = { polls: 1, status: 'failed', statusMessage: 'The request failed due to modifications in network resources during the analysis.' };
    expect(await failedRuns(h)).toBe(1);

    // WHEN the next run's analysis is still running when that run ends (the failed one is still the newest finished)
    h.nextRun(DAY);
    h.fake.next = { polls: 1000, status: 'succeeded' };
    expect(await failedRuns(h)).toBe(0);
    expect(h.lines).toContain('deployed egress check: analysis nisa-new0 failed: The request failed due to modifications in network resources ' +
      'during the analysis. (counted by an earlier run)');

    // THEN a run after a deployment an hour later, with that analysis still running: still 0. The failure
    // alarm (FailedRuns >= 1 in 2 intervals in a row) does not fire on the one failure.
    h.nextRun(60 * MINUTE);
    expect(await failedRuns(h)).toBe(0);
  });

  test('an analysis that fails after its run stopped waiting is counted by the next run, once', async () => {
    // GIVEN the analysis outlives its run
    const h = setup();
    h.fake.next = { polls: 1000, status: 'failed' };
    expect(await failedRuns(h)).toBe(0);
    // ... and fails an hour later
    h.nextRun(60 * MINUTE);
    h.fake.finish(h.fake.analyses[0]);

    // WHEN the next runs come, each with a slow analysis
    h.nextRun(DAY - 60 * MINUTE);
    h.fake.next = { polls: 1000, status: 'succeeded' };

    // THEN the first counts it, the next (after a deployment, its analysis still running) does not
    expect(await failedRuns(h)).toBe(1);
    h.nextRun(60 * MINUTE);
    expect(await failedRuns(h)).toBe(0);
  });

  test('a run after a deployment-triggered run that counted the failure does not count it again', async () => {
    // GIVEN an analysis that failed after its run stopped waiting, and a deployment run since, which started one
    const h = setup();
    h.fake.add('nisa-failed', 'failed', T0 - DAY, [], 'boom', T0 - DAY + 60 * MINUTE);
    h.fake.add('nisa-deployment', 'running', T0 - 2 * 60 * MINUTE);
    h.fake.next = { polls: 1000, status: 'succeeded' };

    expect(await failedRuns(h)).toBe(0);
  });

  test('every run of a check whose analyses keep failing counts its own failure: the alarm fires', async () => {
    const h = setup();
    h.fake.next = { polls: 1, status: 'failed' };
    const counts = [await failedRuns(h)];
    h.nextRun(DAY);
    counts.push(await failedRuns(h));
    h.nextRun(DAY);
    counts.push(await failedRuns(h));
    expect(counts).toEqual([1, 1, 1]);
  });

  test('a lost analysis is counted by the run that finds it lost, not by the runs after', async () => {
    const h = setup();
    h.fake.add('nisa-lost', 'running', T0 - STUCK_AFTER_MS);
    h.fake.next = { polls: 1000, status: 'succeeded' };
    expect(await failedRuns(h)).toBe(1);

    h.nextRun(60 * MINUTE);
    expect(await failedRuns(h)).toBe(0);
    expect(h.lines).toContainEqual(expect.stringMatching(/nisa-lost still reports "running".*\(counted by an earlier run\)$/));
  });
});

describe('old analyses', () => {
  const DAY = 86400_000;
  const LOOKBACK = event.check.LookbackSeconds * 1000;

  test('finished analyses older than the lookback window are deleted, oldest first; newer ones and running ones stay', async () => {
    // GIVEN two old finished analyses, an old one EC2 still lists as running, and yesterday's
    const { deps, fake, metrics, lines } = setup();
    fake.add('nisa-old-failed', 'failed', T0 - LOOKBACK - 2 * DAY);
    fake.add('nisa-old-ok', 'succeeded', T0 - LOOKBACK - DAY, [NAT_FINDING]);
    fake.add('nisa-old-running', 'running', T0 - LOOKBACK - 3 * DAY);
    fake.add('nisa-yesterday', 'succeeded', T0 - DAY);

    // WHEN today's analysis finishes clean
    const result = await handleEvent(event, deps);

    // THEN
    expect(fake.deleted).toEqual(['nisa-old-failed', 'nisa-old-ok']);
    expect(result).toMatchObject({ reported: 'nisa-new4', failed: false, deleted: ['nisa-old-failed', 'nisa-old-ok'] });
    expect(fake.analyses.map((a) => a.NetworkInsightsAccessScopeAnalysisId)).toEqual(['nisa-old-running', 'nisa-yesterday', 'nisa-new4']);
    expect(lines).toContain('deployed egress check: deleted 2 analyses older than the lookback window: nisa-old-failed, nisa-old-ok');
    expect(metrics()).toMatchObject({ FailedRuns: 0, UnallowedPaths: 0 });
  });

  test('the newest finished analysis is never deleted, however old, while no newer one has finished', async () => {
    // GIVEN only old analyses, and today's still running when the run ends
    const { deps, fake } = setup({ remainingMs: 2 * MINUTE });
    fake.add('nisa-older', 'succeeded', T0 - LOOKBACK - 2 * DAY);
    fake.add('nisa-old', 'succeeded', T0 - LOOKBACK - DAY);
    fake.next = { polls: 1000, status: 'succeeded' };

    const result = await handleEvent(event, deps);

    expect(result.started).toBe('nisa-new2');
    expect(fake.deleted).toEqual(['nisa-older']);
  });

  test('a deletion that fails is logged and the run goes on: the other analyses are deleted, the run is not a failure', async () => {
    const { deps, fake, metrics, lines } = setup();
    fake.add('nisa-a', 'succeeded', T0 - LOOKBACK - 3 * DAY);
    fake.add('nisa-b', 'succeeded', T0 - LOOKBACK - 2 * DAY);
    fake.add('nisa-c', 'succeeded', T0 - LOOKBACK - DAY);
    fake.faults.set(DeleteNetworkInsightsAccessScopeAnalysisCommand, [Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' })]);

    const result = await handleEvent(event, deps);

    expect(fake.deleted).toEqual(['nisa-b', 'nisa-c']);
    expect(lines).toContain('deployed egress check: could not delete the old analysis nisa-a: UnauthorizedOperation: not authorized');
    expect(result).toMatchObject({ failed: false, problems: [] });
    expect(metrics()).toMatchObject({ FailedRuns: 0 });
  });

  test('a list of old analyses that cannot be read is logged, not a failure', async () => {
    const { deps, fake, metrics, lines } = setup();
    // The run's own list succeeds; the clean-up's list does not.
    fake.oldListFaults.push(Object.assign(new Error('boom'), { name: 'InternalError' }));

    const result = await handleEvent(event, deps);

    expect(fake.oldListFaults).toEqual([]);
    expect(lines).toContain('deployed egress check: could not list the old analyses of nis-0123456789abcdef0 to delete them: InternalError: boom');
    expect(result).toMatchObject({ failed: false, deleted: [] });
    expect(metrics()).toMatchObject({ FailedRuns: 0 });
  });

  test(`at most ${MAX_DELETIONS_PER_RUN} deletions a run: a backlog goes in the next runs`, async () => {
    const { deps, fake } = setup();
    fake.pageSize = 100;
    for (let i = 0; i < MAX_DELETIONS_PER_RUN + 5; i++) fake.add(`nisa-${String(i).padStart(2, '0')}`, 'succeeded', T0 - LOOKBACK - (100 - i) * MINUTE);

    await handleEvent(event, deps);

    expect(fake.deleted).toHaveLength(MAX_DELETIONS_PER_RUN);
    expect(fake.deleted[0]).toBe('nisa-00');
  });
});

describe('the alarm logic the metrics feed', () => {
  // The construct's alarms (test/deployed-egress-check.test.ts): FindingsAlarm on UnallowedPaths >= 1 in
  // one interval; FailureAlarm on FailedRuns >= 1 in failedAnalysesToAlarm intervals in a row.
  async function run(setupRun: (fake: FakeAnalyzer) => void) {
    const { deps, fake, metrics } = setup();
    setupRun(fake);
    await handleEvent(event, deps);
    const m = metrics();
    return { findings: (m.UnallowedPaths ?? 0) >= 1, failure: m.FailedRuns >= 1 };
  }

  test('a clean analysis breaches neither alarm', async () => {
    expect(await run((f) => { f.next = { polls: 1, status: 'succeeded', findings: [] }; })).toEqual({ findings: false, failure: false });
  });

  test('a finding breaches the findings alarm only', async () => {
    expect(await run((f) => { f.next = { polls: 1, status: 'succeeded', findings: [NAT_FINDING] }; })).toEqual({ findings: true, failure: false });
  });

  test('a failure breaches only the failure alarm, which needs it repeated', async () => {
    expect(await run((f) => { f.next = { polls: 1, status: 'failed' }; })).toEqual({ findings: false, failure: true });
  });

  test('a slow analysis breaches neither: pending is not failing', async () => {
    expect(await run((f) => {
      f.add('nisa-old', 'succeeded', T0 - 86400_000);
      f.next = { polls: 1000, status: 'succeeded' };
    })).toEqual({ findings: false, failure: false });
  });
});

describe('planRun', () => {
  const a = (id: string, status: Analysis['status'], ageMinutes: number): Analysis => ({ id, status, startMs: T0 - ageMinutes * MINUTE });

  test('the newest finished and the newest successful analyses, whatever the order of the list', () => {
    const plan = planRun([a('old-ok', 'succeeded', 3000), a('new-failed', 'failed', 60), a('mid-ok', 'succeeded', 1500)], T0);
    expect(plan.newestFinished?.id).toBe('new-failed');
    expect(plan.newestSucceeded?.id).toBe('mid-ok');
    expect(plan.running).toBeUndefined();
  });

  test('a running analysis within its time is waited for; past it, it is lost', () => {
    expect(planRun([a('r', 'running', 30)], T0).running?.id).toBe('r');
    const lost = planRun([a('r', 'running', STUCK_AFTER_MS / MINUTE)], T0);
    expect(lost.running).toBeUndefined();
    expect(lost.stuck.map((x) => x.id)).toEqual(['r']);
  });
});

describe('describeFinding', () => {
  test('a path with no header or components says so', () => {
    expect(describeFinding({ FindingId: 'x' })).toBe('finding x: no components');
    expect(describeFinding({ FindingId: 'y', FindingComponents: [{ SequenceNumber: 1, Component: { Id: 'eni-1' } }, { SequenceNumber: 2, Component: { Id: 'pcx-1' } }] }))
      .toBe('source eni-1; through nothing; destination pcx-1 (any address tcp/udp/any port) [finding y]');
  });

  test('components are ordered by sequence number; UDP and port ranges are named', () => {
    const line = describeFinding({
      FindingId: 'z',
      FindingComponents: [
        { SequenceNumber: 3, Component: { Id: 'tgw-attach-1' } },
        { SequenceNumber: 2, Component: { Id: 'acl-1' }, AclRule: { RuleNumber: 100, RuleAction: 'allow', Cidr: '0.0.0.0/0' } },
        { SequenceNumber: 1, Component: { Id: 'eni-1' }, OutboundHeader: { Protocol: '17', DestinationAddresses: ['10.1.0.0/16'], DestinationPortRanges: [{ From: 1024, To: 2048 }] } },
      ],
    });
    expect(line).toBe('source eni-1; through acl-1[rule 100 allow 0.0.0.0/0]; destination tgw-attach-1 (10.1.0.0/16 udp/1024-2048) [finding z]');
  });
});
