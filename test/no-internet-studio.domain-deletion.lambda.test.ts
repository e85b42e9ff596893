import {
  DeleteDomainCommand,
  DescribeDomainCommand,
  ResourceInUse,
  ResourceNotFound,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { Dependencies, DomainDeletionEvent, handle, handler } from '../src/no-internet-studio.domain-deletion.lambda';
import { MAX_ATTEMPTS } from '../src/private/handler-support';

const sagemakerMock = mockClient(SageMakerClient);
const DOMAIN_ID = 'd-abc123def456';
const POLL_MS = 15_000;
/** POLL_INTERVAL_MS + SAFETY_MARGIN_MS: the handler must not start a poll with this much time left or less. */
const STOP_WAITING_AT_MS = 45_000;

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

const notFound = () => new ResourceNotFound({ message: `Domain ${DOMAIN_ID} not found`, $metadata: {} });

function event(requestType: DomainDeletionEvent['RequestType'], homeEfsFileSystem: string, physicalId?: string): DomainDeletionEvent {
  return {
    RequestType: requestType,
    PhysicalResourceId: physicalId,
    ResourceProperties: { DomainId: DOMAIN_ID, HomeEfsFileSystem: homeEfsFileSystem },
  };
}

let logs: string[];
let sleeps: number[];
/** Remaining time seen by the handler at each sleep. */
let remainingAtSleep: number[];
/** A fake clock: sleeping consumes the function's remaining time. */
let remaining: number;
const deps = (): Dependencies => ({
  sagemaker: new SageMakerClient({ region: 'us-east-1' }),
  sleep: async (ms) => {
    sleeps.push(ms);
    remainingAtSleep.push(remaining);
    remaining -= ms;
  },
  remainingMs: () => remaining,
  log: (line) => logs.push(line),
});

const deleteCalls = () => sagemakerMock.commandCalls(DeleteDomainCommand);
const describeCalls = () => sagemakerMock.commandCalls(DescribeDomainCommand);

beforeEach(() => {
  sagemakerMock.reset();
  logs = [];
  sleeps = [];
  remainingAtSleep = [];
  remaining = 15 * 60_000; // the function's timeout
});

describe('create and update', () => {
  test.each(['Create', 'Update'] as const)('GIVEN a %s WHEN handled THEN the physical id is the domain id and SageMaker is not called', async (requestType) => {
    for (const retention of ['Delete', 'Retain']) {
      const result = await handle(event(requestType, retention, 'd-previous'), deps());
      expect(result).toEqual({ PhysicalResourceId: DOMAIN_ID });
    }
    expect(sagemakerMock.calls()).toHaveLength(0);
    expect(sleeps).toEqual([]);
  });
});

describe('delete with the home file system retained', () => {
  test('GIVEN Retain WHEN deleted THEN nothing is called (CloudFormation deletes the domain itself) and the physical id is kept', async () => {
    const result = await handle(event('Delete', 'Retain', 'd-physical'), deps());
    expect(result).toEqual({ PhysicalResourceId: 'd-physical' });
    expect(sagemakerMock.calls()).toHaveLength(0);
    expect(sleeps).toEqual([]);
    expect(logs.join('\n')).toContain('retained');
  });

  test('GIVEN the option was switched from Delete back to Retain WHEN the stack is deleted THEN DeleteDomain is never called, so the home file system (user data) is not lost', async () => {
    // Once the Update to Retain has succeeded, CloudFormation sends the Delete with the latest properties.
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).rejects(notFound());
    const update = await handle(event('Update', 'Retain', DOMAIN_ID), deps());
    const result = await handle(event('Delete', 'Retain', update.PhysicalResourceId), deps());
    expect(result).toEqual({ PhysicalResourceId: DOMAIN_ID });
    expect(deleteCalls()).toHaveLength(0);
    expect(sagemakerMock.calls()).toHaveLength(0);
  });
});

