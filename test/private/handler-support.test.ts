import { errorText, isThrottling, MAX_ATTEMPTS, withRetry } from '../../src/private/handler-support';

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

describe('withRetry', () => {
  test.each(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException'])('retries %s with backoff', async (name) => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry(async (ms) => { sleeps.push(ms); }, async () => {
      if (++calls < 3) throw named(name);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(sleeps).toEqual([200, 400]);
  });

  test('retries an error the SDK classifies as throttling, whatever its name', async () => {
    let calls = 0;
    const throttled = Object.assign(named('SlowDown'), { $retryable: { throttling: true } });
    await expect(withRetry(async () => undefined, async () => { if (++calls < 2) throw throttled; return 'ok'; })).resolves.toBe('ok');
    expect(isThrottling(throttled)).toBe(true);
  });

  test('gives up after MAX_ATTEMPTS with the error, and does not retry other errors', async () => {
    let calls = 0;
    await expect(withRetry(async () => undefined, async () => { calls++; throw named('ThrottlingException', 'Rate exceeded'); })).rejects.toThrow('Rate exceeded');
    expect(calls).toBe(MAX_ATTEMPTS);
    calls = 0;
    await expect(withRetry(async () => undefined, async () => { calls++; throw named('UnauthorizedOperation'); })).rejects.toThrow();
    expect(calls).toBe(1);
  });
});

test('errorText names the AWS error code', () => {
  expect(errorText(named('IncorrectState', 'busy'))).toBe('IncorrectState: busy');
  expect(errorText(new Error('plain'))).toBe('plain');
  expect(errorText('text')).toBe('text');
});
