/**
 * Runs the Network Access Analyzer analyses of a `DeployedEgressCheck` and reports what they found.
 * Invoked by EventBridge: on the check's schedule, and when the stack finishes a deployment.
 *
 * The state is EC2's own list of the scope's analyses, not anything kept here: an analysis takes
 * minutes, so each run
 *   1. lists the analyses of the scope (started by earlier runs, or by this one if it is retried);
 *   2. starts one, unless one is still running (the client token is the EventBridge event id, so a
 *      retried delivery starts no second one);
 *   3. waits for the running one while the function has time left;
 *   4. reports the newest finished analysis: every path the policy does not allow as a log line, and
 *      the metrics the alarms read (embedded metric format: no CloudWatch API call or permission);
 *   5. deletes the scope's finished analyses older than the lookback window (EC2 keeps at most 10,000
 *      analyses per account and Region), never the newest finished one.
 * A run that ends before its analysis finishes leaves it to the next run, which collects it. The
 * handler never throws: a run that cannot do its work reports `FailedRuns` 1, and the alarm on it
 * fires only when that repeats; an error loses nothing, since the analyses stay in EC2.
 */
import {
  AccessScopeAnalysisFinding,
  DeleteNetworkInsightsAccessScopeAnalysisCommand,
  DescribeNetworkInsightsAccessScopeAnalysesCommand,
  EC2Client,
  GetNetworkInsightsAccessScopeAnalysisFindingsCommand,
  NetworkInsightsAccessScopeAnalysis,
  PathComponent,
  StartNetworkInsightsAccessScopeAnalysisCommand,
} from '@aws-sdk/client-ec2';
import {
  ANALYSIS_FUNCTION_TIMEOUT_SECONDS, CHECK_METRICS, DEPLOYED_EGRESS_CHECK_DIMENSION, DEPLOYED_EGRESS_CHECK_NAMESPACE,
  DeployedEgressCheckConfig, DeployedEgressCheckEvent,
} from './private/contracts/deployed-egress-check';
import { errorText, metricLine, withRetry } from './private/handler-support';

/** A running analysis times out after 4 hours (Network Access Analyzer guide, "Limitations"). */
export const ANALYSIS_TIMEOUT_MS = 4 * 3600_000;
/** A "running" analysis older than this is taken as lost: the run starts another and reports a failure. */
export const STUCK_AFTER_MS = ANALYSIS_TIMEOUT_MS + 15 * 60_000;
/** How often a running analysis is looked at while the run waits for it. */
export const POLL_INTERVAL_MS = 20_000;
/** Time kept back from the Lambda timeout to report (findings pages, the metric line). */
export const REPORT_RESERVE_MS = 90_000;
/** Finding lines logged per run; every finding is counted. */
export const MAX_LOGGED_FINDINGS = 50;
/**
 * How long after its start the run that started an analysis still sees it end: the run polls until
 * fewer than REPORT_RESERVE_MS + POLL_INTERVAL_MS are left of the function's timeout.
 */
export const STARTER_SEES_END_MS = ANALYSIS_FUNCTION_TIMEOUT_SECONDS * 1000 - REPORT_RESERVE_MS - POLL_INTERVAL_MS;
/** Old analyses deleted per run at most: a backlog (e.g. after an upgrade) goes in the next runs. */
export const MAX_DELETIONS_PER_RUN = 25;
/** Time the function must have left to delete another old analysis (it never runs into its timeout for that). */
export const CLEANUP_RESERVE_MS = 30_000;

export interface Dependencies {
  readonly ec2: Pick<EC2Client, 'send'>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
  /** Milliseconds left before the function times out. */
  readonly remainingMs: () => number;
}

export type AnalysisStatus = 'running' | 'succeeded' | 'failed';

/** An analysis as the handler needs it. */
export interface Analysis {
  readonly id: string;
  readonly status: AnalysisStatus;
  readonly startMs: number;
  /** When it finished (EndDate), if it did. */
  readonly endMs?: number;
  readonly findingsFound?: string;
  readonly statusMessage?: string;
  readonly analyzedEniCount?: number;
}

