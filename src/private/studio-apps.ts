import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { closedSecurityGroup } from './closed-security-group';
import { allowAwsEndpoints, Placement } from './workload-access';

/**
 * Studio's apps in VpcOnly mode need, within their security group, NFS to the domain's EFS and TCP
 * 8192-65535 between apps: "NFS traffic over TCP on port 2049 between the domain and the Amazon EFS
 * volume" and "TCP traffic within the security group ... You must allow access to at least ports in the
 * range 8192-65535" (https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-and-internet-access.html,
 * the page for the current Studio; the CreateDomain API adds that 2049 must be allowed inbound and outbound).
 */
const NFS_PORT = ec2.Port.tcp(2049);
const STUDIO_APP_PORTS = ec2.Port.tcpRange(8192, 65535);

/** The interface endpoints Studio calls (EndpointSet.STUDIO), for the warning on a bare VPC. */
export const STUDIO_ENDPOINTS = ['sagemaker.api', 'sagemaker.runtime', 'sts', 'logs'];

/**
 * The given groups, or a new group registered with the VPC's endpoints, with Studio's app rules
 * (NFS and the app ports within the group) if `appTraffic`.
 */
export function studioAppConnections(scope: Construct, id: string, description: string, appTraffic: boolean,
  placement: Placement, ownGroups?: ec2.ISecurityGroup[]): ec2.Connections {
  if (ownGroups) return new ec2.Connections({ securityGroups: ownGroups });
  const group = closedSecurityGroup(scope, id, placement.vpc, appTraffic
    ? `${description}: NFS and app ports within the group, HTTPS to AWS endpoints`
    : `${description}: HTTPS to AWS endpoints, no inbound`);
  if (appTraffic) {
    group.connections.allowInternally(NFS_PORT, 'NFS between Studio apps and the domain home file system');
    group.connections.allowInternally(STUDIO_APP_PORTS, 'Studio app-to-app traffic within the group');
  }
  allowAwsEndpoints(scope, placement, group, STUDIO_ENDPOINTS);
  return group.connections;
}
