import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** What the policies need of a `DataPerimeter` (src/private/ does not import the constructs). */
export interface PerimeterScope {
  /** The organization's id, for an organization perimeter; else the stack's account. */
  readonly organizationId?: string;
}

/*
 * VPC endpoint policies of a data perimeter, after AWS's data-perimeter-policy-examples
 * (https://github.com/aws-samples/data-perimeter-policy-examples/tree/main/vpc_endpoint_policies):
 * - the baseline, "AllowRequestsByOrgsIdentitiesToOrgsResources" (default_endpoint_policy.json): an
 *   action passes only when the principal AND the resource are in the perimeter (`aws:PrincipalAccount`
 *   and `aws:ResourceAccount`, or `aws:PrincipalOrgID` and `aws:ResourceOrgID`);
 * - per service, "AllowRequestsByOrgsIdentitiesToAWSResources": principals of the perimeter may reach the
 *   named AWS-owned resources, and nothing else outside it.
 * The statement "AllowRequestsByAWSServicePrincipals" is left out: none of the services here calls
 * through the workloads' endpoints with its service principal (SageMaker pulls images and reads model
 * artifacts outside the VPC).
 *
 * Condition keys: IAM User Guide, "AWS global condition context keys"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
 * `aws:ResourceAccount` "is always included in the request context for most service actions"; the
 * actions that don't support it are all of EBS, ec2:CopyFpgaImage, ec2:CopyImage, ec2:CopySnapshot,
 * ec2:CreateTransitGatewayPeeringAttachment, ec2:CreateVolume, ec2:CreateVpcPeeringConnection, all of
 * EventBridge, and two WorkSpaces actions; `aws:ResourceOrgID` lists the same exceptions.
 */

/** The Deep Learning Containers registries (the account in `<account>.dkr.ecr.<region>.amazonaws.com`) per region. */
const DLC_REGISTRY_ACCOUNTS: Record<string, string> = {
  // Source: aws/deep-learning-containers, available_images.md, "Deep Learning Containers Docker Images
  // are available in the following regions" (https://github.com/aws/deep-learning-containers/blob/master/available_images.md).
  // The SageMaker images JumpStart deploys for PyTorch, TensorFlow, Hugging Face and the LLM servers
  // are Deep Learning Containers; AWS's data-perimeter examples name these registries as AWS-owned
  // ECR repositories (service_owned_resources.md, "Amazon Elastic Container Registry (Amazon ECR) repository").
  'us-east-1': '763104351884',
  'us-east-2': '763104351884',
  'us-west-1': '763104351884',
  'us-west-2': '763104351884',
  'af-south-1': '626614931356',
  'ap-east-1': '871362719292',
  'ap-south-1': '763104351884',
  'ap-northeast-3': '364406365360',
  'ap-northeast-2': '763104351884',
  'ap-southeast-1': '763104351884',
  'ap-southeast-2': '763104351884',
  'ap-southeast-3': '907027046896',
  'ap-northeast-1': '763104351884',
  'ca-central-1': '763104351884',
  'eu-central-1': '763104351884',
  'eu-west-1': '763104351884',
  'eu-west-2': '763104351884',
  'eu-south-1': '692866216735',
  'eu-west-3': '763104351884',
  'eu-north-1': '763104351884',
  'me-south-1': '217643126080',
  'me-central-1': '914824155844',
  'sa-east-1': '763104351884',
  'cn-north-1': '727897471807',
  'cn-northwest-1': '727897471807',
};

/**
 * The AWS accounts of the Deep Learning Containers registries for a region: the region's one, none for
 * a region the table does not list, every account of the table for an environment-agnostic stack.
 */
export function awsImageRegistryAccounts(region: string): string[] {
  if (Token.isUnresolved(region)) return [...new Set(Object.values(DLC_REGISTRY_ACCOUNTS))].sort();
  const account = DLC_REGISTRY_ACCOUNTS[region];
  return account ? [account] : [];
}

/** The condition that the calling principal is in the perimeter. */
export function principalCondition(scope: IConstruct, perimeter: PerimeterScope): Record<string, string> {
  return perimeter.organizationId !== undefined
    ? { 'aws:PrincipalOrgID': perimeter.organizationId }
    : { 'aws:PrincipalAccount': Stack.of(scope).account };
}

/** The condition that the resource acted on is in the perimeter. */
export function resourceCondition(scope: IConstruct, perimeter: PerimeterScope): Record<string, string> {
  return perimeter.organizationId !== undefined
    ? { 'aws:ResourceOrgID': perimeter.organizationId }
    : { 'aws:ResourceAccount': Stack.of(scope).account };
}