/** What a run has to do, from the analyses listed: a pure function of EC2's state and the clock. */
export interface RunPlan {
  /** An analysis still within its time: wait for it rather than start another. */
  readonly running?: Analysis;
  /** "Running" analyses past the service's timeout: lost, reported as a failure. */
  readonly stuck: Analysis[];
  /** The newest analysis that finished (succeeded or failed). */
  readonly newestFinished?: Analysis;
  /** The newest analysis that succeeded: its findings are the last known truth. */
  readonly newestSucceeded?: Analysis;
}

export function planRun(analyses: Analysis[], now: number): RunPlan {
  const newestFirst = [...analyses].sort((a, b) => b.startMs - a.startMs);
  const running = newestFirst.filter((a) => a.status === 'running');
  return {
    running: running.find((a) => now - a.startMs < STUCK_AFTER_MS),
    stuck: running.filter((a) => now - a.startMs >= STUCK_AFTER_MS),
    newestFinished: newestFirst.find((a) => a.status !== 'running'),
    newestSucceeded: newestFirst.find((a) => a.status === 'succeeded'),
  };
}

/**
 * Whether this run counts a failed analysis (the newest finished one) in FailedRuns: one failure is
 * counted by one run only, so that it cannot raise the failure alarm alone. The handler keeps no state,
 * so the dates decide. It is counted by the run that saw it end (it ended after this run started), or
 * else by the first run after it ended, when no run saw it end: not the run that started it (it ended
 * more than STARTER_SEES_END_MS after its start), not the previous scheduled run (it ended after that
 * run stopped waiting), and no run since has started an analysis (a run that did counted it).
 */
export function isNewFailure(failed: Analysis, analyses: Analysis[], runStartMs: number, intervalMs: number, startedId?: string): boolean {
  const end = failed.endMs ?? failed.startMs;
  if (end >= runStartMs) return true;
  const starterSawIt = end - failed.startMs <= STARTER_SEES_END_MS;
  const previousRunSawIt = end <= runStartMs - intervalMs + ANALYSIS_FUNCTION_TIMEOUT_SECONDS * 1000;
  const laterRunCountedIt = analyses.some((a) => a.id !== startedId && a.id !== failed.id && a.startMs > end);
  return !starterSawIt && !previousRunSawIt && !laterRunCountedIt;
}

/**
 * Whether this run counts a lost analysis ("running" past the timeout): only the first run that finds
 * it lost, which starts another analysis; a run that sees an analysis started after it was lost does not.
 */
export function isNewlyLost(lost: Analysis, analyses: Analysis[], startedId?: string): boolean {
  const lostSince = lost.startMs + STUCK_AFTER_MS;
  return !analyses.some((a) => a.id !== startedId && a.id !== lost.id && a.startMs >= lostSince);
}

/** What one run saw and reported. */
export interface CheckResult {
  /** The analysis this run started, if any. */
  readonly started?: string;
  /** The analysis whose findings were reported, if any succeeded. */
  readonly reported?: string;
  /** Paths the policy does not allow in that analysis; undefined when they could not be read. */
  readonly unallowedPaths?: number;
  /** One line per path (at most MAX_LOGGED_FINDINGS). */
  readonly findings: string[];
  /** Whether the run counts as a failure (FailedRuns 1). */
  readonly failed: boolean;
  /** Why: errors of the run, the failed analysis's status message. */
  readonly problems: string[];
  /** Old analyses this run deleted. */
  readonly deleted?: string[];
}

function toAnalysis(a: NetworkInsightsAccessScopeAnalysis): Analysis {
  return {
    id: a.NetworkInsightsAccessScopeAnalysisId ?? '',
    status: (a.Status ?? 'running') as AnalysisStatus,
    startMs: a.StartDate ? new Date(a.StartDate).getTime() : 0,
    endMs: a.EndDate ? new Date(a.EndDate).getTime() : undefined,
    findingsFound: a.FindingsFound,
    statusMessage: a.StatusMessage,
    analyzedEniCount: a.AnalyzedEniCount,
  };
}

