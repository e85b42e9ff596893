/**
 * Deletes a Studio domain together with its home EFS file system, when the construct was told to, then
 * removes what SageMaker leaves behind in the VPC.
 *
 * CloudFormation's own delete of AWS::SageMaker::Domain calls DeleteDomain without a retention policy,
 * and the API's default keeps the home file system
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RetentionPolicy.html). When the user
 * chose `HomeFileSystemRetention.DELETE`, this handler runs first (the user profiles wait for it, and it
 * waits for the domain), calls DeleteDomain with `HomeEfsFileSystem: Delete`, and waits until the domain
 * is gone, so that CloudFormation's delete then finds nothing left to do.
 *
 * What SageMaker leaves behind: the two security groups it created for the domain's NFS traffic,
 * `security-group-for-inbound-nfs-<domain id>` and `security-group-for-outbound-nfs-<domain id>` (names
 * as the SageMaker Developer Guide gives them, "Migrate data from Studio Classic to Studio", step "Allow
 * traffic between the source and target NFS mounts":
 * https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-migrate-data.html). DeleteDomain does not
 * delete them, each has a rule that refers to the other, and they keep the VPC's subnets and the VPC from
 * being deleted. Once the domain is gone, this handler deletes the mount targets still on the home file
 * system (if it still exists), revokes every rule of both groups (so that neither refers to the other),
 * then deletes them; a group found in use (DependencyViolation, while the mount targets' network
 * interfaces go away) is retried with backoff within the function's time. Every step is idempotent: a
 * mount target, rule or group already gone counts as done.
 *
 * A cleanup that cannot finish fails the Delete, with an error that names the groups, the file system
 * and the commands that remove them. Succeeding instead would only move the failure to the subnets,
 * after this resource is gone and can no longer help, with EC2's bare "has dependencies". Failing keeps
 * the cleanup with CloudFormation: deleting the stack again runs it again, and it succeeds as soon as the
 * groups and mount targets are gone, whoever removed them, so the stack is never stuck in DELETE_FAILED
 * for good; the error also gives the `--retain-resources` command that skips this resource.
 *
 * Only a Delete event whose last properties say `Delete` does anything: changing the option back to
 * `Retain` is an Update and deletes nothing, and with `Retain` the groups and mount targets are left
 * alone (the file system is kept, and the synth warning `retainedHomeBlocksVpcDeletion` gives the
 * manual cleanup). SageMaker deletes the file system with its service-linked role.
 */
