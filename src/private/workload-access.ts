import { Annotations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { S3PrefixListLookup } from './s3-prefix-list';
import { invalid, requireConstructKind } from './validation';

/**
 * What a workload construct needs of its network. `IWorkloadNetwork` (src/workload-network.ts) has
 * all of it; the leaf layer states only this much so that it never imports a construct.
 */
export interface NetworkOfWorkload {
  readonly vpc: ec2.IVpc;
  readonly workloadSubnets: ec2.SubnetSelection;
  allowWorkload(workload: ec2.IConnectable): void;
}

/** The `network` / `vpc` pair every workload construct takes. */
export interface PlacementProps {
  readonly network?: NetworkOfWorkload;
  readonly vpc?: ec2.IVpc;
}

/** Where a workload runs: its VPC, and the network object when it was given one. */
export interface Placement {
  readonly vpc: ec2.IVpc;
  readonly network?: NetworkOfWorkload;
}

/**
 * The VPC and network of a workload from its `network` and `vpc` props: one of them is required, and
 * when both are given they must name the same VPC. Kinds are checked at run time, because jsii callers
 * skip the TypeScript compiler (`vpc=network` in Python).
 */
export function placementOf(props: PlacementProps): Placement {
  requireConstructKind('network', props.network, isNetwork, 'a network (RestrictedEgressVpc or WorkloadNetwork)',
    isVpc(props.network) ? 'pass the VPC as vpc, or wrap it: new WorkloadNetwork(this, \'Network\', { vpc })' : 'pass a RestrictedEgressVpc or a WorkloadNetwork');
  requireConstructKind('vpc', props.vpc, (x) => isVpc(x) && !isNetwork(x), 'an ec2.IVpc',
    isNetwork(props.vpc) ? 'pass the network as network (network=..., not vpc=...)' : 'pass an ec2.IVpc, e.g. ec2.Vpc.fromLookup(...)');
  const network = props.network;
  if (network) {
    if (props.vpc && props.vpc !== network.vpc && props.vpc.vpcId !== network.vpc.vpcId) {
      invalid('vpc', 'be the network\'s VPC when both network and vpc are given', props.vpc.node.path, 'leave vpc out: the network carries it');
    }
    return { vpc: network.vpc, network };
  }
  if (!props.vpc) {
    invalid('network', 'be given (or vpc)', undefined, 'pass network: a RestrictedEgressVpc or WorkloadNetwork (or vpc: an ec2.IVpc whose endpoints you manage)');
  }
  return { vpc: props.vpc };
}

/**
 * Gives a workload HTTPS to the AWS endpoints of its VPC, and nothing else.
 *
 * With a network the workload registers with it (the endpoint security group and the S3 endpoint). On a
 * bare VPC the endpoints' security group is unknown: HTTPS is allowed to the VPC CIDR (where interface
 * endpoints live) and to S3's prefix list, with a warning that lists the endpoints the workload needs.
 *
 * @param neededEndpoints the interface endpoint services the workload calls (for the warning)
 */
export function allowAwsEndpoints(scope: Construct, placement: Placement, workload: ec2.IConnectable, neededEndpoints: string[]): void {
  if (placement.network) {
    placement.network.allowWorkload(workload);
    return;
  }
  const vpc = placement.vpc;
  workload.connections.allowTo(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to interface endpoints in the VPC');
  workload.connections.allowTo(ec2.Peer.prefixList(S3PrefixListLookup.of(scope).prefixListId), ec2.Port.tcp(443),
    'HTTPS to S3 through the gateway endpoint');
  warnBareVpc(scope, neededEndpoints);
}

/** The warning for a workload on a VPC without a network object, once per construct. */
export function warnBareVpc(scope: Construct, neededEndpoints: string[]): void {
  Annotations.of(scope).addWarningV2('cdk-sagemaker-egress:vpcWithoutNetwork',
    'The workload is given a bare VPC (vpc) and no network: HTTPS is allowed to the whole VPC CIDR instead of only to the endpoint security group, ' +
    'nothing checks that the VPC has the endpoints it needs, and nothing registers it with them. ' +
    `It needs interface endpoints with private DNS for: ${neededEndpoints.join(', ')}; and an S3 endpoint. ` +
    'Pass network: new WorkloadNetwork(this, \'Network\', { vpc }) to add them (and name the ones the VPC already has in existingInterfaceEndpoints).');
}

/**
 * Where a workload goes unless told otherwise: the network's workload subnets, else the VPC's isolated
 * subnets, else its private ones (never public ones).
 */
export function workloadSubnetSelection(placement: Placement, vpcSubnets?: ec2.SubnetSelection): ec2.SubnetSelection {
  const selection = vpcSubnets ?? placement.network?.workloadSubnets;
  if (selection) return selection;
  const vpc = placement.vpc;
  return vpc.isolatedSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
}

/** Whether `x` looks like an `ec2.IVpc` (jsii callers can pass anything). */
export function isVpc(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as any).vpcId === 'string' && typeof (x as any).selectSubnets === 'function';
}

function isNetwork(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as any).allowWorkload === 'function' && isVpc((x as any).vpc);
}