/** The scope's analyses started within the lookback window, or (`before`) those started before it. */
async function listAnalyses(deps: Dependencies, config: DeployedEgressCheckConfig, before = false): Promise<Analysis[]> {
  const analyses: Analysis[] = [];
  const windowStart = new Date(deps.now() - Number(config.LookbackSeconds) * 1000);
  let nextToken: string | undefined;
  do {
    const request = new DescribeNetworkInsightsAccessScopeAnalysesCommand({
      NetworkInsightsAccessScopeId: config.ScopeId,
      ...before ? { AnalysisStartTimeEnd: windowStart } : { AnalysisStartTimeBegin: windowStart },
      NextToken: nextToken,
    });
    const page = await withRetry(deps.sleep, () => deps.ec2.send(request));
    analyses.push(...(page.NetworkInsightsAccessScopeAnalyses ?? []).map(toAnalysis));
    nextToken = page.NextToken;
  } while (nextToken);
  return analyses;
}

async function describeAnalysis(deps: Dependencies, id: string): Promise<Analysis | undefined> {
  const page = await withRetry(deps.sleep, () => deps.ec2.send(new DescribeNetworkInsightsAccessScopeAnalysesCommand({
    NetworkInsightsAccessScopeAnalysisIds: [id],
  })));
  const found = page.NetworkInsightsAccessScopeAnalyses?.[0];
  return found ? toAnalysis(found) : undefined;
}

/** Waits for a running analysis while the function has time left; its last known state. */
async function awaitAnalysis(deps: Dependencies, analysis: Analysis): Promise<Analysis> {
  let current = analysis;
  while (current.status === 'running' && deps.remainingMs() > REPORT_RESERVE_MS + POLL_INTERVAL_MS) {
    await deps.sleep(POLL_INTERVAL_MS);
    current = await describeAnalysis(deps, current.id) ?? current;
  }
  return current;
}

async function findingsOf(deps: Dependencies, analysisId: string): Promise<AccessScopeAnalysisFinding[]> {
  const findings: AccessScopeAnalysisFinding[] = [];
  let nextToken: string | undefined;
  do {
    const request = new GetNetworkInsightsAccessScopeAnalysisFindingsCommand({
      NetworkInsightsAccessScopeAnalysisId: analysisId, MaxResults: 100, NextToken: nextToken,
    });
    const page = await withRetry(deps.sleep, () => deps.ec2.send(request));
    findings.push(...page.AnalysisFindings ?? []);
    nextToken = page.NextToken;
  } while (nextToken);
  return findings;
}

const PROTOCOLS: Record<string, string> = { 6: 'tcp', 17: 'udp', tcp: 'tcp', udp: 'udp' };

/** A component as a finding line shows it: its id, and the rule that lets the packet through. */
function componentText(c: PathComponent): string {
  const id = c.Component?.Id ?? c.Component?.Arn ?? '?';
  const sg = c.SecurityGroupRule;
  if (sg) {
    const ports = sg.PortRange ? `${sg.PortRange.From}-${sg.PortRange.To}` : 'all';
    return `${id}[${sg.Direction ?? 'egress'} ${sg.Protocol ?? 'all'} ${ports} to ${sg.Cidr ?? sg.PrefixListId ?? sg.SecurityGroupId ?? '?'}]`;
  }
  if (c.AclRule) return `${id}[rule ${c.AclRule.RuleNumber} ${c.AclRule.RuleAction} ${c.AclRule.Cidr ?? ''}]`;
  if (c.RouteTableRoute) return `${id}[route ${c.RouteTableRoute.DestinationCidr ?? c.RouteTableRoute.DestinationPrefixListId ?? '?'}]`;
  return id;
}

/**
 * One line naming a path: where it starts (the network interface and its subnet), what it goes
 * through (with the rules that let it through), where it ends, and the packet's destination and port.
 */
