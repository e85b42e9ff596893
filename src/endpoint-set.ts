import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { validateEndpointService } from './private/known-services';

/**
 * Which optional interface endpoints `EndpointSet.studio()` adds to the ones SageMaker Studio always
 * needs in VpcOnly mode (SageMaker API and runtime, STS). Each costs one endpoint per endpoint AZ.
 *
 * Sources: https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-and-internet-access.html
 * (endpoints for Studio without internet) and
 * https://docs.aws.amazon.com/sagemaker/latest/dg/studio-interface-endpoint.html (the Studio UI endpoint).
 */
export interface StudioEndpointOptions {
  /**
   * The Studio UI endpoint (`aws.sagemaker.<region>.studio`): users open Studio from a network connected
   * to the VPC (Direct Connect, VPN, a bastion) instead of over the internet.
   *
   * @default false
   */
  readonly studioUi?: boolean;

  /**
   * CloudWatch Logs (`logs`): the SageMaker Python SDK follows training and processing jobs' logs,
   * and code in a space writes its own logs.
   *
   * @default true
   */
  readonly cloudWatchLogs?: boolean;

  /**
   * CloudWatch (`monitoring`): metrics read or written from a space.
   *
   * @default false
   */
  readonly cloudWatchMonitoring?: boolean;

  /**
   * ECR API and Docker registry (`ecr.api`, `ecr.dkr`): pulling or pushing container images from a space
   * (custom images, local mode, building images). SageMaker's own images and JumpStart's inference
   * images are pulled by SageMaker, not through the VPC.
   *
   * @default false
   */
  readonly containerRegistry?: boolean;

  /**
   * AWS KMS (`kms`): code in a space calls KMS itself (client-side encryption, `kms:Decrypt`).
   * Server-side encryption in S3 needs no KMS endpoint.
   *
   * @default false
   */
  readonly kms?: boolean;

  /**
   * Amazon EC2 (`ec2`): code in a space describes subnets or security groups, e.g. to pass a VPC
   * configuration to a training job.
   *
   * @default false
   */
  readonly ec2?: boolean;

  /**
   * AWS Service Catalog (`servicecatalog`): SageMaker Projects (MLOps templates).
   *
   * @default false
   */
  readonly serviceCatalog?: boolean;

  /**
   * AWS Systems Manager (`ssm`): Parameter Store from a space.
   *
   * @default false
   */
  readonly ssm?: boolean;
}

/**
 * A named set of interface VPC endpoints that one kind of workload needs to run without internet access.
 *
 * Sets are merged by the VPC: an endpoint needed by two sets is created once.
 */
export class EndpointSet {
  /**
   * What a SageMaker notebook instance needs: the SageMaker API and runtime (SDK calls, invoking
   * endpoints), STS (credentials and caller identity) and CloudWatch Logs (notebook and lifecycle logs).
   * S3 is reached through the VPC's gateway endpoint and is not part of the set.
   */
  public static readonly NOTEBOOK = new EndpointSet('notebook', [
    ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
    ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
    ec2.InterfaceVpcEndpointAwsService.STS,
    ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  ]);

  /**
   * What SageMaker Studio needs in VpcOnly mode with no internet, with JumpStart: the SageMaker API
   * (Studio's UI and the SDK call it with the execution role; JumpStart browses the public hub through
   * it), the SageMaker runtime (invoking endpoints), STS (the SDK's caller identity), and CloudWatch Logs.
   * Studio and JumpStart read S3 through the VPC's S3 endpoint, which is not part of the set.
   * `EndpointSet.studio()` chooses the optional endpoints.
   */
  public static readonly STUDIO = EndpointSet.studio();

  /**
   * The Studio set with a choice of optional endpoints.
   *
   * @param options which optional endpoints to add
   */
  public static studio(options: StudioEndpointOptions = {}): EndpointSet {
    const services = [
      ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
      ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
      ec2.InterfaceVpcEndpointAwsService.STS,
    ];
    const optional: Array<[boolean, ec2.InterfaceVpcEndpointAwsService[]]> = [
      [options.studioUi ?? false, [ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_STUDIO]],
      [options.cloudWatchLogs ?? true, [ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS]],
      [options.cloudWatchMonitoring ?? false, [ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING]],
      [options.containerRegistry ?? false, [ec2.InterfaceVpcEndpointAwsService.ECR, ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER]],
      [options.kms ?? false, [ec2.InterfaceVpcEndpointAwsService.KMS]],
      [options.ec2 ?? false, [ec2.InterfaceVpcEndpointAwsService.EC2]],
      [options.serviceCatalog ?? false, [ec2.InterfaceVpcEndpointAwsService.SERVICE_CATALOG]],
      [options.ssm ?? false, [ec2.InterfaceVpcEndpointAwsService.SSM]],
    ];
    for (const [wanted, extra] of optional) {
      if (wanted) services.push(...extra);
    }
    return new EndpointSet('studio', services);
  }

  /**
   * A set of your own, e.g. `EndpointSet.of('batch', [ec2.InterfaceVpcEndpointAwsService.ECR, ...])`.
   *
   * @param name a label for the set, used in summaries
   * @param services the AWS services to reach through interface endpoints
   */
  public static of(name: string, services: ec2.InterfaceVpcEndpointAwsService[]): EndpointSet {
    // AWS services only: a set is applied by name, and endpoint construct ids come from the service.
    if (services.length === 0) {
      throw new Error(`EndpointSet.of services must name at least one service, got: [] — list the services the "${name}" workload calls`);
    }
    services.forEach((service, i) => validateEndpointService(`services[${i}]`, service));
    return new EndpointSet(name, services);
  }

  /**
   * @param name a label for the set
   * @param services the AWS services of the set
   */
  protected constructor(public readonly name: string, public readonly services: ec2.InterfaceVpcEndpointAwsService[]) {}
}
