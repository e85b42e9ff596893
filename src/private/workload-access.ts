import { Annotations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { RestrictedEgressVpc } from '../restricted-egress-vpc';
import { S3PrefixListLookup } from './s3-prefix-list';

/**
 * Gives a workload HTTPS to the AWS endpoints of its VPC, and nothing else.
 *
 * In a `RestrictedEgressVpc` the workload registers with the endpoint security group and reaches S3
 * through the gateway endpoint's prefix list. In any other VPC the endpoints' security group is
 * unknown: HTTPS is allowed to the VPC CIDR (where interface endpoints live) and to S3, with a warning.
 */
export function allowAwsEndpoints(scope: Construct, vpc: ec2.IVpc, workload: ec2.IConnectable): void {
  const network = RestrictedEgressVpc.ownerOf(vpc);
  if (network) {
    network.allowWorkload(workload);
    return;
  }
  workload.connections.allowTo(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to interface endpoints in the VPC');
  workload.connections.allowTo(ec2.Peer.prefixList(S3PrefixListLookup.of(scope).prefixListId), ec2.Port.tcp(443),
    'HTTPS to S3 through the gateway endpoint');
  Annotations.of(scope).addWarningV2('cdk-sagemaker-egress:vpcNotRestricted',
    'The VPC is not a RestrictedEgressVpc, so HTTPS is allowed to the whole VPC CIDR (where interface endpoints live) ' +
    'instead of only to the endpoint security group.');
}

/**
 * Where a workload goes unless told otherwise: the workload subnets of a `RestrictedEgressVpc`, else the
 * VPC's isolated subnets, else its private ones (never public ones).
 */
export function workloadSubnetSelection(vpc: ec2.IVpc, vpcSubnets?: ec2.SubnetSelection): ec2.SubnetSelection {
  const selection = vpcSubnets ?? RestrictedEgressVpc.ownerOf(vpc)?.workloadSubnets;
  if (selection) return selection;
  return vpc.isolatedSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
}
