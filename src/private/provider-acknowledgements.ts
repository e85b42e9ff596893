import { CfnResource, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IConstruct } from 'constructs';
import { Acknowledgement, acknowledgeFindings, acknowledgeNagFindings, cfnResourceOf, NagAcknowledgement } from './acknowledge';

/**
 * Findings on the Lambda-backed custom-resource provider (aws-cdk-lib's AwsCustomResource) that these
 * constructs use for deploy-time lookups. Its code, role and runtime belong to aws-cdk-lib; it runs
 * only during CloudFormation deployments.
 */
function providerAcknowledgements(purpose: string): Record<string, Acknowledgement[]> {
  return {
    'AWS::IAM::Policy': [
      { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: `aws-cdk-lib's custom-resource provider for ${purpose} attaches its permissions as an inline policy of its own role; the policy holds only what that provider needs (one read-only lookup, or invoking its one handler).` },
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: `aws-cdk-lib's custom-resource provider for ${purpose} attaches its permissions as an inline policy of its own role; the policy holds only what that provider needs (one read-only lookup, or invoking its one handler).` },
      { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: `aws-cdk-lib's custom-resource provider for ${purpose} attaches its permissions as an inline policy of its own role; the policy holds only what that provider needs (one read-only lookup, or invoking its one handler).` },
    ],
    'AWS::IAM::Role': [
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: `aws-cdk-lib's provider for ${purpose} writes its own logs with the AWS-managed basic execution policy; it carries no data permissions.` },
      // aws-cdk-lib's CustomResourceProvider (e.g. the default security group's lock-down) puts its one policy in the role's Policies.
      { guard: ['IAM_NO_INLINE_POLICY_CHECK'], reason: `aws-cdk-lib's provider for ${purpose} keeps its permissions in an inline policy of its own role; the policy holds only what that provider needs.` },
    ],
    'AWS::Lambda::Function': [
      { id: 'AwsSolutions-L1', reason: `aws-cdk-lib selects the runtime of its provider for ${purpose}; it tracks the latest Node.js runtime of the aws-cdk-lib release in use.` },
      { id: 'NIST.800.53.R5-LambdaConcurrency', reason: `The provider for ${purpose} runs only during CloudFormation deployments; reserving concurrency for it would only take capacity from the account.` },
      { id: 'NIST.800.53.R5-LambdaDLQ', reason: `The provider for ${purpose} is invoked synchronously by CloudFormation, which reports and rolls back a failed invocation; a dead-letter queue would never receive it.` },
      { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: `The provider for ${purpose} runs at deploy time outside the workload VPC; putting it in the restricted VPC would need egress or endpoints that workloads do not otherwise need.` },
      { id: 'HIPAA.Security-LambdaConcurrency', reason: `The provider for ${purpose} runs only during CloudFormation deployments; reserving concurrency for it would only take capacity from the account.` },
      { id: 'HIPAA.Security-LambdaDLQ', reason: `The provider for ${purpose} is invoked synchronously by CloudFormation, which reports and rolls back a failed invocation; a dead-letter queue would never receive it.` },
      { id: 'HIPAA.Security-LambdaInsideVPC', reason: `The provider for ${purpose} runs at deploy time outside the workload VPC; putting it in the restricted VPC would need egress or endpoints that workloads do not otherwise need.` },
      { id: 'PCI.DSS.321-LambdaInsideVPC', reason: `The provider for ${purpose} runs at deploy time outside the workload VPC; putting it in the restricted VPC would need egress or endpoints that workloads do not otherwise need.` },
    ],
  };
}

/**
 * checkov CKV_AWS_173 (environment variables without a customer-managed key), on a provider function that
 * has environment variables: aws-cdk-lib's provider framework stores there the ARN of the handler it invokes.
 */
function environmentAcknowledgement(resource: CfnResource, purpose: string): Acknowledgement[] {
  // CfnFunction.environment is a lazy value of aws-cdk-lib's Function: resolve it to see whether it has variables.
  const environment = resource instanceof lambda.CfnFunction ? Stack.of(resource).resolve(resource.environment) : undefined;
  return environment?.variables && Object.keys(environment.variables).length > 0 ? [{
    checkov: ['CKV_AWS_173'],
    reason: `aws-cdk-lib's provider for ${purpose} keeps only the ARN of the function it invokes in its environment: no secret, and already in the template. Lambda encrypts it at rest with its AWS managed key; a customer-managed key would protect nothing more.`,
  }] : [];
}

function cfnResourcesBelow(root: IConstruct): CfnResource[] {
  return root.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

/**
 * Acknowledges a provider's inherent findings on the provider's own resources (everything below
 * `roots`) only. Safe to call more than once: acknowledgements are keyed by rule id.
 */
export function acknowledgeProviderResources(roots: IConstruct[], purpose: string): void {
  const byType = providerAcknowledgements(purpose);
  for (const resource of roots.flatMap(cfnResourcesBelow)) {
    const acks = [...byType[resource.cfnResourceType] ?? [], ...environmentAcknowledgement(resource, purpose)];
    acknowledgeFindings(resource, acks);
  }
}

/** The same, for a stack-wide singleton provider found by its construct id, plus related resources. */
export function acknowledgeCustomResourceProvider(stack: Stack, providerId: string, purpose: string, related: IConstruct[] = []): void {
  const provider = stack.node.tryFindChild(providerId);
  acknowledgeProviderResources([...(provider ? [provider] : []), ...related], purpose);
}

/**
 * Acknowledges an aws-cdk-lib `AwsCustomResource`: `policyAcks` on the policy it creates for its calls
 * (with the reasons a reviewer reads), and the inherent findings of the stack-wide provider it runs on.
 */
export function acknowledgeAwsCustomResource(resource: cr.AwsCustomResource, purpose: string, policyAcks: NagAcknowledgement[]): void {
  const policy = resource.node.tryFindChild('CustomResourcePolicy');
  const cfnPolicy = policy && cfnResourceOf(policy);
  if (cfnPolicy) acknowledgeNagFindings(cfnPolicy, policyAcks);
  // The provider is a stack-wide singleton named after AwsCustomResource's fixed UUID.
  const providerId = `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;
  acknowledgeCustomResourceProvider(Stack.of(resource), providerId, purpose, policy ? [policy] : []);
}
