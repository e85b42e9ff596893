import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { createKey } from './kms-key';

/**
 * A customer-managed key with rotation for CloudWatch Logs log groups of this account and region.
 *
 * CloudWatch Logs may use the key only for log groups of this account and region (encryption-context
 * condition). The group's own name cannot be used: it is generated, and naming it would make the key
 * depend on the group that depends on the key.
 */
export function logGroupKey(scope: Construct, id: string, description: string): kms.Key {
  const key = createKey(scope, id, { description, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
      },
    },
  }));
  return key;
}
