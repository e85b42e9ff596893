import {
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  DeleteDomainCommand,
  DescribeDomainCommand,
  ResourceInUse,
  ResourceNotFound,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import {
  Dependencies,
  DomainDeletionEvent,
  DomainDeletionProperties,
  handle,
  handler,
  HomeFileSystemApi,
  nfsSecurityGroupNames,
} from '../src/no-internet-studio.domain-deletion.lambda';
import { MAX_ATTEMPTS } from '../src/private/handler-support';

/**
 * `@aws-sdk/client-efs` is not installed (the Lambda runtime provides it): the entry point's loader is
 * tested against this stand-in, which answers DescribeMountTargets with `efsRuntime.mountTargets`.
 */
const efsRuntime = { mountTargets: [] as { MountTargetId: string; LifeCycleState: string }[], sent: [] as { command: string; input: unknown }[] };
jest.mock('@aws-sdk/client-efs', () => {
  class Command {
    constructor(readonly input: unknown) {}
  }
  class DescribeMountTargetsCommand extends Command {}
  class DeleteMountTargetCommand extends Command {}
  class EFSClient {
    async send(command: Command) {
      efsRuntime.sent.push({ command: command.constructor.name, input: command.input });
      return command instanceof DescribeMountTargetsCommand ? { MountTargets: efsRuntime.mountTargets } : {};
    }
  }
  return { EFSClient, DescribeMountTargetsCommand, DeleteMountTargetCommand };
}, { virtual: true });

const sagemakerMock = mockClient(SageMakerClient);
const ec2Mock = mockClient(EC2Client);
const DOMAIN_ID = 'd-abc123def456';
const VPC_ID = 'vpc-0123456789abcdef0';
const FILE_SYSTEM_ID = 'fs-0123456789abcdef0';
const STACK_ID = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Studio/0a1b2c3d';
const LOGICAL_ID = 'StudioHomeFileSystemDeletionResource1234ABCD';
const [INBOUND_NAME, OUTBOUND_NAME] = [`security-group-for-inbound-nfs-${DOMAIN_ID}`, `security-group-for-outbound-nfs-${DOMAIN_ID}`];
/** First wait before deleting a group again that is still in use; doubles up to 60 s. */
const GROUP_RETRY_MS = 5_000;
const POLL_MS = 15_000;
/** POLL_INTERVAL_MS + SAFETY_MARGIN_MS: the handler must not start a poll with this much time left or less. */
const STOP_WAITING_AT_MS = 45_000;

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

const notFound = () => new ResourceNotFound({ message: `Domain ${DOMAIN_ID} not found`, $metadata: {} });

function event(requestType: DomainDeletionEvent['RequestType'], homeEfsFileSystem: string, physicalId?: string,
  more: Partial<DomainDeletionProperties> = {}): DomainDeletionEvent {
  return {
    RequestType: requestType,
    PhysicalResourceId: physicalId,
    ResourceProperties: { DomainId: DOMAIN_ID, HomeEfsFileSystem: homeEfsFileSystem, ...more },
  };
}

/** A Delete with everything the construct passes: the VPC, the file system, and CloudFormation's ids. */
function cleanupEvent(homeEfsFileSystem = 'Delete'): DomainDeletionEvent {
  return {
    ...event('Delete', homeEfsFileSystem, DOMAIN_ID, { VpcId: VPC_ID, HomeEfsFileSystemId: FILE_SYSTEM_ID }),
    StackId: STACK_ID,
    LogicalResourceId: LOGICAL_ID,
  };
}

/** SageMaker's two NFS groups as DescribeSecurityGroups returns them: each has a rule that refers to the other. */
function nfsGroups(): SecurityGroup[] {
  return [
    {
      GroupId: 'sg-0inbound',
      GroupName: INBOUND_NAME,
      VpcId: VPC_ID,
      OwnerId: '111122223333',
      Description: `[DO NOT DELETE] Security Group that allows inbound NFS traffic for SageMaker Notebooks Domain [${DOMAIN_ID}]`,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, UserIdGroupPairs: [{ GroupId: 'sg-0outbound', UserId: '111122223333' }], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] }],
      IpPermissionsEgress: [],
    },
    {
      GroupId: 'sg-0outbound',
      GroupName: OUTBOUND_NAME,
      VpcId: VPC_ID,
      OwnerId: '111122223333',
      Description: `[DO NOT DELETE] Security Group that allows outbound NFS traffic for SageMaker Notebooks Domain [${DOMAIN_ID}]`,
      IpPermissions: [],
      IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, UserIdGroupPairs: [{ GroupId: 'sg-0inbound', UserId: '111122223333' }], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] }],
    },
  ];
}