export function describeFinding(finding: AccessScopeAnalysisFinding): string {
  const components = [...finding.FindingComponents ?? []].sort((a, b) => (a.SequenceNumber ?? 0) - (b.SequenceNumber ?? 0));
  if (components.length === 0) return `finding ${finding.FindingId ?? '?'}: no components`;
  const first = components[0];
  const last = components[components.length - 1];
  const header = components.find((c) => c.OutboundHeader)?.OutboundHeader;
  const protocol = header?.Protocol ? PROTOCOLS[header.Protocol] ?? `protocol ${header.Protocol}` : 'tcp/udp';
  const ports = (header?.DestinationPortRanges ?? []).map((r) => (r.From === r.To ? `${r.From}` : `${r.From}-${r.To}`)).join(',') || 'any port';
  const to = (header?.DestinationAddresses ?? []).join(',') || 'any address';
  const source = `${first.Component?.Id ?? '?'}${first.Subnet?.Id ? ` (${first.Subnet.Id})` : ''}`;
  const through = components.slice(1, -1).map(componentText);
  return `source ${source}; through ${through.length ? through.join(' > ') : 'nothing'}; destination ${last.Component?.Id ?? '?'}` +
    ` (${to} ${protocol}/${ports}) [finding ${finding.FindingId ?? '?'}]`;
}

export async function runCheck(event: DeployedEgressCheckEvent, deps: Dependencies): Promise<CheckResult> {
  const config = event.check;
  const problems: string[] = [];
  let analyses: Analysis[] | undefined;
  try {
    analyses = await listAnalyses(deps, config);
  } catch (error) {
    problems.push(`could not list the analyses of ${config.ScopeId}: ${errorText(error)}`);
  }

  const runStart = deps.now();
  let plan = planRun(analyses ?? [], runStart);
  let started: Analysis | undefined;
  if (analyses && !plan.running) {
    try {
      const out = await withRetry(deps.sleep, () => deps.ec2.send(new StartNetworkInsightsAccessScopeAnalysisCommand({
        NetworkInsightsAccessScopeId: config.ScopeId,
        // Idempotent per event: EventBridge retries a delivery with the same id.
        ClientToken: (event.eventId ?? `${config.CheckName}-${Math.floor(deps.now() / 60_000)}`).slice(0, 64),
      })));
      if (out.NetworkInsightsAccessScopeAnalysis) started = toAnalysis(out.NetworkInsightsAccessScopeAnalysis);
    } catch (error) {
      problems.push(`could not start an analysis of ${config.ScopeId}: ${errorText(error)}`);
    }
  }

  for (const lost of plan.stuck) {
    const text = `analysis ${lost.id} still reports "running" after the service's 4-hour timeout`;
    if (isNewlyLost(lost, analyses ?? [], started?.id)) problems.push(text);
    else deps.log(`deployed egress check: ${text} (counted by an earlier run)`);
  }

  const pending = started ?? plan.running;
  if (pending) {
    try {
      const latest = await awaitAnalysis(deps, pending);
      analyses = [latest, ...(analyses ?? []).filter((a) => a.id !== latest.id)];
      plan = planRun(analyses, deps.now());
    } catch (error) {
      problems.push(`could not follow analysis ${pending.id}: ${errorText(error)}`);
    }
  }

  const failed = plan.newestFinished?.status === 'failed' ? plan.newestFinished : undefined;
  if (failed) {
    const text = `analysis ${failed.id} failed: ${failed.statusMessage ?? 'no status message'}`;
    if (isNewFailure(failed, analyses ?? [], runStart, Number(config.IntervalSeconds) * 1000, started?.id)) problems.push(text);
    else deps.log(`deployed egress check: ${text} (counted by an earlier run)`);
  }
  const reported = plan.newestSucceeded;
  let unallowedPaths: number | undefined;
  const findings: string[] = [];
  if (reported) {
    try {
      const all = reported.findingsFound === 'false' ? [] : await findingsOf(deps, reported.id);
      unallowedPaths = all.length;
      findings.push(...all.slice(0, MAX_LOGGED_FINDINGS).map(describeFinding));
    } catch (error) {
      problems.push(`could not read the findings of ${reported.id}: ${errorText(error)}`);
    }
  }
  const result: CheckResult = {
    started: started?.id,
    reported: reported?.id,
    unallowedPaths,
    findings,
    failed: problems.length > 0,
    problems,
  };
  report(event, reported, result, deps);
  // After the report: the metrics are out whatever happens here.
  const deleted = await deleteOldAnalyses(deps, config, plan.newestFinished !== undefined);
  return { ...result, deleted };
}

