import * as crypto from 'crypto';
import { Annotations, Aws, Duration, Lazy, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IDependable } from 'constructs';
import { EndpointSet } from './endpoint-set';
import { NoInternetStudioDomainDeletionFunction } from './no-internet-studio.domain-deletion-function';
import { IPipConfigurable, PipEnvironment } from './pip-configurable';
import { acknowledgeNagFindings } from './private/acknowledge';
import { awsImageRegistryAccounts } from './private/endpoint-policies';
import { createKey } from './private/kms-key';
import { lifecycleContent, lifecycleScriptErrors } from './private/lifecycle-script';
import { ManagedPolicyGrantee } from './private/managed-policy-grantee';
import { deployDeployTimeHandler } from './private/scheduled-handler';
import { studioAppConnections } from './private/studio-apps';
import { invalid, KINDS, requireKinds, validateSageMakerName } from './private/validation';
import { Placement, placementOf, warnBareVpc, workloadSubnetSelection } from './private/workload-access';
import { StudioUserProfile, StudioUserProfileOptions } from './studio-user-profile';
import { IWorkloadNetwork } from './workload-network';

/**
 * UserSettings.SecurityGroups holds at most 5 groups, and SageMaker adds one of its own for NFS, so
 * "the number of security groups that you can specify is one less than the maximum" (CreateDomain API).
 */
const MAX_SECURITY_GROUPS = 4;
/** Domain and user profile names: `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}` (CreateDomain, CreateUserProfile APIs). */
const MAX_NAME_LENGTH = 63;
/** JumpStart's public models live in SageMaker's public hub, owned by the account named `aws`. */
const PUBLIC_HUB = 'SageMakerPublicHub';

/** How users sign in to the Studio domain. */
export enum StudioAuthMode {
  /** IAM: users open Studio with a presigned URL (CreatePresignedDomainUrl) for their user profile. */
  IAM = 'IAM',
  /** IAM Identity Center: each user profile is bound to an Identity Center user. */
  IAM_IDENTITY_CENTER = 'SSO',
}

/** What happens to the domain's home file system (EFS, the users' home directories) when the domain is deleted. */
export enum HomeFileSystemRetention {
  /** Keep the file system, and the users' data, after the domain is deleted (SageMaker's default). */
  RETAIN = 'Retain',
  /** Delete the file system with the domain: the users' home directories are lost. */
  DELETE = 'Delete',
}

/**
 * Properties of a `NoInternetStudio`.
 */
export interface NoInternetStudioProps {
  /**
   * The network of the domain (a `RestrictedEgressVpc`, or a `WorkloadNetwork` for a VPC you already
   * have): the domain's security groups register with its endpoints, and the `endpoints` set is added.
   *
   * @default - none: `vpc` must be given
   */
  readonly network?: IWorkloadNetwork;

  /**
   * A VPC without a network object. Its endpoints are then yours to create (a synth warning lists
   * them), and the apps get HTTPS to the whole VPC CIDR. Prefer `network`.
   *
   * @default - the network's VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of the domain, in at least two Availability Zones.
   *
   * @default - the network's workload subnets; otherwise the VPC's isolated subnets, or its private
   * subnets when it has no isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Name of the domain: 1 to 63 letters, digits and hyphens. Changing it replaces the domain.
   *
   * @default - derived from the construct path
   */
  readonly domainName?: string;

  /**
   * How users sign in.
   *
   * @default StudioAuthMode.IAM
   */
  readonly authMode?: StudioAuthMode;

  /**
   * Execution role of the users' apps and spaces. A role you bring is used as it is; its trust policy
   * must let `sagemaker.amazonaws.com` call both `sts:AssumeRole` and `sts:SetSourceIdentity`, because
   * the domain passes the user profile's name as source identity.
   *
   * @default - a least-privilege role: Studio in this domain, browsing and deploying JumpStart models
   * (unless `jumpStart` is false), Studio logs; grant more with aws-cdk-lib grants, e.g. `bucket.grantRead(studio)`
   */
  readonly role?: iam.IRole;

  /**
   * Whether the default execution role may browse JumpStart's public models, read their artifacts, and
   * create models from them, only in the domain's subnets and security groups or with network isolation
   * (`sagemaker:VpcSubnets`, `sagemaker:VpcSecurityGroupIds`, `sagemaker:NetworkIsolation`).
   *
   * @default true
   */
  readonly jumpStart?: boolean;

  /**
   * Whether the default execution role may also create and update SageMaker hosting endpoints (and
   * their configurations) in this account, which JumpStart's "Deploy" needs. CreateEndpointConfig and
   * CreateEndpoint take no network condition key: an endpoint runs whatever model of the account it
   * names, including one another principal created without a VPC, on SageMaker's network. So they are
   * not granted unless you choose to; models the role creates stay inside the perimeter either way.
   * Only with `jumpStart`.
   *
   * @default false
   */
  readonly jumpStartHosting?: boolean;

