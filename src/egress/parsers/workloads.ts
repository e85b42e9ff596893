/** SageMaker workloads: notebook instances, Studio domains (and their shared spaces), user profiles. */
import { describe, referencedId, toArray, valueKey } from '../../private/cfn-values';
import type { WorkloadModel } from '../template-model';
import { ParseContext } from './context';

/** Suffix of the workload id of a domain's shared spaces. */
export const SHARED_SPACES = '.SharedSpaces';

/**
 * AWS::SageMaker::NotebookInstance, AWS::SageMaker::Domain and AWS::SageMaker::UserProfile, with the
 * security groups and subnets their apps run in, and whether SageMaker gives them internet access
 * through its own network.
 */
export function parseWorkloads(ctx: ParseContext): WorkloadModel[] {
  const workloads: WorkloadModel[] = [];
  for (const [id, r] of ctx.ofType('AWS::SageMaker::NotebookInstance')) {
    const p = r.Properties ?? {};
    const direct = p.DirectInternetAccess ?? 'Enabled';
    const directUnknown = typeof direct === 'string' ? undefined : `DirectInternetAccess (${describe(direct)}) is known only at deploy time`;
    workloads.push({
      id,
      label: `notebook instance ${id}`,
      type: r.Type,
      securityGroups: toArray(p.SecurityGroupIds).map(valueKey),
      subnets: toArray(p.SubnetId).map(valueKey),
      managedInternetUnknown: directUnknown,
      managedInternet: direct === 'Disabled' || directUnknown ? undefined
        : `DirectInternetAccess is ${direct}${p.DirectInternetAccess === undefined ? ' (the default)' : ''}: SageMaker gives the notebook internet access through a VPC it manages`,
    });
  }
  const domains = new Map<string, { groups: string[]; subnets: string[]; managedInternet?: string; managedInternetUnknown?: string }>();
  for (const [id, r] of ctx.ofType('AWS::SageMaker::Domain')) {
    const p = r.Properties ?? {};
    const access = p.AppNetworkAccessType ?? 'PublicInternetOnly';
    const accessUnknown = typeof access === 'string' ? undefined : `AppNetworkAccessType (${describe(access)}) is known only at deploy time`;
    const domain = {
      groups: toArray(p.DefaultUserSettings?.SecurityGroups).map(valueKey),
      subnets: toArray(p.SubnetIds).map(valueKey),
      managedInternetUnknown: accessUnknown,
      managedInternet: access === 'VpcOnly' || accessUnknown ? undefined
        : `AppNetworkAccessType is ${access}${p.AppNetworkAccessType === undefined ? ' (the default)' : ''}: apps reach the internet through a VPC SageMaker manages`,
    };
    domains.set(id, domain);
    workloads.push({ id, label: `Studio domain ${id} (default user settings)`, type: r.Type, securityGroups: domain.groups, subnets: domain.subnets, managedInternet: domain.managedInternet, managedInternetUnknown: domain.managedInternetUnknown });
    // Shared spaces run with the domain's default space settings (the user settings' groups when it has none).
    const spaceGroups = toArray(p.DefaultSpaceSettings?.SecurityGroups).map(valueKey);
    if (spaceGroups.length > 0) {
      workloads.push({
        id: `${id}${SHARED_SPACES}`,
        label: `Studio domain ${id} (shared spaces)`,
        type: r.Type,
        securityGroups: spaceGroups,
        subnets: domain.subnets,
        managedInternet: domain.managedInternet,
        managedInternetUnknown: domain.managedInternetUnknown,
      });
    }
  }
  for (const [id, r] of ctx.ofType('AWS::SageMaker::UserProfile')) {
    const p = r.Properties ?? {};
    const domain = domains.get(referencedId(p.DomainId) ?? '');
    // SageMaker aggregates a profile's security groups with the domain's default ones (CreateDomain API reference).
    const groups = [...new Set([...(domain?.groups ?? []), ...toArray(p.UserSettings?.SecurityGroups).map(valueKey)])];
    workloads.push({ id, label: `Studio user profile ${id}`, type: r.Type, securityGroups: groups, subnets: domain?.subnets ?? [], managedInternet: domain?.managedInternet, managedInternetUnknown: domain?.managedInternetUnknown });
  }
  return workloads;
}