const ec2Error = (name: string, message = name) => named(name, message);

let logs: string[];
let sleeps: number[];
/** Remaining time seen by the handler at each sleep. */
let remainingAtSleep: number[];
/** A fake clock: sleeping consumes the function's remaining time. */
let remaining: number;
/** The EFS stand-in of the tests: jest mocks, answering as `@aws-sdk/client-efs` would. */
let efs: { describeMountTargets: jest.Mock; deleteMountTarget: jest.Mock };
const deps = (): Dependencies => ({
  sagemaker: new SageMakerClient({ region: 'us-east-1' }),
  ec2: new EC2Client({ region: 'us-east-1' }),
  efs: efs as HomeFileSystemApi,
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

const ec2Calls = () => ec2Mock.calls().map((c) => c.args[0].constructor.name);

beforeEach(() => {
  sagemakerMock.reset();
  ec2Mock.reset();
  // Nothing left behind unless a test says otherwise.
  ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  efs = {
    describeMountTargets: jest.fn().mockResolvedValue({ MountTargets: [] }),
    deleteMountTarget: jest.fn().mockResolvedValue({}),
  };
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
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(efs.describeMountTargets).not.toHaveBeenCalled();
    expect(sleeps).toEqual([]);
  });
});

describe('delete with the home file system retained', () => {
  test('GIVEN Retain WHEN deleted THEN nothing is called (CloudFormation deletes the domain itself) and the physical id is kept', async () => {
    const result = await handle(event('Delete', 'Retain', 'd-physical'), deps());
    expect(result).toEqual({ PhysicalResourceId: 'd-physical' });
    expect(sagemakerMock.calls()).toHaveLength(0);
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(sleeps).toEqual([]);
    expect(logs.join('\n')).toContain('retained');
  });

  test('GIVEN Retain with the VPC and file system known WHEN deleted THEN the NFS security groups and the mount targets are left alone (the file system is kept, the synth warning gives the cleanup)', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    efs.describeMountTargets.mockResolvedValue({ MountTargets: [{ MountTargetId: 'fsmt-1', LifeCycleState: 'available' }] });

    const result = await handle(cleanupEvent('Retain'), deps());

    expect(result).toEqual({ PhysicalResourceId: DOMAIN_ID });
    expect(sagemakerMock.calls()).toHaveLength(0);
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(efs.describeMountTargets).not.toHaveBeenCalled();
    expect(efs.deleteMountTarget).not.toHaveBeenCalled();
    expect(sleeps).toEqual([]);
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

  test('GIVEN the domain is still Deleting when the time runs out WHEN the VPC is known THEN the groups (still in use) are not touched, and the log names both for the manual cleanup', async () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).resolves({ DomainId: DOMAIN_ID, Status: 'Deleting' });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    remaining = 75_000;

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(ec2Mock.calls()).toHaveLength(0);
    expect(efs.describeMountTargets).not.toHaveBeenCalled();
    const log = logs.join('\n');
    expect(log).toContain(`${INBOUND_NAME} and ${OUTBOUND_NAME} stay in ${VPC_ID}`);
    expect(log).toContain('aws ec2 delete-security-group');
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

describe('cleanup of what SageMaker leaves in the VPC, once the domain is gone', () => {
  const inboundRule = { IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, UserIdGroupPairs: [{ GroupId: 'sg-0outbound', UserId: '111122223333' }] };
  const outboundRule = { IpProtocol: 'tcp', FromPort: 2049, ToPort: 2049, UserIdGroupPairs: [{ GroupId: 'sg-0inbound', UserId: '111122223333' }] };
  /** The domain is deleted after one poll. */
  const domainDeletes = () => {
    sagemakerMock.on(DeleteDomainCommand).resolves({});
    sagemakerMock.on(DescribeDomainCommand).rejects(notFound());
  };

  test('the names are those SageMaker gives the groups', () => {
    expect(nfsSecurityGroupNames(DOMAIN_ID)).toEqual([INBOUND_NAME, OUTBOUND_NAME]);
  });

  test('GIVEN both groups refer to each other WHEN the domain is gone THEN they are found by name in the VPC, every rule is revoked, then both are deleted, in that order', async () => {
    domainDeletes();
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    ec2Mock.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });
    ec2Mock.on(DeleteSecurityGroupCommand).resolves({ Return: true });

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(ec2Calls()).toEqual(['DescribeSecurityGroupsCommand', 'RevokeSecurityGroupIngressCommand', 'RevokeSecurityGroupEgressCommand',
      'DeleteSecurityGroupCommand', 'DeleteSecurityGroupCommand']);
    expect(ec2Mock.commandCalls(DescribeSecurityGroupsCommand)[0].args[0].input).toEqual({
      Filters: [{ Name: 'vpc-id', Values: [VPC_ID] }, { Name: 'group-name', Values: [INBOUND_NAME, OUTBOUND_NAME] }],
    });
    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand)[0].args[0].input).toEqual({ GroupId: 'sg-0inbound', IpPermissions: [inboundRule] });
    expect(ec2Mock.commandCalls(RevokeSecurityGroupEgressCommand)[0].args[0].input).toEqual({ GroupId: 'sg-0outbound', IpPermissions: [outboundRule] });
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand).map((c) => c.args[0].input)).toEqual([{ GroupId: 'sg-0inbound' }, { GroupId: 'sg-0outbound' }]);
    // Only once SageMaker no longer finds the domain (its file system used the groups until then).
    const [firstEc2Call] = ec2Mock.calls();
    expect(firstEc2Call.calledAfter(describeCalls()[describeCalls().length - 1])).toBe(true);
    expect(sleeps).toEqual([POLL_MS]);
    const log = logs.join('\n');
    expect(log).toContain(`Deleted security group ${INBOUND_NAME} (sg-0inbound).`);
    expect(log).toContain(`Deleted security group ${OUTBOUND_NAME} (sg-0outbound).`);
    expect(log).toContain(`The NFS security groups of domain ${DOMAIN_ID} are deleted.`);
  });

  test('GIVEN a rule with several sources WHEN revoked THEN each source is revoked alone, and one already gone does not keep the others', async () => {
    domainDeletes();
    const [inbound, outbound] = nfsGroups();
    const many = {
      IpProtocol: '-1',
      UserIdGroupPairs: [{ GroupId: 'sg-0outbound', UserId: '111122223333', Description: 'nfs' }],
      IpRanges: [{ CidrIp: '10.0.0.0/16', Description: 'added by hand' }],
      Ipv6Ranges: [{ CidrIpv6: '2001:db8::/56' }],
      PrefixListIds: [{ PrefixListId: 'pl-0123' }],
    };
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ ...inbound, IpPermissions: [many] }, outbound] });
    ec2Mock.on(RevokeSecurityGroupIngressCommand)
      .rejectsOnce(ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.'))
      .resolves({ Return: true });
    ec2Mock.on(DeleteSecurityGroupCommand).resolves({ Return: true });

    await handle(cleanupEvent(), deps());

    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: 'sg-0inbound', IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-0outbound', UserId: '111122223333' }] }] },
      { GroupId: 'sg-0inbound', IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] },
      { GroupId: 'sg-0inbound', IpPermissions: [{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '2001:db8::/56' }] }] },
      { GroupId: 'sg-0inbound', IpPermissions: [{ IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-0123' }] }] },
    ]);
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(2);
  });

  test('GIVEN the groups are already gone WHEN the domain is gone THEN nothing is revoked or deleted, and the delete succeeds', async () => {
    domainDeletes();

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(ec2Calls()).toEqual(['DescribeSecurityGroupsCommand']);
    expect(logs.join('\n')).toContain(`The NFS security groups of domain ${DOMAIN_ID} are already gone from ${VPC_ID}.`);
  });

  test('GIVEN another deletion removes the groups meanwhile WHEN revoking or deleting says InvalidGroup.NotFound THEN that is success', async () => {
    domainDeletes();
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error('InvalidGroup.NotFound', "The security group 'sg-0inbound' does not exist"));
    ec2Mock.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });
    ec2Mock.on(DeleteSecurityGroupCommand).rejects(ec2Error('InvalidGroup.NotFound', "The security group 'sg-0outbound' does not exist"));

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    // The inbound group vanished while its rules were revoked: it is not deleted again.
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand).map((c) => c.args[0].input)).toEqual([{ GroupId: 'sg-0outbound' }]);
    expect(sleeps).toEqual([POLL_MS]);
  });

  test('GIVEN the domain was deleted by an earlier run whose cleanup failed WHEN the stack is deleted again THEN DeleteDomain says ResourceNotFound and the cleanup runs again, without polling', async () => {
    sagemakerMock.on(DeleteDomainCommand).rejects(notFound());
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(DeleteSecurityGroupCommand).resolves({ Return: true });

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(describeCalls()).toHaveLength(0);
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  test('GIVEN the mount targets\' network interfaces are still detaching WHEN a group says DependencyViolation THEN it is deleted again after 5 s, then 10 s, until it goes', async () => {
    domainDeletes();
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    const inUse = () => ec2Error('DependencyViolation', 'resource sg-0inbound has a dependent object');
    ec2Mock.on(DeleteSecurityGroupCommand, { GroupId: 'sg-0inbound' }).rejectsOnce(inUse()).rejectsOnce(inUse()).resolves({ Return: true });
    ec2Mock.on(DeleteSecurityGroupCommand, { GroupId: 'sg-0outbound' }).resolves({ Return: true });

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand).map((c) => c.args[0].input.GroupId))
      .toEqual(['sg-0inbound', 'sg-0outbound', 'sg-0inbound', 'sg-0inbound']);
    expect(sleeps).toEqual([POLL_MS, GROUP_RETRY_MS, 2 * GROUP_RETRY_MS]);
    expect(logs.join('\n')).toContain('Still in use, deleting again in 5 s: sg-0inbound.');
    expect(logs.join('\n')).toContain('are deleted');
  });

  test('GIVEN a group stays in use WHEN the function\'s time runs out THEN the delete fails with the groups, the commands and the way to skip, and never sleeps into the last 30 s', async () => {
    sagemakerMock.on(DeleteDomainCommand).rejects(notFound());
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(DeleteSecurityGroupCommand, { GroupId: 'sg-0inbound' }).rejects(ec2Error('DependencyViolation', 'resource sg-0inbound has a dependent object'));
    ec2Mock.on(DeleteSecurityGroupCommand, { GroupId: 'sg-0outbound' }).resolves({ Return: true });
    remaining = 60_000;

    const failure = handle(cleanupEvent(), deps());

    await expect(failure).rejects.toThrow(`Domain ${DOMAIN_ID} is deleted, but what SageMaker leaves in VPC ${VPC_ID} is not: ` +
      `the security groups ${INBOUND_NAME} (sg-0inbound) and ${OUTBOUND_NAME} (sg-0outbound) and the mount targets of ${FILE_SYSTEM_ID}.`);
    await expect(failure).rejects.toThrow('Deleting sg-0inbound failed: DependencyViolation: resource sg-0inbound has a dependent object');
    await expect(failure).rejects.toThrow('Delete the stack again to retry (the cleanup is idempotent)');
    await expect(failure).rejects.toThrow(`aws efs describe-mount-targets --file-system-id ${FILE_SYSTEM_ID}`);
    await expect(failure).rejects.toThrow('aws ec2 describe-security-group-rules --filters Name=group-id,Values=sg-0inbound,sg-0outbound');
    await expect(failure).rejects.toThrow('aws ec2 delete-security-group --group-id sg-0inbound; aws ec2 delete-security-group --group-id sg-0outbound');
    await expect(failure).rejects.toThrow(`aws cloudformation delete-stack --stack-name ${STACK_ID} --retain-resources ${LOGICAL_ID}`);
    // 60 s -> 55 s -> 45 s; a 20 s wait would end inside the 30 s margin.
    expect(sleeps).toEqual([GROUP_RETRY_MS, 2 * GROUP_RETRY_MS]);
    for (const left of remainingAtSleep) expect(left).toBeGreaterThan(30_000);
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand, { GroupId: 'sg-0inbound' })).toHaveLength(3);
  });

  test('GIVEN EC2 throttles each step once WHEN cleaning up THEN each call is retried with backoff and the groups end deleted', async () => {
    domainDeletes();
    const throttled = () => ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
    ec2Mock.on(DescribeSecurityGroupsCommand).rejectsOnce(throttled()).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(RevokeSecurityGroupIngressCommand).rejectsOnce(throttled()).resolves({ Return: true });
    ec2Mock.on(RevokeSecurityGroupEgressCommand).rejectsOnce(throttled()).resolves({ Return: true });
    ec2Mock.on(DeleteSecurityGroupCommand).rejectsOnce(throttled()).resolves({ Return: true });

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(ec2Calls()).toEqual(['DescribeSecurityGroupsCommand', 'DescribeSecurityGroupsCommand',
      'RevokeSecurityGroupIngressCommand', 'RevokeSecurityGroupIngressCommand',
      'RevokeSecurityGroupEgressCommand', 'RevokeSecurityGroupEgressCommand',
      'DeleteSecurityGroupCommand', 'DeleteSecurityGroupCommand', 'DeleteSecurityGroupCommand']);
    expect(sleeps).toEqual([POLL_MS, 200, 200, 200, 200]);
  });

  test('GIVEN EC2 throttles DeleteSecurityGroup on every attempt WHEN cleaning up THEN it gives up after MAX_ATTEMPTS per group and fails with the throttling error', async () => {
    domainDeletes();
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(DeleteSecurityGroupCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.'));

    await expect(handle(cleanupEvent(), deps())).rejects.toThrow('Deleting sg-0inbound failed: RequestLimitExceeded: Request limit exceeded.; ' +
      'Deleting sg-0outbound failed: RequestLimitExceeded: Request limit exceeded.');
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(2 * MAX_ATTEMPTS);
  });

  test.each([
    ['DescribeSecurityGroups', DescribeSecurityGroupsCommand, 'Looking the groups up failed', ['DescribeSecurityGroupsCommand']],
    ['RevokeSecurityGroupIngress', RevokeSecurityGroupIngressCommand, 'Revoking the rules of sg-0inbound failed', ['DescribeSecurityGroupsCommand', 'RevokeSecurityGroupIngressCommand']],
    ['DeleteSecurityGroup', DeleteSecurityGroupCommand, 'Deleting sg-0inbound failed', ['DescribeSecurityGroupsCommand', 'RevokeSecurityGroupIngressCommand', 'RevokeSecurityGroupEgressCommand', 'DeleteSecurityGroupCommand', 'DeleteSecurityGroupCommand']],
  ] as const)('GIVEN %s is denied WHEN cleaning up THEN it is not retried and the delete fails with the denial and the manual cleanup', async (action, command, problem, expectedCalls) => {
    domainDeletes();
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(command as typeof DeleteSecurityGroupCommand).rejects(ec2Error('UnauthorizedOperation', `You are not authorized to perform this operation. (ec2:${action})`));

    const failure = handle(cleanupEvent(), deps());

    await expect(failure).rejects.toMatchObject({ name: 'CleanupFailed' });
    await expect(failure).rejects.toThrow(`${problem}: UnauthorizedOperation: You are not authorized to perform this operation. (ec2:${action})`);
    await expect(failure).rejects.toThrow(INBOUND_NAME);
    await expect(failure).rejects.toThrow(OUTBOUND_NAME);
    await expect(failure).rejects.toThrow('aws ec2 delete-security-group');
    expect(ec2Calls()).toEqual(expectedCalls);
    expect(sleeps).toEqual([POLL_MS]);
  });

  test('GIVEN the lookup fails WHEN the groups\' ids are unknown THEN the manual cleanup finds them by VPC and name', async () => {
    domainDeletes();
    ec2Mock.on(DescribeSecurityGroupsCommand).rejects(ec2Error('UnauthorizedOperation', 'denied'));

    await expect(handle(cleanupEvent(), deps())).rejects.toThrow(
      `aws ec2 describe-security-group-rules --filters Name=vpc-id,Values=${VPC_ID} Name=group-name,Values=${INBOUND_NAME},${OUTBOUND_NAME}`);
  });

  test('GIVEN mount targets are left on the home file system WHEN the domain is gone THEN those not already deleting are deleted before the groups, which are deleted once the interfaces are gone', async () => {
    domainDeletes();
    efs.describeMountTargets
      .mockResolvedValueOnce({ MountTargets: [{ MountTargetId: 'fsmt-a', LifeCycleState: 'available' }], NextMarker: 'page-2' })
      .mockResolvedValueOnce({ MountTargets: [{ MountTargetId: 'fsmt-b', LifeCycleState: 'deleting' }, { MountTargetId: 'fsmt-c', LifeCycleState: 'available' }] });
    efs.deleteMountTarget.mockRejectedValueOnce(named('MountTargetNotFound', 'Mount target fsmt-a does not exist')).mockResolvedValue({});
    ec2Mock.on(DescribeSecurityGroupsCommand).callsFake(() => {
      // The groups are looked up only after the mount targets' deletion started.
      expect(efs.deleteMountTarget).toHaveBeenCalledTimes(2);
      return { SecurityGroups: nfsGroups() };
    });
    ec2Mock.on(DeleteSecurityGroupCommand, { GroupId: 'sg-0inbound' })
      .rejectsOnce(ec2Error('DependencyViolation', 'resource sg-0inbound has a dependent object')).resolves({ Return: true });
    ec2Mock.on(DeleteSecurityGroupCommand, { GroupId: 'sg-0outbound' }).resolves({ Return: true });

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(efs.describeMountTargets.mock.calls).toEqual([[{ FileSystemId: FILE_SYSTEM_ID }], [{ FileSystemId: FILE_SYSTEM_ID, Marker: 'page-2' }]]);
    expect(efs.deleteMountTarget.mock.calls).toEqual([[{ MountTargetId: 'fsmt-a' }], [{ MountTargetId: 'fsmt-c' }]]);
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(3);
    expect(sleeps).toEqual([POLL_MS, GROUP_RETRY_MS]);
    expect(logs.join('\n')).toContain(`Deleted 1 mount target(s) of ${FILE_SYSTEM_ID}.`);
  });

  test('GIVEN the file system is gone WHEN DescribeMountTargets says FileSystemNotFound THEN no mount target is deleted and the groups still are', async () => {
    domainDeletes();
    efs.describeMountTargets.mockRejectedValue(named('FileSystemNotFound', `File system '${FILE_SYSTEM_ID}' does not exist.`));
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(DeleteSecurityGroupCommand).resolves({ Return: true });

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(efs.deleteMountTarget).not.toHaveBeenCalled();
    expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(2);
  });

  test('GIVEN EFS throttles WHEN deleting a mount target THEN it is retried with backoff', async () => {
    domainDeletes();
    efs.describeMountTargets.mockResolvedValue({ MountTargets: [{ MountTargetId: 'fsmt-a', LifeCycleState: 'available' }] });
    efs.deleteMountTarget.mockRejectedValueOnce(named('ThrottlingException', 'Rate exceeded')).mockResolvedValue({});

    await expect(handle(cleanupEvent(), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(efs.deleteMountTarget).toHaveBeenCalledTimes(2);
    expect(sleeps).toEqual([POLL_MS, 200]);
  });

  test('GIVEN deleting a mount target is denied WHEN cleaning up THEN the groups are not touched and the delete fails with the denial and the manual cleanup', async () => {
    domainDeletes();
    efs.describeMountTargets.mockResolvedValue({ MountTargets: [{ MountTargetId: 'fsmt-a', LifeCycleState: 'available' }] });
    efs.deleteMountTarget.mockRejectedValue(named('AccessDeniedException', 'not authorized to perform ec2:DeleteNetworkInterface'));

    const failure = handle(cleanupEvent(), deps());

    await expect(failure).rejects.toThrow('Deleting the mount targets failed: AccessDeniedException: not authorized to perform ec2:DeleteNetworkInterface');
    await expect(failure).rejects.toThrow(`aws efs describe-mount-targets --file-system-id ${FILE_SYSTEM_ID}; aws efs delete-mount-target --mount-target-id <id> for each`);
    expect(efs.deleteMountTarget).toHaveBeenCalledTimes(1);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test('GIVEN DescribeMountTargets is denied WHEN cleaning up THEN it is not retried, the groups are not touched, and the delete fails with the denial', async () => {
    domainDeletes();
    efs.describeMountTargets.mockRejectedValue(named('AccessDeniedException', 'not authorized to perform elasticfilesystem:DescribeMountTargets'));

    await expect(handle(cleanupEvent(), deps())).rejects.toThrow(
      'Deleting the mount targets failed: AccessDeniedException: not authorized to perform elasticfilesystem:DescribeMountTargets');
    expect(efs.describeMountTargets).toHaveBeenCalledTimes(1);
    expect(efs.deleteMountTarget).not.toHaveBeenCalled();
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  test('GIVEN a resource from before the VPC and file system were passed WHEN deleted THEN the domain is deleted and nothing is looked for', async () => {
    domainDeletes();

    await expect(handle(event('Delete', 'Delete', DOMAIN_ID), deps())).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });

    expect(ec2Mock.calls()).toHaveLength(0);
    expect(efs.describeMountTargets).not.toHaveBeenCalled();
    expect(logs.join('\n')).toContain(`No VPC id in the properties: the NFS security groups ${INBOUND_NAME} and ${OUTBOUND_NAME} are not looked for.`);
  });

  test('GIVEN no CloudFormation ids in the event WHEN the cleanup fails THEN the error has no --retain-resources command', async () => {
    sagemakerMock.on(DeleteDomainCommand).rejects(notFound());
    ec2Mock.on(DescribeSecurityGroupsCommand).rejects(ec2Error('UnauthorizedOperation', 'denied'));
    const bare = event('Delete', 'Delete', DOMAIN_ID, { VpcId: VPC_ID });

    const failure = handle(bare, deps());

    await expect(failure).rejects.toThrow(`${INBOUND_NAME} and ${OUTBOUND_NAME}. They keep`);
    await expect(failure).rejects.not.toThrow('--retain-resources');
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

  test('GIVEN the Lambda entry point WHEN the cleanup reaches the file system THEN it loads @aws-sdk/client-efs from the runtime and uses the EC2 client', async () => {
    sagemakerMock.on(DeleteDomainCommand).rejects(notFound());
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: nfsGroups() });
    ec2Mock.on(DeleteSecurityGroupCommand).resolves({ Return: true });
    efsRuntime.sent = [];
    efsRuntime.mountTargets = [{ MountTargetId: 'fsmt-a', LifeCycleState: 'available' }];
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await expect(handler(cleanupEvent(), { getRemainingTimeInMillis: () => 10 * 60_000 })).resolves.toEqual({ PhysicalResourceId: DOMAIN_ID });
      expect(efsRuntime.sent).toEqual([
        { command: 'DescribeMountTargetsCommand', input: { FileSystemId: FILE_SYSTEM_ID } },
        { command: 'DeleteMountTargetCommand', input: { MountTargetId: 'fsmt-a' } },
      ]);
      expect(ec2Mock.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(2);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('are deleted'));
    } finally {
      log.mockRestore();
    }
  });
});
