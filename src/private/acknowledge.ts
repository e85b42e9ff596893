import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag rule the library acknowledges on one resource, with the reason a reviewer reads. */
export interface NagAcknowledgement {
  /** Rule id as cdk-nag reports it, e.g. `AwsSolutions-IAM4` or `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Why the finding is inherent or accepted. */
  readonly reason: string;
}

/**
 * Acknowledges findings on exactly one CloudFormation resource (never on a whole subtree), in the two
 * forms cdk-nag reads:
 * - cdk-nag 3 (policy-validation plugin): construct metadata under `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`.
 *   Written directly rather than through `Validations.acknowledge()`, which rejects granular ids that
 *   contain more than one `::` (e.g. `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:...]`).
 * - cdk-nag 2 (Aspects): the `cdk_nag.rules_to_suppress` CloudFormation metadata, which also leaves an
 *   audit trail in the template.
 */
export function acknowledgeNagFindings(resource: CfnResource, acknowledgements: NagAcknowledgement[]): void {
  if (acknowledgements.length === 0) return;
  const record: Record<string, string> = {};
  for (const ack of acknowledgements) {
    if (!ack.reason.trim()) throw new Error(`acknowledgement of ${ack.id} on ${resource.node.path} needs a reason`);
    record[ack.id] = ack.reason;
  }
  resource.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, record);

  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: NagAcknowledgement[] } | undefined)?.rules_to_suppress ?? [];
  const merged = [...existing.filter((e) => !(e.id in record)), ...acknowledgements.map((a) => ({ id: a.id, reason: a.reason }))];
  resource.addMetadata('cdk_nag', { rules_to_suppress: merged });
}

/** The CloudFormation resource of a construct: itself if it is one, else its default child. */
export function cfnResourceOf(construct: IConstruct): CfnResource | undefined {
  if (CfnResource.isCfnResource(construct)) return construct;
  const child = construct.node.defaultChild;
  return child && CfnResource.isCfnResource(child) ? child : undefined;
}