interface ServicePolicy {
  /** Action prefixes the endpoint serves. */
  readonly prefixes: string[];
  /** Whether every action of the service carries `aws:ResourceAccount` / `aws:ResourceOrgID`. */
  readonly resourceKeys: boolean;
  /** The service's exceptions. */
  readonly exceptions?: (scope: IConstruct, principal: Record<string, string>) => iam.PolicyStatement[];
}

const anyone = () => [new iam.AnyPrincipal()];

/**
 * CodeArtifact's `GetAuthorizationToken` gets an STS service bearer token on the caller's behalf, and
 * AWS's example CodeArtifact endpoint policy allows `sts:GetServiceBearerToken` with Resource "*"
 * (CodeArtifact User Guide, "Create a VPC endpoint policy for CodeArtifact",
 * https://docs.aws.amazon.com/codeartifact/latest/ug/create-vpc-endoint-policy.html). The token acts
 * on no resource and "can be used only for calls to the service that generates it and in the Region
 * where it was generated" (IAM User Guide, "Service bearer tokens",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_bearer.html): principal condition only.
 */
const bearerToken = (_scope: IConstruct, principal: Record<string, string>) => [new iam.PolicyStatement({
  sid: 'PerimeterPrincipalsServiceBearerToken',
  principals: anyone(),
  actions: ['sts:GetServiceBearerToken'],
  resources: ['*'],
  conditions: { StringEquals: principal },
})];

/**
 * JumpStart lists and describes the models of SageMaker's public hub, owned by the account `aws`: the
 * same ARNs the Studio execution policy grants (`JumpStartBrowse`, `arn:aws:sagemaker:<region>:aws:hub/SageMakerPublicHub`).
 * Hub actions and the `hub`/`hub-content` resource types: Service Authorization Reference, "Actions,
 * resources, and condition keys for Amazon SageMaker AI"; public hub content is what a private hub's
 * `HubAccessConfig.HubContentArn` points to (SageMaker API Reference, HubAccessConfig). The ARN with the
 * account `aws` is not spelled out on a documentation page found. Read actions only, on those ARNs only.
 */
const publicHub = (_scope: IConstruct, principal: Record<string, string>) => {
  const arn = (resource: string) => `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:aws:${resource}`;
  return [new iam.PolicyStatement({
    sid: 'PerimeterPrincipalsPublicJumpStartHub',
    principals: anyone(),
    actions: ['sagemaker:DescribeHub', 'sagemaker:ListHubContents', 'sagemaker:ListHubContentVersions', 'sagemaker:DescribeHubContent'],
    resources: [arn('hub/SageMakerPublicHub'), arn('hub-content/SageMakerPublicHub/*')],
    conditions: { StringEquals: principal },
  })];
};

/**
 * Pulls from the AWS-owned Deep Learning Containers registries of the region, as AWS's
 * `ecr.api_endpoint_policy.json` does ("AllowRequestsByOrgsIdentitiesToAWSResources":
 * `aws:ResourceAccount` = the ECR account, principal in the perimeter); the accounts: see
 * DLC_REGISTRY_ACCOUNTS. Another AWS-owned registry (e.g. SageMaker's built-in algorithms, listed per
 * region in "Docker Registry Paths and Example Code",
 * https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html)
 * is added with `addInterfaceEndpoint(..., { allowedResourceArns: ['arn:aws:ecr:<region>:<account>:repository/*'] })`.
 */
const awsImageRegistries = (scope: IConstruct, principal: Record<string, string>) => {
  const accounts = awsImageRegistryAccounts(Stack.of(scope).region);
  if (accounts.length === 0) return [];
  return [new iam.PolicyStatement({
    sid: 'PerimeterPrincipalsAwsImageRegistries',
    principals: anyone(),
    actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
    resources: ['*'],
    conditions: { StringEquals: { ...principal, 'aws:ResourceAccount': accounts } },
  })];
};

/**
 * Systems Manager's public parameters (`arn:aws:ssm:<region>::parameter/aws/*`, e.g. AMI ids) are
 * AWS-owned: vpc_endpoint_policies/README.md, "AllowRequestsByOrgsIdentitiesToAWSResources", and
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-finding-public-parameters.html.
 * Read actions only.
 */
