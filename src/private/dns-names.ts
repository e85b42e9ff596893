import { Token } from 'aws-cdk-lib';
import { flatten, parseServiceName, THIS_REGION } from './cfn-values';

/**
 * The names an interface or gateway endpoint's clients resolve, per service (the endpoint's private DNS
 * names, or for S3's gateway endpoint the names S3's clients use in the region). Sources:
 * - SageMaker: api.sagemaker.<region>.amazonaws.com and runtime.sagemaker.<region>.amazonaws.com
 *   (SageMaker developer guide, "Connect to SageMaker AI Within your VPC"); Studio's
 *   <domain-id>.studio.<region>.sagemaker.aws and a notebook's <name>.notebook.<region>.sagemaker.aws.
 * - CodeArtifact: codeartifact.<region>.amazonaws.com (api) and
 *   <domain>-<owner>.d.codeartifact.<region>.amazonaws.com (repositories), CodeArtifact user guide.
 * - ECR: api.ecr.<region>.amazonaws.com and <account>.dkr.ecr.<region>.amazonaws.com (ECR user guide).
 * - S3: s3.<region>.amazonaws.com and <bucket>.s3.<region>.amazonaws.com, and the dual-stack forms; in us-east-1 SDKs may also use
 *   the legacy global s3.amazonaws.com (botocore's us_east_1_regional_endpoint defaults to "legacy").
 * - API Gateway private APIs: <api-id>.execute-api.<region>.amazonaws.com; Kinesis Data Streams:
 *   kinesis.<region>…; Data Firehose: firehose.<region>… (their endpoint names differ from the service's).
 * - The services in SAME_AS_SERVICE: <service>.<region>.amazonaws.com (the SDKs' endpoint rule). Any other
 *   service is not guessed: the allowlist warns and asks for its names.
 */
const NAMES: Record<string, (region: string) => string[]> = {
  'sagemaker.api': (r) => [`api.sagemaker.${r}.amazonaws.com`],
  'sagemaker.runtime': (r) => [`runtime.sagemaker.${r}.amazonaws.com`],
  'sagemaker.featurestore-runtime': (r) => [`featurestore-runtime.sagemaker.${r}.amazonaws.com`],
  'studio': (r) => [`*.studio.${r}.sagemaker.aws`],
  'notebook': (r) => [`*.notebook.${r}.sagemaker.aws`],
  'codeartifact.api': (r) => [`codeartifact.${r}.amazonaws.com`],
  'codeartifact.repositories': (r) => [`*.d.codeartifact.${r}.amazonaws.com`],
  'ecr.api': (r) => [`api.ecr.${r}.amazonaws.com`],
  'ecr.dkr': (r) => [`*.dkr.ecr.${r}.amazonaws.com`],
  'execute-api': (r) => [`*.execute-api.${r}.amazonaws.com`],
  'kinesis-streams': (r) => [`kinesis.${r}.amazonaws.com`],
  'kinesis-firehose': (r) => [`firehose.${r}.amazonaws.com`],
  // Amazon Linux 2023's package repositories are S3 buckets named through S3's dual-stack endpoint
  // (al2023-repos-<region>-….s3.dualstack.<region>.amazonaws.com), which the S3 endpoint policy allows.
  's3': (r) => [`s3.${r}.amazonaws.com`, `*.s3.${r}.amazonaws.com`, `s3.dualstack.${r}.amazonaws.com`, `*.s3.dualstack.${r}.amazonaws.com`,
    ...Token.isUnresolved(r) || r === 'us-east-1' ? ['s3.amazonaws.com', '*.s3.amazonaws.com'] : []],
};

/** Services whose endpoint name is <service>.<region>.amazonaws.com, checked one by one. */
const SAME_AS_SERVICE = new Set([
  'sts', 'logs', 'monitoring', 'kms', 'ec2', 'ec2messages', 'ssm', 'ssmmessages', 'servicecatalog', 'secretsmanager', 'sns', 'sqs',
  'events', 'elasticfilesystem', 'glue', 'athena', 'lambda', 'states', 'ecs', 'codecommit', 'git-codecommit', 'codebuild',
  'cloudformation', 'elasticloadbalancing', 'autoscaling', 'emr-serverless', 'elasticmapreduce', 'bedrock', 'bedrock-runtime',
]);

/**
 * The names clients of the endpoint service resolve, in `region` (a literal or a token); undefined for a
 * service whose names this library does not know (a dotted name outside the table, or not an AWS service).
 */
export function endpointDomainNames(serviceName: unknown, region: string): string[] | undefined {
  const text = flatten(serviceName, THIS_REGION);
  const service = text === undefined ? undefined : parseServiceName(text)?.service;
  if (!service) return undefined;
  const known = NAMES[service];
  if (known) return known(region);
  return SAME_AS_SERVICE.has(service) ? [`${service}.${region}.amazonaws.com`] : undefined;
}