import {
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  IpPermission,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import { DeleteDomainCommand, DescribeDomainCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { errorText, withRetry } from './private/handler-support';

export interface DomainDeletionProperties {
  readonly DomainId: string;
  /** `Retain` or `Delete`. */
  readonly HomeEfsFileSystem: string;
  /** The domain's VPC, where SageMaker created the NFS security groups. Absent: the groups are not looked for. */
  readonly VpcId?: string;
  /** The domain's home file system (`HomeEfsFileSystemId`). Absent: its mount targets are not looked for. */
  readonly HomeEfsFileSystemId?: string;
}

export interface DomainDeletionEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  /** Sent by CloudFormation: named in the error's `--retain-resources` command. */
  readonly StackId?: string;
  readonly LogicalResourceId?: string;
  readonly ResourceProperties: DomainDeletionProperties;
}

/** A mount target as EFS's DescribeMountTargets describes it (the fields used here). */
export interface MountTargetDescription {
  readonly MountTargetId?: string;
  readonly LifeCycleState?: string;
}

/**
 * The two EFS calls of the cleanup, in the shape of `@aws-sdk/client-efs`'s DescribeMountTargets and
 * DeleteMountTarget commands; errors carry the API's names (`FileSystemNotFound`, `MountTargetNotFound`).
 * `@aws-sdk/client-efs` is not a dependency of this project: the Lambda Node.js runtime ships every
 * client of the AWS SDK for JavaScript v3, and the bundle keeps `@aws-sdk/*` external, so `handler`
 * loads it there.
 */
export interface HomeFileSystemApi {
  describeMountTargets(input: { FileSystemId: string; Marker?: string }): Promise<{ MountTargets?: MountTargetDescription[]; NextMarker?: string }>;
  deleteMountTarget(input: { MountTargetId: string }): Promise<unknown>;
}

export interface Dependencies {
  readonly sagemaker: Pick<SageMakerClient, 'send'>;
  readonly ec2: Pick<EC2Client, 'send'>;
  readonly efs: HomeFileSystemApi;
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds left before the function times out. */
  readonly remainingMs: () => number;
  readonly log: (line: string) => void;
}

/** Time between two DescribeDomain calls while the domain is being deleted. */
const POLL_INTERVAL_MS = 15_000;
/** Stop waiting this long before the function's timeout, so that the answer still reaches CloudFormation. */
const SAFETY_MARGIN_MS = 30_000;
/** First wait before deleting a security group again that is still in use; doubles up to the maximum. */
const GROUP_RETRY_FIRST_MS = 5_000;
const GROUP_RETRY_MAX_MS = 60_000;

/** The names SageMaker gives the domain's NFS security groups (see the file's comment for the source). */
export function nfsSecurityGroupNames(domainId: string): [string, string] {
  return [`security-group-for-inbound-nfs-${domainId}`, `security-group-for-outbound-nfs-${domainId}`];
}

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

/** What is left to clean up, and how to do it by hand. */
interface Leftovers {
  readonly domainId: string;
  readonly vpcId?: string;
  readonly fileSystemId?: string;
  /** The groups: by name, and id once found. */
  groups: { name: string; id?: string }[];
}

/** The manual cleanup, as AWS CLI commands (one line, for a CloudFormation status reason). */
function manualCleanup(left: Leftovers): string {
  const steps: string[] = [];
  if (left.fileSystemId) {
    steps.push(`delete the mount targets of ${left.fileSystemId} (aws efs describe-mount-targets --file-system-id ${left.fileSystemId}; ` +
      'aws efs delete-mount-target --mount-target-id <id> for each)');
  }
  const ids = left.groups.filter((g) => g.id).map((g) => g.id!);
  const groupFilter = ids.length > 0
    ? `Name=group-id,Values=${ids.join(',')}`
    : `Name=vpc-id,Values=${left.vpcId ?? '<vpc id>'} Name=group-name,Values=${left.groups.map((g) => g.name).join(',')}`;
  steps.push(`revoke every rule of the groups (aws ec2 describe-security-group-rules --filters ${groupFilter}; ` +
    'aws ec2 revoke-security-group-ingress --group-id <group id> --security-group-rule-ids <ids of its inbound rules>, ' +
    'and revoke-security-group-egress for its outbound ones)');
  steps.push(`delete them (${(ids.length > 0 ? ids : ['<group id>']).map((id) => `aws ec2 delete-security-group --group-id ${id}`).join('; ')})`);
  return steps.map((s, i) => `${i + 1}. ${s}`).join(' ');
}

function describeGroups(groups: Leftovers['groups']): string {
  return groups.map((g) => (g.id ? `${g.name} (${g.id})` : g.name)).join(' and ');
}

class CleanupFailed extends Error {
  constructor(left: Leftovers, problems: string[], event: DomainDeletionEvent) {
    const skip = event.StackId && event.LogicalResourceId
      ? ` To skip this cleanup instead: aws cloudformation delete-stack --stack-name ${event.StackId} --retain-resources ${event.LogicalResourceId}.`
      : '';
    super(`Domain ${left.domainId} is deleted, but what SageMaker leaves in VPC ${left.vpcId ?? '(unknown)'} is not: ` +
      `the security groups ${describeGroups(left.groups)}` + (left.fileSystemId ? ` and the mount targets of ${left.fileSystemId}` : '') +
      `. They keep the VPC's subnets from being deleted. ${problems.join('; ').replace(/\.$/, '')}. ` +
      `Delete the stack again to retry (the cleanup is idempotent), or remove them yourself first: ${manualCleanup(left)}.${skip}`);
    this.name = 'CleanupFailed';
  }
}

/** Deletes the file system's mount targets; nothing if the file system is gone. Returns how many it deleted. */
async function deleteMountTargets(fileSystemId: string, deps: Dependencies): Promise<number> {
  const targets: MountTargetDescription[] = [];
  try {
    let marker: string | undefined;
    do {
      const input = { FileSystemId: fileSystemId, ...(marker ? { Marker: marker } : {}) };
      const page = await withRetry(deps.sleep, () => deps.efs.describeMountTargets(input));
      targets.push(...page.MountTargets ?? []);
      marker = page.NextMarker;
    } while (marker);
  } catch (error) {
    if (errorName(error) === 'FileSystemNotFound') return 0;
    throw error;
  }
  let deleted = 0;
  for (const target of targets) {
    if (!target.MountTargetId || target.LifeCycleState === 'deleting' || target.LifeCycleState === 'deleted') continue;
    try {
      await withRetry(deps.sleep, () => deps.efs.deleteMountTarget({ MountTargetId: target.MountTargetId! }));
      deleted++;
    } catch (error) {
      if (errorName(error) !== 'MountTargetNotFound') throw error;
    }
  }
  return deleted;
}

/**
 * The rules of a permission list, one source each: a rule that is already gone then fails alone
 * (InvalidPermission.NotFound) instead of taking the others of its call with it.
 */
function singleRules(permissions: IpPermission[] | undefined): IpPermission[] {
  const rules: IpPermission[] = [];
  for (const p of permissions ?? []) {
    const base: IpPermission = { IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort };
    for (const pair of p.UserIdGroupPairs ?? []) rules.push({ ...base, UserIdGroupPairs: [{ GroupId: pair.GroupId, UserId: pair.UserId }] });
    for (const range of p.IpRanges ?? []) rules.push({ ...base, IpRanges: [{ CidrIp: range.CidrIp }] });
    for (const range of p.Ipv6Ranges ?? []) rules.push({ ...base, Ipv6Ranges: [{ CidrIpv6: range.CidrIpv6 }] });
    for (const list of p.PrefixListIds ?? []) rules.push({ ...base, PrefixListIds: [{ PrefixListId: list.PrefixListId }] });
  }
  return rules;
}

/** Revokes every inbound and outbound rule of the group. Returns false if the group is already gone. */
async function revokeAllRules(group: SecurityGroup, deps: Dependencies): Promise<boolean> {
  const GroupId = group.GroupId!;
  const calls = [
    ...singleRules(group.IpPermissions)
      .map((rule) => () => deps.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [rule] }))),
    ...singleRules(group.IpPermissionsEgress)
      .map((rule) => () => deps.ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [rule] }))),
  ];
  for (const call of calls) {
    try {
      await withRetry(deps.sleep, call);
    } catch (error) {
      if (errorName(error) === 'InvalidGroup.NotFound') return false;
      if (errorName(error) !== 'InvalidPermission.NotFound') throw error;
    }
  }
  return true;
}