/**
 * Deletes the scope's finished analyses started before the lookback window, oldest first: they are
 * no longer news, and EC2 keeps at most 10,000 analyses per account and Region (guide, "Quotas").
 * The newest finished analysis stays whatever its age (when no analysis of the window has finished,
 * it is among the old ones), and so do analyses still running. Errors are logged, never raised:
 * what is not deleted now, a later run deletes.
 */
async function deleteOldAnalyses(deps: Dependencies, config: DeployedEgressCheckConfig, newerFinished: boolean): Promise<string[]> {
  const deleted: string[] = [];
  let old: Analysis[];
  try {
    old = await listAnalyses(deps, config, true);
  } catch (error) {
    deps.log(`deployed egress check: could not list the old analyses of ${config.ScopeId} to delete them: ${errorText(error)}`);
    return deleted;
  }
  const finished = old.filter((a) => a.status !== 'running').sort((a, b) => a.startMs - b.startMs);
  const candidates = newerFinished ? finished : finished.slice(0, -1);
  for (const analysis of candidates.slice(0, MAX_DELETIONS_PER_RUN)) {
    if (deps.remainingMs() < CLEANUP_RESERVE_MS) break;
    try {
      await withRetry(deps.sleep, () => deps.ec2.send(new DeleteNetworkInsightsAccessScopeAnalysisCommand({
        NetworkInsightsAccessScopeAnalysisId: analysis.id,
      })));
      deleted.push(analysis.id);
    } catch (error) {
      deps.log(`deployed egress check: could not delete the old analysis ${analysis.id}: ${errorText(error)}`);
    }
  }
  if (deleted.length) deps.log(`deployed egress check: deleted ${deleted.length} analyses older than the lookback window: ${deleted.join(', ')}`);
  return deleted;
}

/** A log line per path the policy does not allow, then the metrics of the run. */
function report(event: DeployedEgressCheckEvent, reported: Analysis | undefined, result: CheckResult, deps: Dependencies): void {
  for (const line of result.findings) deps.log(`egress path the policy does not allow (${reported?.id}): ${line}`);
  if (result.unallowedPaths !== undefined && result.unallowedPaths > result.findings.length) {
    deps.log(`${result.unallowedPaths - result.findings.length} more paths the policy does not allow in ${reported?.id}: see the analysis in the console`);
  }
  for (const problem of result.problems) deps.log(`deployed egress check problem: ${problem}`);
  deps.log(metricLine({
    namespace: DEPLOYED_EGRESS_CHECK_NAMESPACE,
    dimension: [DEPLOYED_EGRESS_CHECK_DIMENSION, event.check.CheckName],
    counts: {
      [CHECK_METRICS.failedRuns]: result.failed ? 1 : 0,
      ...(result.unallowedPaths !== undefined ? { [CHECK_METRICS.unallowedPaths]: result.unallowedPaths } : {}),
      ...(result.unallowedPaths !== undefined && reported?.analyzedEniCount !== undefined
        ? { [CHECK_METRICS.analyzedNetworkInterfaces]: reported.analyzedEniCount } : {}),
    },
    timestamp: deps.now(),
    details: {
      trigger: event.trigger ?? 'unknown',
      scopeId: event.check.ScopeId,
      startedAnalysis: result.started ?? null,
      reportedAnalysis: result.reported ?? null,
      problems: result.problems,
    },
  }));
}

/** Never throws: whatever goes wrong is in the metric line (FailedRuns 1) and the log. */
export async function handleEvent(event: DeployedEgressCheckEvent, deps: Dependencies): Promise<CheckResult> {
  try {
    return await runCheck(event, deps);
  } catch (error) {
    const problems = [`unexpected error: ${errorText(error)}`];
    const result: CheckResult = { findings: [], failed: true, problems };
    if (event?.check) {
      report(event, undefined, result, deps);
    } else {
      deps.log(`deployed egress check problem: the event carries no check: ${JSON.stringify(event)}`);
    }
    return result;
  }
}

export async function handler(event: DeployedEgressCheckEvent, context?: { getRemainingTimeInMillis?: () => number }) {
  return handleEvent(event, {
    ec2: new EC2Client({}),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
    remainingMs: () => context?.getRemainingTimeInMillis?.() ?? 0,
  });
}