  /**
   * Security groups of the users' apps (at most 4: SageMaker adds its own NFS group). Groups you bring
   * are used as they are for the domain, the shared spaces and every user profile; nothing is added to
   * them, so they must allow what Studio needs (NFS 2049 and TCP 8192-65535 within the group, HTTPS to
   * the endpoints), and must be registered with the VPC's endpoints yourself
   * (`network.allowWorkload()`). All users' apps then share them.
   *
   * @default - a baseline group on every app (HTTPS to the VPC's endpoints and S3, no inbound rule), a
   * group for shared spaces, and one per user profile (as AWS recommends), the last two with NFS and
   * TCP 8192-65535 within themselves: one user's apps cannot reach another's
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Customer-managed key encrypting the domain's home file system and the spaces' storage.
   *
   * @default - a new key with automatic rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * User profiles to create.
   *
   * @default - none; add them with `addUserProfile()`
   */
  readonly userProfiles?: string[];

  /**
   * What happens to the home file system when the domain is deleted. `DELETE` deletes it through a
   * custom resource that calls DeleteDomain with `HomeEfsFileSystem: Delete`.
   *
   * @default HomeFileSystemRetention.RETAIN
   */
  readonly homeFileSystemRetention?: HomeFileSystemRetention;

  /**
   * The interface endpoints added to the `network` for Studio. With a bare `vpc`, create the endpoints
   * yourself.
   *
   * @default EndpointSet.STUDIO
   */
  readonly endpoints?: EndpointSet;
}

/**
 * A SageMaker Studio domain in VpcOnly mode, for a VPC with no internet access.
 *
 * - All app traffic stays in the VPC; AWS is reached through the VPC's endpoints.
 * - Security groups with explicit rules only; by default one per user profile.
 * - Execution role without AmazonSageMakerFullAccess or AmazonS3FullAccess.
 * - Home file system encrypted with a customer-managed key and kept when the domain is deleted.
 * - Actions taken from Studio are logged in CloudTrail with the user profile as source identity.
 */
export class NoInternetStudio extends Construct implements IPipConfigurable {
  /** The domain's id. */
  public readonly domainId: string;
  /** The domain's ARN. */
  public readonly domainArn: string;
  /** The domain's home file system (EFS) id. */
  public readonly homeEfsFileSystemId: string;
  /** The execution role. */
  public readonly role: iam.IRole;
  /** The principal to grant permissions to (the execution role). */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The key encrypting the home file system. */
  public readonly encryptionKey: kms.IKey;
  /** Network access of the domain's default and shared-space apps. */
  public readonly connections: ec2.Connections;
  /** The VPC of the domain. */
  public readonly vpc: ec2.IVpc;
  /** The domain's subnets. */
  public readonly subnets: ec2.ISubnet[];
  /** The network of the domain, when it was given one. */
  public readonly network?: IWorkloadNetwork;
  /** Where pip runs in this domain (for `CodeArtifactPypiMirror.configurePip()`). */
  public readonly pipEnvironment: PipEnvironment = PipEnvironment.STUDIO_JUPYTERLAB;
  /** The security groups given as `securityGroups`, which every user profile shares. */
  public readonly userSecurityGroups?: ec2.ISecurityGroup[];
  /**
   * What user profiles wait for: deleted before the resource that may delete the domain.
   *
   * @internal
   */
  public readonly _domainDeletion: IDependable;
  /** @internal */
  public readonly _usesIdentityCenter: boolean;

  private readonly domain: sagemaker.CfnDomain;
  private readonly jupyterLabStartCommands: string[] = [];
  private jupyterLabLifecycleConfig?: sagemaker.CfnStudioLifecycleConfig;
  private readonly placement: Placement;
  private readonly profiles = new Map<string, StudioUserProfile>();
  /** The security groups of shared spaces (the domain's default space settings). */
  private sharedSpaceGroupIds: string[] = [];

