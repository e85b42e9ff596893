import { Token } from 'aws-cdk-lib';
import { invalid } from './private/validation';

/** `o-` and 10 to 32 lowercase letters or digits (AWS Organizations API, `Organization.Id`). */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/**
 * Who may use the interface endpoints a network creates, and which resources they may reach through
 * them: the identity and resource perimeter of AWS's data-perimeter guidance, applied as VPC endpoint
 * policies (https://github.com/aws-samples/data-perimeter-policy-examples, `vpc_endpoint_policies/`).
 *
 * Without it every endpoint keeps AWS's default policy (any principal, any resource), so code holding
 * another account's credentials can send data out through the network's own endpoints, e.g. CloudWatch
 * Logs `PutLogEvents` to a log group of that account, or `sts:AssumeRole` into it.
 *
 * Each service gets its own policy, with the exceptions for AWS-owned resources the service needs
 * (e.g. the SageMaker public JumpStart hub, the Deep Learning Containers registries): see the README.
 * The S3 endpoint keeps its own policy (`s3EndpointPolicy`).
 */
export class DataPerimeter {
  /**
   * Principals and resources of the stack's account: `aws:PrincipalAccount` and `aws:ResourceAccount`
   * equal to the account the network is deployed in.
   */
  public static account(): DataPerimeter {
    return new DataPerimeter('account');
  }

  /**
   * Principals and resources of an AWS Organizations organization: `aws:PrincipalOrgID` and
   * `aws:ResourceOrgID` equal to its id. Both keys are present only for accounts that are members of
   * the organization.
   *
   * @param organizationId the organization's id, `o-` and 10 to 32 lowercase letters or digits (AWS
   * Organizations console, or `aws organizations describe-organization --query Organization.Id`)
   */
  public static organization(organizationId: string): DataPerimeter {
    if (!Token.isUnresolved(organizationId) && !ORGANIZATION_ID.test(organizationId)) {
      invalid('organizationId', 'be "o-" followed by 10 to 32 lowercase letters or digits', organizationId,
        'pass the id of the organization (aws organizations describe-organization --query Organization.Id), not its root (r-...), an OU (ou-...) or an account id');
    }
    return new DataPerimeter('organization', organizationId);
  }

  /**
   * No perimeter: the network's interface endpoints keep AWS's default policy (any principal, any
   * resource). The network reports it as a warning at synth time.
   */
  public static none(): DataPerimeter {
    return new DataPerimeter('none');
  }

  /** Whether endpoint policies are applied (false only for `DataPerimeter.none()`). */
  public readonly enabled: boolean;

  /** The organization's id, for `DataPerimeter.organization()`. */
  public readonly organizationId?: string;

  /** A name for messages and summaries: 'account', 'organization' or 'none'. */
  public readonly name: string;

  private constructor(name: string, organizationId?: string) {
    this.name = name;
    this.organizationId = organizationId;
    this.enabled = name !== 'none';
  }
}
