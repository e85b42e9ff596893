import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * A customer-managed key whose policy lets only AWS services create grants on it (`limitGrantsToAwsServices`).
 * Every key the library creates is made here.
 */
export function createKey(scope: Construct, id: string, props: kms.KeyProps): kms.Key {
  const key = new kms.Key(scope, id, props);
  limitGrantsToAwsServices(key);
  return key;
}

/**
 * Denies kms:CreateGrant to every principal unless the grant is for an AWS resource (a service integrated
 * with KMS creates it on the caller's behalf: EBS for the notebook volume, EFS for Studio's home file
 * system, CodeArtifact) or the caller is an AWS service. A principal with kms:CreateGrant can otherwise
 * pass the key's use on to anyone, outside the key policy. This is the statement AWS Control Tower's
 * proactive control CT.KMS.PR.3 requires (rule kms_create_grant_aws_service_check, shipped with
 * @cdklabs/cdk-validator-cfnguard): Deny, Principal AWS "*", Action kms:CreateGrant, Resource "*",
 * BoolIfExists kms:GrantIsForAWSResource false and aws:PrincipalIsAWSService false.
 */
export function limitGrantsToAwsServices(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: {
        'kms:GrantIsForAWSResource': 'false',
        'aws:PrincipalIsAWSService': 'false',
      },
    },
  }));
}