  constructor(scope: Construct, id: string, props: NoInternetStudioProps) {
    super(scope, id);

    requireKinds({
      role: [props.role, KINDS.role], encryptionKey: [props.encryptionKey, KINDS.key], securityGroups: [props.securityGroups, KINDS.securityGroup],
    });
    this.placement = placementOf(props);
    this.vpc = this.placement.vpc;
    this.network = props.network;
    const authMode = props.authMode ?? StudioAuthMode.IAM;
    this._usesIdentityCenter = authMode === StudioAuthMode.IAM_IDENTITY_CENTER;
    const domainName = props.domainName ?? Names.uniqueResourceName(this, { maxLength: MAX_NAME_LENGTH, separator: '-' });
    validateSageMakerName('domainName', domainName, MAX_NAME_LENGTH);
    if (props.securityGroups && (props.securityGroups.length === 0 || props.securityGroups.length > MAX_SECURITY_GROUPS)) {
      invalid('securityGroups', `hold 1 to ${MAX_SECURITY_GROUPS} security groups (SageMaker allows 5 and adds its own NFS group)`,
        props.securityGroups.length, 'merge rules into fewer groups, or leave securityGroups unset to get groups with Studio\'s rules');
    }

    const network = props.network;
    this.subnets = this.selectSubnets(props.vpcSubnets);
    if (network) {
      network.addEndpointSet(props.endpoints ?? EndpointSet.STUDIO);
    } else {
      warnBareVpc(this, (props.endpoints ?? EndpointSet.STUDIO).services.map((s) => s.shortName));
    }

    this.encryptionKey = props.encryptionKey ?? createKey(this, 'HomeKey', {
      description: 'Encrypts the home file system and space storage of a SageMaker Studio domain',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.userSecurityGroups = props.securityGroups;
    // SageMaker adds a profile's security groups to the domain's default ones ("SecurityGroups is
    // aggregated when specified in both calls", CreateDomain API): the default group is on every app, so
    // it has no inbound rule at all, and the app-to-app rules live in per-profile and shared-space groups.
    const domainConnections = studioAppConnections(this, 'SecurityGroup', 'SageMaker Studio apps, baseline of every app', false,
      this.placement, props.securityGroups);
    this.connections = domainConnections;
    const securityGroupIds = domainConnections.securityGroups.map((sg) => sg.securityGroupId);
    const sharedSpaceGroupIds = this.sharedSpaceGroupIds = studioAppConnections(this, 'SharedSpaceSecurityGroup', 'SageMaker Studio shared spaces', true,
      this.placement, props.securityGroups).securityGroups.map((sg) => sg.securityGroupId);

    let executionPolicy: iam.ManagedPolicy | undefined;
    let role: iam.IRole;
    if (props.role) {
      role = props.role;
      this.grantPrincipal = role;
    } else {
      const created = new iam.Role(this, 'ExecutionRole', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
        description: 'Execution role of SageMaker Studio apps in a domain without internet access',
      });
      // ExecutionRoleIdentityConfig USER_PROFILE_NAME passes the profile name as source identity when
      // SageMaker assumes the role, which the trust policy must allow.
      created.assumeRolePolicy?.addStatements(new iam.PolicyStatement({
        actions: ['sts:SetSourceIdentity'],
        principals: [new iam.ServicePrincipal('sagemaker.amazonaws.com')],
      }));
      executionPolicy = new iam.ManagedPolicy(this, 'ExecutionPolicy', {
        description: 'Least privilege of SageMaker Studio apps in one domain; grants add to it',
        roles: [created],
      });
      role = created;
      this.grantPrincipal = new ManagedPolicyGrantee(created, executionPolicy);
    }
    this.role = role;

    this.domain = new sagemaker.CfnDomain(this, 'Resource', {
      domainName,
      authMode,
      appNetworkAccessType: 'VpcOnly',
      vpcId: this.vpc.vpcId,
      subnetIds: this.subnets.map((s) => s.subnetId),
      kmsKeyId: this.encryptionKey.keyArn,
      domainSettings: {
        // CloudTrail records who acted: the user profile's name is the session's source identity.
        executionRoleIdentityConfig: 'USER_PROFILE_NAME',
        dockerSettings: { enableDockerAccess: 'DISABLED' },
      },
      defaultUserSettings: {
        executionRole: role.roleArn,
        securityGroups: securityGroupIds,
        studioWebPortal: 'ENABLED',
        defaultLandingUri: 'studio::',
        // Notebook sharing writes snapshots to an S3 bucket of the user's choice: off until one is configured.
        sharingSettings: { notebookOutputOption: 'Disabled' },
        jupyterLabAppSettings: Lazy.any({ produce: () => this.jupyterLabAppSettings() }),
      },
      // Shared spaces take their settings from here, not from the user settings.
      defaultSpaceSettings: {
        executionRole: role.roleArn,
        securityGroups: sharedSpaceGroupIds,
        jupyterLabAppSettings: Lazy.any({ produce: () => this.jupyterLabAppSettings() }),
      },
    });
    this.domainId = this.domain.attrDomainId;
    this.domainArn = this.domain.attrDomainArn;
    this.homeEfsFileSystemId = this.domain.attrHomeEfsFileSystemId;
    // The policy names the domain, so it is created after it; users start apps only once both exist.
    if (props.jumpStartHosting && props.jumpStart === false) {
      invalid('jumpStartHosting', 'be given only with jumpStart (hosting serves the models JumpStart creates)', props.jumpStartHosting,
        'remove jumpStartHosting, or leave jumpStart on');
    }
    if (props.jumpStartHosting && props.role) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:jumpStartHostingWithOwnRole',
        'jumpStartHosting configures the execution role the domain creates; the role you brought is used as it is.');
    }
    if (executionPolicy) {
      this.addExecutionPolicyStatements(executionPolicy, role, props.jumpStart ?? true, props.jumpStartHosting ?? false);
      // The domain's key also encrypts the spaces' storage volumes, which SageMaker creates with the
      // execution role (EBS needs these on a customer-managed key).
      this.encryptionKey.grant(this.grantPrincipal, 'kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant');
    }
    if ((props.homeFileSystemRetention ?? HomeFileSystemRetention.RETAIN) === HomeFileSystemRetention.RETAIN && network
      && Stack.of(network) === Stack.of(this)) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:retainedHomeBlocksVpcDeletion',
        'The home file system is kept when the domain is deleted: its mount targets stay in the workload subnets of this stack\'s VPC, ' +
        'and so do the two security groups SageMaker created for NFS, security-group-for-inbound-nfs-<domain id> and ' +
        'security-group-for-outbound-nfs-<domain id>, which refer to each other. Deleting (or rolling back the creation of) this stack ' +
        'then fails at the subnets until you remove them: 1. delete the mount targets (the data stays): ' +
        'aws efs describe-mount-targets --file-system-id <home file system id> (the domain\'s HomeEfsFileSystemId), then ' +
        'aws efs delete-mount-target --mount-target-id <id> for each; 2. find the groups: aws ec2 describe-security-groups ' +
        '--filters Name=vpc-id,Values=<vpc id> Name=group-name,Values=security-group-for-inbound-nfs-<domain id>,security-group-for-outbound-nfs-<domain id> ' +
        '--query "SecurityGroups[].GroupId"; 3. revoke every rule of both: aws ec2 describe-security-group-rules --filters Name=group-id,Values=<group id> ' +
        'then aws ec2 revoke-security-group-ingress --group-id <group id> --security-group-rule-ids <inbound rule ids> and ' +
        'aws ec2 revoke-security-group-egress --group-id <group id> --security-group-rule-ids <outbound rule ids>; ' +
        '4. aws ec2 delete-security-group --group-id <group id> for each (retry while it says DependencyViolation: the mount targets\' ' +
        'interfaces take a few minutes to go); 5. delete the stack again. ' +
        'Put the VPC in its own stack, or set homeFileSystemRetention to HomeFileSystemRetention.DELETE, which does this itself.');
    }

    // Present in both modes: switching DELETE back to RETAIN must be an Update of this resource, never a
    // Delete event that would act on the old DELETE setting.
    this._domainDeletion = this.createDomainDeletion(props.homeFileSystemRetention ?? HomeFileSystemRetention.RETAIN);

    for (const name of props.userProfiles ?? []) {
      this.addUserProfile(name);
    }
  }

  /** The user profiles created so far. */
  public get userProfiles(): StudioUserProfile[] {
    return [...this.profiles.values()];
  }

  /**
   * Adds a user profile. Unless `securityGroups` were given, the profile gets its own security group
   * with Studio's rules, so that one user's apps cannot reach another's.
   *
   * @param name profile name: 1 to 63 letters, digits and hyphens (SageMaker compares names case-insensitively)
   */
  public addUserProfile(name: string, options: StudioUserProfileOptions = {}): StudioUserProfile {
    validateSageMakerName('userProfiles', name, MAX_NAME_LENGTH);
    this.rejectDuplicateProfile('userProfiles', name);
    return new StudioUserProfile(this, `UserProfile-${name}`, { ...options, studio: this, userProfileName: name });
  }

  /**
   * Records a profile of this domain, refusing a second one of the same name.
   *
   * @internal
   */
  public _registerUserProfile(profile: StudioUserProfile): void {
    this.rejectDuplicateProfile('userProfileName', profile.userProfileName);
    this.profiles.set(profileKey(profile.userProfileName), profile);
  }

  private rejectDuplicateProfile(prop: string, name: string): void {
    if (this.profiles.has(profileKey(name))) {
      invalid(prop, 'name each user profile once (SageMaker compares profile names case-insensitively)', name, 'remove the duplicate');
    }
  }

  /**
   * Adds shell commands to the built-in lifecycle script of the domain's JupyterLab apps, in private and
   * shared spaces: it runs at every start of an app, users cannot opt out of it, and their own default
   * script runs after it. The commands run as the app's user, with `set -euo pipefail`; SageMaker stops
   * a script after 5 minutes, and a failed script fails the app's start.
   */
  public addJupyterLabStartCommands(...commands: string[]): void {
    this.jupyterLabStartCommands.push(...commands);
    if (this.jupyterLabLifecycleConfig) return;
    const config: sagemaker.CfnStudioLifecycleConfig = new sagemaker.CfnStudioLifecycleConfig(this, 'JupyterLabLifecycleConfig', {
      studioLifecycleConfigAppType: 'JupyterLab',
      // SageMaker cannot update a Studio lifecycle configuration, so CloudFormation replaces it, creating
      // the new one first: its name must change with its content (names are unique per account and region).
      studioLifecycleConfigName: Lazy.string({
        produce: (): string => {
          // Tags are part of what is replaced (every property of the resource is "Update requires: Replacement").
          const content = JSON.stringify(Stack.of(config).resolve([config.studioLifecycleConfigContent, config.cdkTagManager.renderTags()]));
          const hash = crypto.createHash('sha256').update(content).digest('hex').slice(0, 8);
          return `${Names.uniqueResourceName(config, { maxLength: MAX_NAME_LENGTH - 9, separator: '-' })}-${hash}`;
        },
      }),
      studioLifecycleConfigContent: Lazy.string({ produce: () => lifecycleContent(this.jupyterLabStartCommands) }),
    });
    this.jupyterLabLifecycleConfig = config;
    this.node.addValidation({ validate: () => lifecycleScriptErrors('addJupyterLabStartCommands', this.jupyterLabStartCommands) });
  }

  /** Adds shell commands to the JupyterLab apps' start script (`addJupyterLabStartCommands()`). */
  public addStartCommands(...commands: string[]): void {
    this.addJupyterLabStartCommands(...commands);
  }

  /**
   * The JupyterLab settings of users and shared spaces: the lifecycle script as their built-in one, if
   * there is one. A built-in lifecycle configuration "is controlled by the administrator, always runs
   * when a space starts, and resolves dynamically from the domain settings at launch time"; a default
   * one is only pre-selected, and users may start without it (SageMaker developer guide, "Lifecycle
   * configurations within Amazon SageMaker Studio").
   */
  private jupyterLabAppSettings(): sagemaker.CfnDomain.JupyterLabAppSettingsProperty | undefined {
    const arn = this.jupyterLabLifecycleConfig?.attrStudioLifecycleConfigArn;
    if (!arn) return undefined;
    return { builtInLifecycleConfigArn: arn };
  }

  private selectSubnets(vpcSubnets?: ec2.SubnetSelection): ec2.ISubnet[] {
    const selection = workloadSubnetSelection(this.placement, vpcSubnets);
    const subnets = this.vpc.selectSubnets(selection).subnets;
    const zones = new Set(subnets.map((s) => s.availabilityZone));
    if (zones.size < 2) {
      invalid('vpcSubnets', 'select subnets in at least two Availability Zones (SageMaker requires it for a domain)',
        `${subnets.length} subnet(s) in ${zones.size} zone(s)`,
        'give the VPC two or more Availability Zones (RestrictedEgressVpc maxAzs >= 2, and an explicit env or availabilityZones on the stack) or select subnets from two zones');
    }
    const publicSubnets = new Set(this.vpc.publicSubnets.map((s) => s.node.path));
    if (subnets.some((s) => publicSubnets.has(s.node.path))) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:publicSubnet',
        'vpcSubnets selects a public subnet; place the Studio domain in private or isolated subnets.');
    }
    return subnets;
  }

  private addExecutionPolicyStatements(policy: iam.ManagedPolicy, role: iam.IRole, jumpStart: boolean, hosting: boolean): void {
    const arn = (resource: string, account: string = Aws.ACCOUNT_ID) => `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${account}:${resource}`;
    const domainId = this.domainId;
    const studioResources = [arn(`app/${domainId}/*`), arn(`space/${domainId}/*`)];
    const deployResources = [arn('model/*'), arn('endpoint-config/*'), arn('endpoint/*')];
    policy.addStatements(
      // The Studio UI calls SageMaker with the execution role of the signed-in profile.
      new iam.PolicyStatement({
        sid: 'StudioRead',
        actions: ['sagemaker:DescribeDomain', 'sagemaker:DescribeUserProfile', 'sagemaker:DescribeSpace', 'sagemaker:DescribeApp', 'sagemaker:ListTags'],
        resources: [arn(`domain/${domainId}`), arn(`user-profile/${domainId}/*`), ...studioResources],
      }),
      new iam.PolicyStatement({
        sid: 'StudioList',
        actions: ['sagemaker:ListApps', 'sagemaker:ListSpaces', 'sagemaker:ListUserProfiles', 'sagemaker:ListDomains'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'StudioSpacesAndApps',
        actions: ['sagemaker:CreateSpace', 'sagemaker:UpdateSpace', 'sagemaker:DeleteSpace', 'sagemaker:CreateApp', 'sagemaker:DeleteApp'],
        resources: studioResources,
      }),
      // Studio tags what it creates; tagging is allowed only as part of a create call.
      new iam.PolicyStatement({
        sid: 'TagOnCreate',
        actions: ['sagemaker:AddTags'],
        resources: [...studioResources, ...jumpStart ? deployResources : []],
        conditions: { Null: { 'sagemaker:TaggingAction': 'false' } },
      }),
      new iam.PolicyStatement({
        sid: 'StudioLogs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        resources: [
          `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/studio:*`,
          ...jumpStart ? [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/*`] : [],
        ],
      }),
    );
    const acks = [
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'SageMaker\'s List actions (ListApps, ListSpaces, ListUserProfiles, ListDomains) support no resource-level permissions; they return names and status only.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:app/<${this.logicalIdOfDomain()}.DomainId>/*]`, reason: 'Apps are created at run time by the users of this one domain, under names Studio chooses; the wildcard is confined to the domain.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:space/<${this.logicalIdOfDomain()}.DomainId>/*]`, reason: 'Spaces are created at run time by the users of this one domain; the wildcard is confined to the domain.' },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:user-profile/<${this.logicalIdOfDomain()}.DomainId>/*]`, reason: 'Studio reads the user profiles of this one domain; the wildcard is confined to the domain.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/studio:*]', reason: 'Studio names its log streams after the domain, profile and app at run time; the wildcard is confined to the Studio log group.' },
    ];
    if (jumpStart) {
      const buckets = [`jumpstart-cache-prod-${Aws.REGION}`, `jumpstart-private-cache-prod-${Aws.REGION}`];
      const awsRegistries = awsImageRegistryAccounts(Stack.of(this).region);
      const imageRegistryAccounts = [Aws.ACCOUNT_ID, ...awsRegistries];
      if (awsRegistries.length === 0) {
        Annotations.of(this).addWarningV2('cdk-sagemaker-egress:noKnownImageRegistry',
          `No AWS Deep Learning Containers registry is known for the region "${Stack.of(this).region}": the execution role may pull model images from this account's registry only, ` +
          'so JumpStart models whose images live in AWS\'s registry cannot be served. Grant the registry\'s repositories to the role (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ' +
          'ecr:BatchCheckLayerAvailability) and name them in the ECR endpoints\' allowedResourceArns.');
      }
      policy.addStatements(
        // JumpStart's catalogue is SageMaker's public hub, owned by the account `aws`.
        new iam.PolicyStatement({
          sid: 'JumpStartBrowse',
          actions: ['sagemaker:DescribeHub', 'sagemaker:ListHubContents', 'sagemaker:ListHubContentVersions', 'sagemaker:DescribeHubContent'],
          resources: [arn(`hub/${PUBLIC_HUB}`, 'aws'), arn(`hub-content/${PUBLIC_HUB}/*`, 'aws')],
        }),
        // Model manifests, scripts and artifacts (sagemaker-python-sdk jumpstart/constants.py), read through the S3 endpoint.
        new iam.PolicyStatement({
          sid: 'JumpStartArtifacts',
          actions: ['s3:GetObject', 's3:ListBucket'],
          resources: buckets.flatMap((b) => [`arn:${Aws.PARTITION}:s3:::${b}`, `arn:${Aws.PARTITION}:s3:::${b}/*`]),
        }),
        // A model is where hosting's network is decided: SageMaker runs an endpoint's containers with its
        // model's VpcConfig and EnableNetworkIsolation. Service Authorization Reference, "Actions,
        // resources, and condition keys for Amazon SageMaker AI"
        // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html):
        // CreateModel takes sagemaker:NetworkIsolation, sagemaker:VpcSecurityGroupIds and
        // sagemaker:VpcSubnets; CreateEndpointConfig and CreateEndpoint take none of them (the model
        // decides). So models are created only in the domain's subnets with the domain's security groups,
        // or with network isolation (no network at all). CreateTrainingJob and CreateProcessingJob take the
        // same three keys and are not granted (JumpStart deploys; add them with the same conditions to
        // fine-tune); CreateTransformJob takes none of them (only sagemaker:ModelArn) and is not granted.
        new iam.PolicyStatement({
          sid: 'JumpStartDeploy',
          actions: [
            'sagemaker:DescribeModel', 'sagemaker:DeleteModel',
            'sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig',
            'sagemaker:DescribeEndpoint', 'sagemaker:DeleteEndpoint',
            'sagemaker:InvokeEndpoint',
            // No network condition key exists for these: granted only by choice (jumpStartHosting).
            ...hosting ? ['sagemaker:CreateEndpointConfig', 'sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint'] : [],
          ],
          resources: deployResources,
        }),
        new iam.PolicyStatement({
          sid: 'JumpStartModelInDomainVpc',
          actions: ['sagemaker:CreateModel'],
          resources: [arn('model/*')],
          conditions: {
            'ForAllValues:StringEquals': {
              'sagemaker:VpcSubnets': this.subnets.map((subnet) => subnet.subnetId),
              // Any group of the domain's apps: the baseline, the shared spaces' and each profile's (profiles
              // added later included), since a deploy from a space passes that space's groups.
              'sagemaker:VpcSecurityGroupIds': Lazy.list({ produce: () => this.appSecurityGroupIds() }),
            },
            // ForAllValues is true when the key is absent (no VpcConfig): require both.
            'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'JumpStartModelIsolated',
          actions: ['sagemaker:CreateModel'],
          resources: [arn('model/*')],
          conditions: { Bool: { 'sagemaker:NetworkIsolation': 'true' } },
        }),
        // A model with a VpcConfig runs its endpoint's containers in the domain's VPC: SageMaker creates their
        // network interfaces with the model's execution role ("Give SageMaker AI Hosted Endpoints Access to
        // Resources in Your Amazon VPC", SageMaker developer guide), only with hosting. Creating and deleting
        // them is confined to the domain's VPC (ec2:Vpc); the Describe actions take no resource.
        ...hosting ? [
          new iam.PolicyStatement({
            sid: 'HostingNetworkInterfaces',
            actions: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
            resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:network-interface/*`, `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:subnet/*`,
              `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:security-group/*`],
            conditions: { ArnEquals: { 'ec2:Vpc': `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc/${this.vpc.vpcId}` } },
          }),
          new iam.PolicyStatement({
            sid: 'HostingNetworkDescribe',
            actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
            resources: ['*'],
          }),
        ] : [],
        // JumpStart deploys with the same role as the model's execution role.
        new iam.PolicyStatement({
          sid: 'JumpStartPassRole',
          actions: ['iam:PassRole'],
          resources: [role.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        }),
        // As a model's execution role: pull the inference image from this account's registry or from the
        // AWS-owned Deep Learning Containers registry of the region (awsImageRegistryAccounts: the source
        // is in ./private/endpoint-policies.ts; every one of them for an environment-agnostic stack). An
        // image of another AWS-owned registry (e.g. SageMaker's built-in algorithms, "Docker Registry
        // Paths and Example Code") needs a grant of its repository ARN to the role.
        new iam.PolicyStatement({
          sid: 'ModelImagePull',
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
          resources: imageRegistryAccounts.map((account) => `arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${account}:repository/*`),
        }),
        new iam.PolicyStatement({
          sid: 'ModelImageAuth',
          actions: ['ecr:GetAuthorizationToken'],
          resources: ['*'],
        }),
      );
      if (hosting) {
        acks.push(...['network-interface', 'subnet', 'security-group'].map((type) => ({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:${type}/*]`,
          reason: 'SageMaker creates a VPC-bound endpoint\'s network interfaces at run time with the model\'s execution role; confined to the domain\'s VPC by the ec2:Vpc condition.',
        })));
      }
      acks.push(
        { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:aws:hub-content/${PUBLIC_HUB}/*]`, reason: 'Read-only access to the models of SageMaker\'s public JumpStart hub (owned by AWS), which JumpStart lists in Studio.' },
        ...['jumpstart-cache-prod', 'jumpstart-private-cache-prod'].map((bucket) => ({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}-<AWS::Region>/*]`,
          reason: 'Read-only access to the objects of an AWS-owned JumpStart bucket of the region (model manifest, scripts, artifacts).',
        })),
        { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model/*]', reason: 'JumpStart names the models, endpoint configurations and endpoints it deploys at run time; the wildcard is confined to SageMaker hosting in this account and region.' },
        { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint-config/*]', reason: 'JumpStart names the endpoint configurations it deploys at run time; confined to this account and region.' },
        { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint/*]', reason: 'JumpStart names the endpoints it deploys at run time; confined to this account and region.' },
        { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/Endpoints/*]', reason: 'SageMaker hosting writes a deployed endpoint\'s logs to /aws/sagemaker/Endpoints/<endpoint name>, named at run time.' },
        { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*]', reason: 'Models may run images of this account\'s registry, whose repositories are named by their users; pulls are read-only.' },
        ...awsImageRegistryAccounts(Stack.of(this).region).map((account) => ({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:${account}:repository/*]`,
          reason: 'JumpStart\'s inference images live in the AWS-owned Deep Learning Containers registry of the region, one repository per framework; pulls are read-only and also need the registry\'s own policy.',
        })),
      );
    }
    acknowledgeNagFindings(policy.node.defaultChild as iam.CfnManagedPolicy, acks);
  }

  /** Every security group of the domain's apps, for the CreateModel condition. */
  private appSecurityGroupIds(): string[] {
    const ids = [
      ...this.connections.securityGroups.map((group) => group.securityGroupId),
      ...this.sharedSpaceGroupIds,
      ...[...this.profiles.values()].flatMap((profile) => profile.connections.securityGroups.map((group) => group.securityGroupId)),
    ];
    return [...new Set(ids)];
  }

  private logicalIdOfDomain(): string {
    return this.domain.stack.getLogicalId(this.domain);
  }

  private createDomainDeletion(retention: HomeFileSystemRetention): Construct {
    const scope = new Construct(this, 'HomeFileSystemDeletion');
    const domainArn = this.domain.attrDomainArn;
    const statements = [new iam.PolicyStatement({
      actions: ['sagemaker:DeleteDomain', 'sagemaker:DescribeDomain'],
      resources: [domainArn],
    })];
    const policyAcknowledgements: { id: string; reason: string }[] = [];
    if (retention === HomeFileSystemRetention.DELETE) {
      // Once the domain is gone, the handler deletes the mount targets left on its home file system and
      // the two NFS security groups SageMaker created in the VPC (they keep the subnets from being
      // deleted). Actions, resource types and condition keys: Service Authorization Reference, "Actions,
      // resources, and condition keys for Amazon EC2" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html):
      // DescribeSecurityGroups has no resource type; RevokeSecurityGroupIngress/Egress and
      // DeleteSecurityGroup act on `security-group`, DeleteNetworkInterface on `network-interface`, and
      // both resource types take `ec2:Vpc` (the VPC's ARN). The group names are not a condition key, so
      // the handler finds the groups by name and VPC, and the policy confines it to the domain's VPC.
      // EFS's DeleteMountTarget also needs ec2:DeleteNetworkInterface on the mount target's interface
      // (EFS API Reference, DeleteMountTarget); both EFS actions act on the one `file-system`
      // ("Actions, resources, and condition keys for Amazon Elastic File System").
      const inDomainVpc = { ArnEquals: { 'ec2:Vpc': `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc/${this.vpc.vpcId}` } };
      statements.push(
        new iam.PolicyStatement({ actions: ['ec2:DescribeSecurityGroups'], resources: ['*'] }),
        new iam.PolicyStatement({
          actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:DeleteSecurityGroup'],
          resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:security-group/*`],
          conditions: inDomainVpc,
        }),
        new iam.PolicyStatement({
          actions: ['elasticfilesystem:DescribeMountTargets', 'elasticfilesystem:DeleteMountTarget'],
          resources: [`arn:${Aws.PARTITION}:elasticfilesystem:${Aws.REGION}:${Aws.ACCOUNT_ID}:file-system/${this.domain.attrHomeEfsFileSystemId}`],
        }),
        new iam.PolicyStatement({
          actions: ['ec2:DeleteNetworkInterface'],
          resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:network-interface/*`],
          conditions: inDomainVpc,
        }),
      );
      policyAcknowledgements.push(
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'ec2:DescribeSecurityGroups supports no resource-level permissions; it only reads, to find the two NFS security groups SageMaker created for the domain.' },
        { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*]', reason: 'SageMaker creates the NFS security groups at run time, so their ids are unknown at synth; the ec2:Vpc condition confines revoking and deleting to groups of the domain\'s VPC, and the function runs only when the stack deletes the domain.' },
        { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]', reason: 'EFS\'s DeleteMountTarget needs ec2:DeleteNetworkInterface on the mount target\'s interface, created by EFS at run time; the ec2:Vpc condition confines it to the domain\'s VPC.' },
      );
    }
    const { resource } = deployDeployTimeHandler(scope, {
      handler: NoInternetStudioDomainDeletionFunction,
      idPrefix: 'Handler',
      description: 'Deletes a Studio domain with its home file system, and the NFS security groups SageMaker leaves, when the stack deletes it',
      subject: 'deleting a Studio domain with its home file system',
      statements,
      policyAcknowledgements,
      outsideVpcReason: 'The function calls the SageMaker, EC2 and EFS APIs only during CloudFormation deletions; it needs no access to the VPC, which has no route to the internet.',
      noDeadLetterQueueReason: 'The function is invoked by CloudFormation through the provider framework, which reports a failure in the stack events; there is no asynchronous invocation to catch.',
      resourceType: 'Custom::StudioDomainDeletion',
      // The VPC and the file system: where the handler looks for what SageMaker leaves behind.
      properties: {
        DomainId: this.domain.attrDomainId,
        HomeEfsFileSystem: retention,
        VpcId: this.vpc.vpcId,
        HomeEfsFileSystemId: this.domain.attrHomeEfsFileSystemId,
      },
      // Deleting a domain and its file system takes minutes: wait up to the Lambda limit.
      timeout: Duration.minutes(15),
    });
    return resource;
  }
}

/** SageMaker compares profile names case-insensitively. */
function profileKey(name: string): string {
  return Token.isUnresolved(name) ? name : name.toLowerCase();
}
