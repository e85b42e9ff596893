/**
 * The contract between `DeployedEgressCheck` (which writes it into the EventBridge rules' input) and
 * its analysis handler (which reads it from the event): one typed module both import.
 */

/** CloudWatch namespace of the check's metrics. */
export const DEPLOYED_EGRESS_CHECK_NAMESPACE = 'CdkSagemakerEgress/DeployedEgressCheck';
/** The metrics' one dimension: the check's unique name. */
export const DEPLOYED_EGRESS_CHECK_DIMENSION = 'Check';

/** Metric names the handler writes (embedded metric format) and the alarms read. */
export const CHECK_METRICS = {
  /** Paths the policy does not allow, in the newest analysis that succeeded. */
  unallowedPaths: 'UnallowedPaths',
  /**
   * 1 when this run could not prove anything: the newest analysis failed or was lost (counted by one run
   * only: the run that saw it end, else the first run after), or the run itself failed; else 0.
   */
  failedRuns: 'FailedRuns',
  /** Network interfaces the newest successful analysis looked at (what an analysis is billed by). */
  analyzedNetworkInterfaces: 'AnalyzedNetworkInterfaces',
} as const;

/** The analysis function's timeout: how long a run can wait for an analysis (the handler counts on it). */
export const ANALYSIS_FUNCTION_TIMEOUT_SECONDS = 900;

/** What the handler needs to know about the check. */
export interface DeployedEgressCheckConfig {
  /** The Network Access Scope to analyze. */
  readonly ScopeId: string;
  /** The check's unique name: the metrics' dimension value. */
  readonly CheckName: string;
  /** How far back analyses are listed, in seconds (a few intervals: older ones are no longer news). */
  readonly LookbackSeconds: number;
  /** The schedule's interval, in seconds: a failed analysis is counted by one run only, found by dates. */
  readonly IntervalSeconds: number;
}

/** The event the schedule and the deployment rule send. */
export interface DeployedEgressCheckEvent {
  readonly check: DeployedEgressCheckConfig;
  /** What started the run: `schedule` or `deployment`. */
  readonly trigger?: string;
  /** EventBridge's event id: a retried delivery starts no second analysis (the client token). */
  readonly eventId?: string;
}