/**
 * Deletes the groups, retrying those still in use (DependencyViolation) with backoff while the
 * function has time. Returns the groups it could not delete, with the last error of each.
 */
async function deleteGroups(groups: SecurityGroup[], deps: Dependencies): Promise<{ group: SecurityGroup; error: unknown }[]> {
  const failures: { group: SecurityGroup; error: unknown }[] = [];
  let pending = groups;
  let delay = GROUP_RETRY_FIRST_MS;
  while (pending.length > 0) {
    const inUse: { group: SecurityGroup; error: unknown }[] = [];
    for (const group of pending) {
      try {
        await withRetry(deps.sleep, () => deps.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId })));
        deps.log(`Deleted security group ${group.GroupName} (${group.GroupId}).`);
      } catch (error) {
        if (errorName(error) === 'InvalidGroup.NotFound') continue;
        (errorName(error) === 'DependencyViolation' ? inUse : failures).push({ group, error });
      }
    }
    if (inUse.length === 0) break;
    if (deps.remainingMs() - delay <= SAFETY_MARGIN_MS) {
      failures.push(...inUse);
      break;
    }
    deps.log(`Still in use, deleting again in ${delay / 1000} s: ${inUse.map((f) => f.group.GroupId).join(', ')}.`);
    await deps.sleep(delay);
    pending = inUse.map((f) => f.group);
    delay = Math.min(delay * 2, GROUP_RETRY_MAX_MS);
  }
  return failures;
}