const publicParameters = (_scope: IConstruct, principal: Record<string, string>) => [new iam.PolicyStatement({
  sid: 'PerimeterPrincipalsPublicParameters',
  principals: anyone(),
  actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
  resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}::parameter/aws/*`],
  conditions: { StringEquals: principal },
})];

/** Per interface endpoint service (`InterfaceVpcEndpointAwsService.shortName`). */
const SERVICE_POLICIES: Record<string, ServicePolicy> = {
  'sagemaker.api': { prefixes: ['sagemaker'], resourceKeys: true, exceptions: publicHub },
  'sagemaker.runtime': { prefixes: ['sagemaker'], resourceKeys: true },
  // The Studio UI endpoint: requests carry the identity that created the presigned URL, whose "IAM
  // authorization policies ... are also enforced for every HTTP request and WebSocket frame"
  // (SageMaker API Reference, CreatePresignedDomainUrl).
  'studio': { prefixes: ['sagemaker'], resourceKeys: true },
  // AssumeRole only into roles of the perimeter (the role is the resource).
  'sts': { prefixes: ['sts'], resourceKeys: true, exceptions: bearerToken },
  'logs': { prefixes: ['logs'], resourceKeys: true },
  'monitoring': { prefixes: ['cloudwatch'], resourceKeys: true },
  'ecr.api': { prefixes: ['ecr'], resourceKeys: true, exceptions: awsImageRegistries },
  'ecr.dkr': { prefixes: ['ecr'], resourceKeys: true, exceptions: awsImageRegistries },
  'kms': { prefixes: ['kms'], resourceKeys: true },
  // Some EC2 actions (CreateVolume, CopySnapshot, CopyImage, ...) and all of EBS carry no
  // aws:ResourceAccount (IAM User Guide, global condition keys, aws:ResourceAccount): principal only.
  'ec2': { prefixes: ['ec2'], resourceKeys: false },
  'servicecatalog': { prefixes: ['servicecatalog'], resourceKeys: true },
  'ssm': { prefixes: ['ssm'], resourceKeys: true, exceptions: publicParameters },
  'codeartifact.api': { prefixes: ['codeartifact'], resourceKeys: true, exceptions: bearerToken },
  'codeartifact.repositories': { prefixes: ['codeartifact'], resourceKeys: true, exceptions: bearerToken },
};

/** The services whose endpoint policy has the principal condition only (see SERVICE_POLICIES). */
export const PRINCIPAL_ONLY_SERVICES = Object.entries(SERVICE_POLICIES).filter(([, p]) => !p.resourceKeys).map(([name]) => name);

/**
 * The statements of an interface endpoint's policy under a perimeter: the baseline (principal and
 * resource in the perimeter, for the service's actions), the service's exceptions, and principals of
 * the perimeter to `allowedResourceArns`. A service the table does not list gets the baseline for every
 * action (AWS's default_endpoint_policy.json).
 */
export function endpointPolicyStatements(scope: IConstruct, service: ec2.IInterfaceVpcEndpointService, perimeter: PerimeterScope,
  allowedResourceArns: string[] = []): iam.PolicyStatement[] {
  const principal = principalCondition(scope, perimeter);
  const known = service instanceof ec2.InterfaceVpcEndpointAwsService && !Token.isUnresolved(service.shortName)
    ? SERVICE_POLICIES[service.shortName] : undefined;
  const actions = known ? known.prefixes.map((p) => `${p}:*`) : ['*'];
  const resourceKeys = known?.resourceKeys ?? true;
  const statements = [new iam.PolicyStatement({
    sid: resourceKeys ? 'PerimeterPrincipalsToPerimeterResources' : 'PerimeterPrincipals',
    principals: anyone(),
    actions,
    resources: ['*'],
    conditions: { StringEquals: resourceKeys ? { ...principal, ...resourceCondition(scope, perimeter) } : principal },
  })];
  statements.push(...known?.exceptions?.(scope, principal) ?? []);
  if (allowedResourceArns.length > 0) statements.push(allowedResourcesStatement(principal, actions, allowedResourceArns));
  return statements;
}

/** Principals of the perimeter to named resources outside it (e.g. a CodeArtifact domain of another account). */
export function allowedResourcesStatement(principal: Record<string, string>, actions: string[], arns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    principals: anyone(),
    actions,
    resources: arns,
    conditions: { StringEquals: principal },
  });
}

/** The action prefixes an endpoint of `service` serves ('*' for a service the table does not list). */
export function endpointActions(service: ec2.IInterfaceVpcEndpointService): string[] {
  const known = service instanceof ec2.InterfaceVpcEndpointAwsService && !Token.isUnresolved(service.shortName)
    ? SERVICE_POLICIES[service.shortName] : undefined;
  return known ? known.prefixes.map((p) => `${p}:*`) : ['*'];
}
