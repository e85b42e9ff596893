import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { managedPrefixListLookupParameters, MANAGED_PREFIX_LIST_LOOKUP_ACTION, MANAGED_PREFIX_LIST_LOOKUP_SERVICE } from './contracts/managed-prefix-list-lookup';
import { acknowledgeAwsCustomResource } from './provider-acknowledgements';

const SINGLETON_ID = 'CdkSagemakerEgressS3PrefixList';

/**
 * The id of the region's AWS-managed S3 prefix list (`com.amazonaws.<region>.s3`), looked up at deploy
 * time so that the template stays region-agnostic and the id is never pasted by hand. One lookup per
 * stack, shared by every construct that needs it.
 */
export class S3PrefixListLookup extends Construct {
  /** The stack's lookup, created on first use. */
  public static of(scope: Construct): S3PrefixListLookup {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID);
    // Duck-typed rather than instanceof, so that two copies of this library in one app share the lookup.
    return existing && 'prefixListId' in existing ? existing as S3PrefixListLookup : new S3PrefixListLookup(stack, SINGLETON_ID);
  }

  /** The prefix list id (a deploy-time token). */
  public readonly prefixListId: string;
  /** The prefix list's ARN, as EC2 reports it (a deploy-time token); AWS-managed lists are owned by "aws". */
  public readonly prefixListArn: string;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    // The prefix list is named after the gateway endpoint service, which carries the partition's prefix.
    const prefixListName = ec2.GatewayVpcEndpointAwsService.S3.name;
    const call: cr.AwsSdkCall = {
      service: MANAGED_PREFIX_LIST_LOOKUP_SERVICE,
      action: MANAGED_PREFIX_LIST_LOOKUP_ACTION,
      parameters: managedPrefixListLookupParameters(prefixListName),
      physicalResourceId: cr.PhysicalResourceId.fromResponse('PrefixLists.0.PrefixListId'),
      outputPaths: ['PrefixLists.0.PrefixListId', 'PrefixLists.0.PrefixListArn'],
    };
    const lookup = new cr.AwsCustomResource(this, 'Lookup', {
      onCreate: call,
      onUpdate: call,
      // ec2:Describe* actions support no resource-level permissions, so the statement needs "*".
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
      ]),
      // Deploy without reaching npm: use the SDK bundled in the Lambda runtime.
      installLatestAwsSdk: false,
    });
    this.prefixListId = lookup.getResponseField('PrefixLists.0.PrefixListId');
    // Read from EC2 rather than composed: the owner part of an AWS-managed list's ARN is not documented.
    this.prefixListArn = lookup.getResponseField('PrefixLists.0.PrefixListArn');

    acknowledgeAwsCustomResource(lookup, 'the deploy-time S3 prefix-list lookup', [{
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists supports no resource-level permissions (AWS service authorization reference); the policy grants that single read-only action.',
    }]);
  }
}
