import { CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { SourceSpec } from './evaluation';
import { NetworkModel } from './template-model';
import { valueKey } from '../private/cfn-values';
import { invalid } from '../private/validation';

/** SageMaker resource types the analyzer treats as workloads, in the order `workload()` prefers them. */
const WORKLOAD_TYPES = ['AWS::SageMaker::NotebookInstance', 'AWS::SageMaker::UserProfile', 'AWS::SageMaker::Domain'];

/**
 * The workload side of a question: security groups and subnets, given directly or taken from a
 * SageMaker notebook instance, Studio user profile or Studio domain.
 */
export class EgressSource {
  /**
   * The SageMaker workload inside `scope`: its notebook instance, else its first Studio user profile
   * (with the domain's default security groups, which SageMaker adds to the profile's), else its Studio
   * domain. Pass a `NoInternetNotebook`, a `NoInternetStudio`, or the L1 resource itself.
   */
  public static workload(scope: IConstruct): EgressSource {
    const resources = [scope, ...scope.node.findAll()].filter((c): c is CfnResource => CfnResource.isCfnResource(c));
    for (const type of WORKLOAD_TYPES) {
      const resource = resources.find((r) => r.cfnResourceType === type);
      if (resource) {
        const logicalId = Stack.of(resource).resolve(resource.logicalId) as string;
        return EgressSource.workloadLogicalId(logicalId);
      }
    }
    return invalid('scope', 'contain a SageMaker notebook instance, Studio user profile or Studio domain', scope.node.path,
      'pass a NoInternetNotebook or NoInternetStudio, or use EgressSource.securityGroup() with the subnets');
  }

  /**
   * A SageMaker notebook instance, Studio user profile or Studio domain, by its logical id in the
   * template; a domain's shared spaces are `<domain logical id>.SharedSpaces`.
   */
  public static workloadLogicalId(logicalId: string): EgressSource {
    return new EgressSource(logicalId, (model) => {
      const workload = model.workloads.find((w) => w.id === logicalId);
      if (!workload) {
        const known = model.workloads.map((w) => w.id).join(', ') || 'none';
        return invalid('logicalId', 'name a SageMaker notebook instance, user profile or domain of the template', logicalId, `use one of: ${known}`);
      }
      return {
        label: workload.id,
        securityGroups: workload.securityGroups,
        subnets: workload.subnets,
        managedInternet: workload.managedInternet,
        managedInternetUnknown: workload.managedInternetUnknown,
      };
    });
  }

  /** A security group in one or more subnets (the question is asked from each), as constructs of the analyzed stack. */
  public static securityGroup(securityGroup: ec2.ISecurityGroup, ...subnets: ec2.ISubnet[]): EgressSource {
    const stack = Stack.of(securityGroup);
    return EgressSource.securityGroupLogicalId(valueKey(stack.resolve(securityGroup.securityGroupId)),
      ...subnets.map((s) => valueKey(Stack.of(s).resolve(s.subnetId))));
  }

  /** A security group in one or more subnets, by their logical ids in the template. */
  public static securityGroupLogicalId(securityGroupLogicalId: string, ...subnetLogicalIds: string[]): EgressSource {
    if (subnetLogicalIds.length === 0) invalid('subnetLogicalIds', 'name at least one subnet', [], 'pass the subnets the workload runs in');
    return new EgressSource(securityGroupLogicalId, () => ({
      label: `security group ${securityGroupLogicalId}`, securityGroups: [securityGroupLogicalId], subnets: subnetLogicalIds,
    }));
  }

  /** The text reports use for this source. */
  public readonly description: string;

  private constructor(description: string, private readonly resolver: (model: NetworkModel) => SourceSpec) {
    this.description = description;
  }

  /** The source as reports name it: the workload's or the security group's logical id. */
  public toString(): string {
    return this.description;
  }

  /** @internal */
  public _resolve(model: NetworkModel): SourceSpec {
    return this.resolver(model);
  }
}