/** Removes the home file system's mount targets and the NFS security groups, after the domain is gone. */
async function cleanUp(event: DomainDeletionEvent, deps: Dependencies): Promise<void> {
  const { DomainId: domainId, VpcId: vpcId, HomeEfsFileSystemId: fileSystemId } = event.ResourceProperties;
  const names = nfsSecurityGroupNames(domainId);
  const left: Leftovers = {
    domainId, vpcId, fileSystemId, groups: names.map((name) => ({ name })),
  };
  if (fileSystemId) {
    try {
      const deleted = await deleteMountTargets(fileSystemId, deps);
      if (deleted > 0) deps.log(`Deleted ${deleted} mount target(s) of ${fileSystemId}.`);
    } catch (error) {
      throw new CleanupFailed(left, [`Deleting the mount targets failed: ${errorText(error)}`], event);
    }
  }
  if (!vpcId) {
    deps.log(`No VPC id in the properties: the NFS security groups ${names.join(' and ')} are not looked for.`);
    return;
  }

  let groups: SecurityGroup[];
  try {
    const found = await withRetry(deps.sleep, () => deps.ec2.send(new DescribeSecurityGroupsCommand({
      Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: names }],
    })));
    // The filters match exactly; checked again so that nothing else in the account is ever touched.
    groups = (found.SecurityGroups ?? []).filter((g) => g.GroupId && g.VpcId === vpcId && names.includes(g.GroupName ?? ''));
  } catch (error) {
    throw new CleanupFailed(left, [`Looking the groups up failed: ${errorText(error)}`], event);
  }
  if (groups.length === 0) {
    deps.log(`The NFS security groups of domain ${domainId} are already gone from ${vpcId}.`);
    return;
  }
  left.groups = groups.map((g) => ({ name: g.GroupName!, id: g.GroupId! }));

  // They refer to each other: every rule of both goes first, then the groups.
  const present: SecurityGroup[] = [];
  for (const group of groups) {
    try {
      if (await revokeAllRules(group, deps)) present.push(group);
    } catch (error) {
      throw new CleanupFailed(left, [`Revoking the rules of ${group.GroupId} failed: ${errorText(error)}`], event);
    }
  }
  const failures = await deleteGroups(present, deps);
  if (failures.length > 0) {
    throw new CleanupFailed(left, failures.map((f) => `Deleting ${f.group.GroupId} failed: ${errorText(f.error)}`), event);
  }
  deps.log(`The NFS security groups of domain ${domainId} are deleted.`);
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
  let alreadyGone = false;
  try {
    await withRetry(deps.sleep, () => deps.sagemaker.send(new DeleteDomainCommand({
      DomainId: domainId,
      RetentionPolicy: { HomeEfsFileSystem: 'Delete' },
    })));
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFound') {
      if (errorName(error) === 'ResourceInUse') {
        throw new Error(`Domain ${domainId} still holds user profiles, spaces or apps that this stack did not create: ` +
          `delete the apps and spaces (Studio, or the DeleteApp and DeleteSpace APIs), then delete the stack again. (${(error as Error).message})`);
      }
      throw error;
    }
    // Gone already (deleted outside the stack, or by an earlier run whose cleanup failed): clean up again.
    alreadyGone = true;
    deps.log(`Domain ${domainId} no longer exists.`);
  }
  const gone = alreadyGone || await waitUntilDeleted(domainId, deps);
  if (!gone) {
    const [inbound, outbound] = nfsSecurityGroupNames(domainId);
    deps.log(`Domain ${domainId} is still being deleted; SageMaker deletes its home file system when it finishes. ` +
      `Its NFS security groups ${inbound} and ${outbound} stay in ${event.ResourceProperties.VpcId ?? 'the VPC'} and keep the subnets ` +
      'from being deleted: once the domain is gone, revoke their rules and delete them ' +
      '(aws ec2 revoke-security-group-ingress / revoke-security-group-egress, then aws ec2 delete-security-group).');
    return { PhysicalResourceId: physicalId };
  }
  if (!alreadyGone) deps.log(`Domain ${domainId} and its home file system are deleted.`);
  await cleanUp(event, deps);
  return { PhysicalResourceId: physicalId };
}

const client = new SageMakerClient({});
const ec2Client = new EC2Client({});

/** `@aws-sdk/client-efs` from the Lambda runtime, loaded on first use (see `HomeFileSystemApi`). */
function runtimeEfs(): HomeFileSystemApi {
  // A name, not a literal: the package is not installed here (no import to resolve), and esbuild leaves
  // the call alone, so that the runtime's copy is loaded.
  const moduleName = '@aws-sdk/client-efs';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const efs = require(moduleName) as {
    EFSClient: new (config: object) => { send(command: unknown): Promise<unknown> };
    DescribeMountTargetsCommand: new (input: object) => unknown;
    DeleteMountTargetCommand: new (input: object) => unknown;
  };
  const efsClient = new efs.EFSClient({});
  type Described = Awaited<ReturnType<HomeFileSystemApi['describeMountTargets']>>;
  return {
    describeMountTargets: (input) => efsClient.send(new efs.DescribeMountTargetsCommand(input)) as Promise<Described>,
    deleteMountTarget: (input) => efsClient.send(new efs.DeleteMountTargetCommand(input)),
  };
}

let efsApi: HomeFileSystemApi | undefined;
const lazyEfs: HomeFileSystemApi = {
  describeMountTargets: (input) => (efsApi ??= runtimeEfs()).describeMountTargets(input),
  deleteMountTarget: (input) => (efsApi ??= runtimeEfs()).deleteMountTarget(input),
};

export async function handler(event: DomainDeletionEvent, context: { getRemainingTimeInMillis(): number }): Promise<{ PhysicalResourceId: string }> {
  return handle(event, {
    sagemaker: client,
    ec2: ec2Client,
    efs: lazyEfs,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    remainingMs: () => context.getRemainingTimeInMillis(),
    log: (line) => console.log(line),
  });
}
