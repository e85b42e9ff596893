/**
 * Deletes a Studio domain together with its home EFS file system, when the construct was told to.
 *
 * CloudFormation's own delete of AWS::SageMaker::Domain calls DeleteDomain without a retention policy,
 * and the API's default keeps the home file system
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RetentionPolicy.html). When the user
 * chose `HomeFileSystemRetention.DELETE`, this handler runs first (the user profiles wait for it, and it
 * waits for the domain), calls DeleteDomain with `HomeEfsFileSystem: Delete`, and waits until the domain
 * is gone, so that CloudFormation's delete then finds nothing left to do.
 *
 * Only a Delete event whose last properties say `Delete` deletes anything: changing the option back to
 * `Retain` is an Update and deletes nothing. SageMaker deletes the file system with its service-linked
 * role; this function needs only sagemaker:DeleteDomain and sagemaker:DescribeDomain on the one domain.
 */
import { DeleteDomainCommand, DescribeDomainCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { withRetry } from './private/handler-support';

export interface DomainDeletionProperties {
  readonly DomainId: string;
  /** `Retain` or `Delete`. */
  readonly HomeEfsFileSystem: string;
}

export interface DomainDeletionEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: DomainDeletionProperties;
}

export interface Dependencies {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds left before the function times out. */
  readonly remainingMs: () => number;
  readonly log: (line: string) => void;
}

/** Time between two DescribeDomain calls while the domain is being deleted. */
const POLL_INTERVAL_MS = 15_000;
/** Stop waiting this long before the function's timeout, so that the answer still reaches CloudFormation. */
const SAFETY_MARGIN_MS = 30_000;

function errorName(error: unknown): string {
  return (error as Error).name;
}

/** Waits until DescribeDomain no longer finds the domain; fails if SageMaker reports a failed deletion. */
async function waitUntilDeleted(domainId: string, deps: Dependencies): Promise<boolean> {
  while (deps.remainingMs() > POLL_INTERVAL_MS + SAFETY_MARGIN_MS) {
    await deps.sleep(POLL_INTERVAL_MS);
    try {
      const domain = await withRetry(deps.sleep, () => deps.sagemaker.send(new DescribeDomainCommand({ DomainId: domainId })));
      if (domain.Status === 'Delete_Failed') {
        throw new Error(`SageMaker could not delete domain ${domainId}: ${domain.FailureReason ?? 'no reason given'}`);
      }
    } catch (error) {
      if (errorName(error) === 'ResourceNotFound') return true;
      throw error;
    }
  }
  return false;
}

export async function handle(event: DomainDeletionEvent, deps: Dependencies): Promise<{ PhysicalResourceId: string }> {
  const { DomainId: domainId, HomeEfsFileSystem: retention } = event.ResourceProperties;
  if (event.RequestType !== 'Delete') {
    // The physical id follows the domain: a replaced domain sends a Delete for the old one.
    return { PhysicalResourceId: domainId };
  }
  const physicalId = event.PhysicalResourceId ?? domainId;
  if (retention !== 'Delete') {
    deps.log(`Domain ${domainId}: home file system retained; CloudFormation deletes the domain.`);
    return { PhysicalResourceId: physicalId };
  }
  try {
    await withRetry(deps.sleep, () => deps.sagemaker.send(new DeleteDomainCommand({
      DomainId: domainId,
      RetentionPolicy: { HomeEfsFileSystem: 'Delete' },
    })));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFound') {
      deps.log(`Domain ${domainId} no longer exists.`);
      return { PhysicalResourceId: physicalId };
    }
    if (errorName(error) === 'ResourceInUse') {
      throw new Error(`Domain ${domainId} still holds user profiles, spaces or apps that this stack did not create: ` +
        `delete the apps and spaces (Studio, or the DeleteApp and DeleteSpace APIs), then delete the stack again. (${(error as Error).message})`);
    }
    throw error;
  }
  const gone = await waitUntilDeleted(domainId, deps);
  deps.log(gone
    ? `Domain ${domainId} and its home file system are deleted.`
    : `Domain ${domainId} is still being deleted; SageMaker deletes its home file system when it finishes.`);
  return { PhysicalResourceId: physicalId };
}

const client = new SageMakerClient({});

export async function handler(event: DomainDeletionEvent, context: { getRemainingTimeInMillis(): number }): Promise<{ PhysicalResourceId: string }> {
  return handle(event, {
    sagemaker: client,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    remainingMs: () => context.getRemainingTimeInMillis(),
    log: (line) => console.log(line),
  });
}
