/**
 * Pieces shared by the library's Lambda handlers: retry of throttled AWS calls and CloudWatch
 * embedded-metric-format (EMF) lines. No AWS SDK import here, so the module is cheap to test.
 */

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
/** Attempts of a throttled call before its error is returned. */
export const MAX_ATTEMPTS = 5;

/** Retries a call that AWS throttled, with exponential backoff; other errors are thrown at once. */
export async function withRetry<T>(sleep: (ms: number) => Promise<void>, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!THROTTLING.has((error as Error).name) || attempt >= MAX_ATTEMPTS) throw error;
      await sleep(100 * 2 ** attempt);
    }
  }
}

export interface MetricLine {
  readonly namespace: string;
  /** The one dimension: its name and value. */
  readonly dimension: [string, string];
  /** Count metrics to publish. */
  readonly counts: Record<string, number>;
  readonly timestamp: number;
  /** Plain fields logged with the metrics (not metrics). */
  readonly details?: Record<string, unknown>;
}

/** A CloudWatch EMF log line: the metrics exist without any CloudWatch API call or permission. */
export function metricLine(line: MetricLine): string {
  const [dimensionName, dimensionValue] = line.dimension;
  return JSON.stringify({
    _aws: {
      Timestamp: line.timestamp,
      CloudWatchMetrics: [{
        Namespace: line.namespace,
        Dimensions: [[dimensionName]],
        Metrics: Object.keys(line.counts).map((Name) => ({ Name, Unit: 'Count' })),
      }],
    },
    [dimensionName]: dimensionValue,
    ...line.counts,
    ...line.details,
  });
}