describe('delete with the home file system deleted', () => {
  test('GIVEN Delete WHEN deleted THEN DeleteDomain is called with the Delete retention policy and the domain is polled every 15 s until gone', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand)
      .resolvesOnce({ DomainId: DOMAIN_ID, Status: 'Deleting' })
      .resolvesOnce({ DomainId: DOMAIN_ID, Status: 'Deleting' })
      .rejects(notFound());

    const result = await handle(event('Delete', 'Delete', 'd-physical'), deps());

    expect(result).toEqual({ PhysicalResourceId: 'd-physical' });
    expect(deleteCalls()).toHaveLength(1);
    expect(deleteCalls()[0].args[0].input).toEqual({ DomainId: DOMAIN_ID, RetentionPolicy: { HomeEfsFileSystem: 'Delete' } });
    expect(describeCalls()).toHaveLength(3);
    for (const call of describeCalls()) expect(call.args[0].input).toEqual({ DomainId: DOMAIN_ID });
    // DeleteDomain comes first, then the polls.
    expect(sagemakerMock.calls().map((c) => c.args[0].constructor.name))
      .toEqual(['DeleteDomainCommand', 'DescribeDomainCommand', 'DescribeDomainCommand', 'DescribeDomainCommand']);
    expect(sleeps).toEqual([POLL_MS, POLL_MS, POLL_MS]);
    expect(logs.join('\n')).toContain(`Domain ${DOMAIN_ID} and its home file system are deleted.`);
  });

  test('GIVEN no physical id in the event WHEN deleted THEN the domain id is returned', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).rejects(notFound());
    const result = await handle(event('Delete', 'Delete'), deps());
    expect(result).toEqual({ PhysicalResourceId: DOMAIN_ID });
    expect(describeCalls()).toHaveLength(1);
  });

  test('GIVEN the domain is already gone WHEN DeleteDomain says ResourceNotFound THEN the delete succeeds without polling', async () => {
    sagemakerMock.on(DeleteDomainCommand).rejects(notFound());
    sagemakerMock.on(DescribeDomainCommand).resolves({ DomainId: DOMAIN_ID, Status: 'Deleting' });

    const result = await handle(event('Delete', 'Delete', DOMAIN_ID), deps());

    expect(result).toEqual({ PhysicalResourceId: DOMAIN_ID });
    expect(deleteCalls()).toHaveLength(1);
    expect(describeCalls()).toHaveLength(0);
    expect(sleeps).toEqual([]);
    expect(logs.join('\n')).toContain('no longer exists');
  });

  test('GIVEN apps or spaces the stack did not create WHEN DeleteDomain says ResourceInUse THEN the error says what to delete and to delete the stack again', async () => {
    sagemakerMock.on(DeleteDomainCommand).rejects(new ResourceInUse({ message: 'Domain has apps', $metadata: {} }));

    const failure = handle(event('Delete', 'Delete', DOMAIN_ID), deps());

    await expect(failure).rejects.toThrow(DOMAIN_ID);
    await expect(failure).rejects.toThrow(/apps/);
    await expect(failure).rejects.toThrow(/spaces/);
    await expect(failure).rejects.toThrow(/DeleteApp and DeleteSpace/);
    await expect(failure).rejects.toThrow(/delete the stack again/);
    await expect(failure).rejects.toThrow(/Domain has apps/); // SageMaker's own message is kept
    expect(deleteCalls()).toHaveLength(1); // not retried
    expect(describeCalls()).toHaveLength(0);
  });

  test('GIVEN DeleteDomain is throttled twice WHEN deleted THEN it is retried with backoff and the domain ends deleted', async () => {
    sagemakerMock.on(DeleteDomainCommand)
      .rejectsOnce(named('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(named('ThrottlingException', 'Rate exceeded'))
      .resolves({});
    sagemakerMock.on(DescribeDomainCommand).rejects(notFound());

    const result = await handle(event('Delete', 'Delete', DOMAIN_ID), deps());

    expect(result).toEqual({ PhysicalResourceId: DOMAIN_ID });
    expect(deleteCalls()).toHaveLength(3);
    for (const call of deleteCalls()) {
      expect(call.args[0].input).toEqual({ DomainId: DOMAIN_ID, RetentionPolicy: { HomeEfsFileSystem: 'Delete' } });
    }
    expect(describeCalls()).toHaveLength(1);
    expect(sleeps).toEqual([200, 400, POLL_MS]);
    expect(logs.join('\n')).toContain('are deleted');
  });

  test('GIVEN DeleteDomain is throttled on every attempt WHEN deleted THEN it gives up after MAX_ATTEMPTS with the throttling error', async () => {
    sagemakerMock.on(DeleteDomainCommand).rejects(named('ThrottlingException', 'Rate exceeded'));

    await expect(handle(event('Delete', 'Delete', DOMAIN_ID), deps())).rejects.toThrow('Rate exceeded');

    expect(deleteCalls()).toHaveLength(MAX_ATTEMPTS);
    expect(describeCalls()).toHaveLength(0);
  });

  test('GIVEN DescribeDomain is throttled WHEN polling THEN the poll is retried and the deletion still completes', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand)
      .rejectsOnce(named('Throttling'))
      .rejects(notFound());

    await expect(handle(event('Delete', 'Delete', DOMAIN_ID), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(describeCalls()).toHaveLength(2);
    expect(sleeps).toEqual([POLL_MS, 200]);
  });

  test('GIVEN SageMaker fails the deletion WHEN DescribeDomain says Delete_Failed THEN the handler throws with the failure reason', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand)
      .resolvesOnce({ DomainId: DOMAIN_ID, Status: 'Deleting' })
      .resolves({ DomainId: DOMAIN_ID, Status: 'Delete_Failed', FailureReason: 'EFS file system fs-0123 has mount targets in use' });

    const failure = handle(event('Delete', 'Delete', DOMAIN_ID), deps());

    await expect(failure).rejects.toThrow(`SageMaker could not delete domain ${DOMAIN_ID}: EFS file system fs-0123 has mount targets in use`);
    expect(describeCalls()).toHaveLength(2); // stops polling at the failure
    expect(sleeps).toEqual([POLL_MS, POLL_MS]);
  });

  test('GIVEN Delete_Failed without a reason WHEN polled THEN the error says no reason was given', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).resolves({ DomainId: DOMAIN_ID, Status: 'Delete_Failed' });

    await expect(handle(event('Delete', 'Delete', DOMAIN_ID), deps())).rejects.toThrow('no reason given');
    expect(describeCalls()).toHaveLength(1);
  });

  test('GIVEN the domain is still Deleting near the function timeout WHEN the time runs out THEN the handler returns, logs that deletion continues, and never sleeps with 45 s or less left', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).resolves({ DomainId: DOMAIN_ID, Status: 'Deleting' });
    remaining = 75_000; // two polls fit: 75 s -> 60 s -> 45 s, then it must stop

    const result = await handle(event('Delete', 'Delete', 'd-physical'), deps());

    expect(result).toEqual({ PhysicalResourceId: 'd-physical' });
    expect(deleteCalls()).toHaveLength(1);
    expect(describeCalls()).toHaveLength(2);
    expect(sleeps).toEqual([POLL_MS, POLL_MS]);
    expect(remainingAtSleep).toEqual([75_000, 60_000]);
    for (const left of remainingAtSleep) expect(left).toBeGreaterThan(STOP_WAITING_AT_MS);
    expect(remaining).toBe(STOP_WAITING_AT_MS);
    expect(logs.join('\n')).toContain(`Domain ${DOMAIN_ID} is still being deleted`);
    expect(logs.join('\n')).not.toContain('are deleted');
  });

  test('GIVEN 45 s or less left right after DeleteDomain WHEN handled THEN it neither sleeps nor polls, and returns', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).resolves({ DomainId: DOMAIN_ID, Status: 'Deleting' });
    remaining = STOP_WAITING_AT_MS;

    await expect(handle(event('Delete', 'Delete', DOMAIN_ID), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(deleteCalls()).toHaveLength(1);
    expect(describeCalls()).toHaveLength(0);
    expect(sleeps).toEqual([]);
    expect(logs.join('\n')).toContain('still being deleted');
  });

  test('GIVEN DescribeDomain fails with an unexpected error WHEN polling THEN the error propagates', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).rejects(named('AccessDeniedException', 'not authorized to perform sagemaker:DescribeDomain'));

    const failure = handle(event('Delete', 'Delete', DOMAIN_ID), deps());

    await expect(failure).rejects.toMatchObject({ name: 'AccessDeniedException', message: 'not authorized to perform sagemaker:DescribeDomain' });
    expect(describeCalls()).toHaveLength(1); // not retried
    expect(logs.join('\n')).not.toContain('are deleted');
  });

  test('GIVEN DeleteDomain fails with an unexpected error WHEN deleted THEN the error propagates without polling', async () => {
    sagemakerMock.on(DeleteDomainCommand).rejects(named('AccessDeniedException', 'not authorized to perform sagemaker:DeleteDomain'));

    await expect(handle(event('Delete', 'Delete', DOMAIN_ID), deps())).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(deleteCalls()).toHaveLength(1);
    expect(describeCalls()).toHaveLength(0);
  });
});

describe('handler', () => {
  test('GIVEN the Lambda entry point WHEN little time is left THEN it uses the SageMaker client and the context\'s remaining time', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).resolves({ DomainId: DOMAIN_ID, Status: 'Deleting' });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const result = await handler(event('Delete', 'Delete', DOMAIN_ID), { getRemainingTimeInMillis: () => 10_000 });
      expect(result).toEqual({ PhysicalResourceId: DOMAIN_ID });
      expect(deleteCalls()).toHaveLength(1);
      expect(deleteCalls()[0].args[0].input).toEqual({ DomainId: DOMAIN_ID, RetentionPolicy: { HomeEfsFileSystem: 'Delete' } });
      expect(describeCalls()).toHaveLength(0); // 10 s left: no poll, no real sleep
      expect(log).toHaveBeenCalledWith(expect.stringContaining('still being deleted'));
    } finally {
      log.mockRestore();
    }
  });
});
