import * as ec2 from 'aws-cdk-lib/aws-ec2';

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
    return new EndpointSet(name, services);
  }

  /**
   * @param name a label for the set
   * @param services the AWS services of the set
   */
  protected constructor(public readonly name: string, public readonly services: ec2.InterfaceVpcEndpointAwsService[]) {}
}
