/**
 * Pieces shared by the library's Lambda handlers: retry of throttled AWS calls and CloudWatch
 * embedded-metric-format (EMF) lines. No AWS SDK import here, so the module is cheap to test.
 */

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
/** Attempts of a throttled call before its error is returned. */
export const MAX_ATTEMPTS = 5;

/** Whether AWS throttled the call: by error name, or as the SDK classifies it (`$retryable.throttling`). */
export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return THROTTLING.has(e?.name ?? '') || e?.$retryable?.throttling === true;
}

/** Retries a call that AWS throttled, with exponential backoff; other errors are thrown at once. */
export async function withRetry<T>(sleep: (ms: number) => Promise<void>, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || attempt >= MAX_ATTEMPTS) throw error;
      await sleep(100 * 2 ** attempt);
    }
  }
}

/** An error as one line of a report: its name (the AWS error code) and message. */
export function errorText(error: unknown): string {
  const { name, message } = (error ?? {}) as Partial<Error>;
  return name && name !== 'Error' ? `${name}: ${message ?? ''}` : String(message ?? error);
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
