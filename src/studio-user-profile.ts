import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import type { NoInternetStudio } from './no-internet-studio';
import { studioAppConnections } from './private/studio-apps';
import { invalid, validateSageMakerName } from './private/validation';

/** Domain and user profile names: `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}` (CreateUserProfile API). */
const MAX_NAME_LENGTH = 63;

/**
 * Options of a Studio user profile.
 */
export interface StudioUserProfileOptions {
  /**
   * Execution role of this profile's apps and private spaces. All profiles otherwise share the domain's
   * role, which can act on every space and app of the domain through the SageMaker API; give each user
   * a role of their own where users must not reach each other's spaces.
   *
   * @default - the domain's execution role
   */
  readonly role?: iam.IRole;

  /**
   * The IAM Identity Center user name the profile belongs to (`StudioAuthMode.IAM_IDENTITY_CENTER` only).
   *
   * @default - the profile name
   */
  readonly identityCenterUserName?: string;
}

/**
 * Properties of a `StudioUserProfile`.
 */
export interface StudioUserProfileProps extends StudioUserProfileOptions {
  /** The Studio domain. */
  readonly studio: NoInternetStudio;
  /** The profile's name: 1 to 63 letters, digits and hyphens (SageMaker compares names case-insensitively). */
  readonly userProfileName: string;
}

/**
 * A user profile of a `NoInternetStudio` domain, with network access of its own: unless the domain was
 * given `securityGroups`, its apps get a security group of their own with Studio's rules, so that one
 * user's apps cannot reach another's. Usually created with `studio.addUserProfile()`.
 */
export class StudioUserProfile extends Construct implements ec2.IConnectable {
  /** The profile's name. */
  public readonly userProfileName: string;
  /** The profile's ARN. */
  public readonly userProfileArn: string;
  /** Network access of this profile's apps (its own security group, or the domain's `securityGroups`). */
  public readonly connections: ec2.Connections;
  /** The profile's execution role, when it has one of its own. */
  public readonly role?: iam.IRole;

  constructor(scope: Construct, id: string, props: StudioUserProfileProps) {
    super(scope, id);
    const studio = props.studio;
    const name = props.userProfileName;
    validateSageMakerName('userProfileName', name, MAX_NAME_LENGTH);
    if (props.identityCenterUserName !== undefined && !studio._usesIdentityCenter) {
      invalid('identityCenterUserName', 'be given only when authMode is StudioAuthMode.IAM_IDENTITY_CENTER', props.identityCenterUserName,
        'remove it, or set authMode to StudioAuthMode.IAM_IDENTITY_CENTER');
    }

    const own = studio.userSecurityGroups;
    this.connections = studioAppConnections(this, 'SecurityGroup', `SageMaker Studio apps of user profile ${name}`, true,
      { vpc: studio.vpc, network: studio.network }, own);
    this.role = props.role;
    const sso = studio._usesIdentityCenter;
    const profile = new sagemaker.CfnUserProfile(this, 'Resource', {
      domainId: studio.domainId,
      userProfileName: name,
      singleSignOnUserIdentifier: sso ? 'UserName' : undefined,
      singleSignOnUserValue: sso ? props.identityCenterUserName ?? name : undefined,
      userSettings: {
        securityGroups: own ? undefined : this.connections.securityGroups.map((sg) => sg.securityGroupId),
        executionRole: props.role?.roleArn,
      },
    });
    // Deleted before the custom resource that may delete the domain, which SageMaker refuses while profiles exist.
    profile.node.addDependency(studio._domainDeletion);
    this.userProfileName = profile.userProfileName;
    this.userProfileArn = profile.attrUserProfileArn;
    studio._registerUserProfile(this);
  }
}
