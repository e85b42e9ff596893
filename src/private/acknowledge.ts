import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ruleSuiteEquivalents } from './rule-suites';

/**
 * A finding the library acknowledges on one resource, with the reason a reviewer reads, under the ids of
 * every rule suite that reports it: cdk-nag, checkov and cfn-guard (see ./rule-suites.ts for the formats).
 */
export interface Acknowledgement {
  /** Rule id as cdk-nag reports it, e.g. `AwsSolutions-IAM4` or `AwsSolutions-IAM5[Resource::*]`; none if cdk-nag has no such rule. */
  readonly id?: string;
  /** checkov check ids, besides those equivalent to `id` (./rule-suites.ts), e.g. `CKV_AWS_173`. */
  readonly checkov?: string[];
  /** cfn-guard rule names, besides those equivalent to `id`, e.g. `IAM_NO_INLINE_POLICY_CHECK`. */
  readonly guard?: string[];
  /** Why the finding is inherent or accepted. */
  readonly reason: string;
}

/** A cdk-nag rule the library acknowledges on one resource (and its checkov and cfn-guard equivalents). */
export interface NagAcknowledgement extends Acknowledgement {
  readonly id: string;
}

/**
 * Acknowledges findings on exactly one CloudFormation resource (never on a whole subtree), in the forms
 * each rule suite reads:
 * - cdk-nag 3 (policy-validation plugin): construct metadata under `Validations.ACKNOWLEDGED_RULES_METADATA_KEY`.
 *   Written directly rather than through `Validations.acknowledge()`, which rejects granular ids that
 *   contain more than one `::` (e.g. `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:...]`).
 * - cdk-nag 2 (Aspects): the `cdk_nag.rules_to_suppress` CloudFormation metadata, which also leaves an
 *   audit trail in the template.
 * - checkov: `checkov.skip` ({ id, comment }) CloudFormation metadata.
 * - cfn-guard (Guard Rules Registry): `guard.SuppressedRules` CloudFormation metadata.
 * The checkov and cfn-guard ids are the acknowledgement's own plus those equivalent to its cdk-nag id.
 */
export function acknowledgeFindings(resource: CfnResource, acknowledgements: Acknowledgement[]): void {
  if (acknowledgements.length === 0) return;
  for (const ack of acknowledgements) {
    const what = ack.id ?? [...ack.checkov ?? [], ...ack.guard ?? []].join(', ');
    if (!ack.reason.trim()) throw new Error(`acknowledgement of ${what} on ${resource.node.path} needs a reason`);
    if (!ack.id && !ack.checkov?.length && !ack.guard?.length) throw new Error(`an acknowledgement on ${resource.node.path} names no rule`);
  }

  const nag = acknowledgements.filter((a): a is NagAcknowledgement => a.id !== undefined);
  if (nag.length > 0) {
    const record: Record<string, string> = {};
    for (const ack of nag) record[ack.id] = ack.reason;
    resource.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, record);
    const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: Array<{ id: string; reason: string }> } | undefined)?.rules_to_suppress ?? [];
    const merged = [...existing.filter((e) => !(e.id in record)), ...nag.map((a) => ({ id: a.id, reason: a.reason }))];
    resource.addMetadata('cdk_nag', { rules_to_suppress: merged });
  }

  // One entry per checkov id (the first reason given for it wins; cdk-nag packs repeat one reason).
  const checkov = new Map<string, string>();
  const guard = new Set<string>();
  for (const ack of acknowledgements) {
    const equivalent = ack.id ? ruleSuiteEquivalents(ack.id) : {};
    for (const id of [...equivalent.checkov ?? [], ...ack.checkov ?? []]) if (!checkov.has(id)) checkov.set(id, ack.reason);
    for (const rule of [...equivalent.guard ?? [], ...ack.guard ?? []]) guard.add(rule);
  }
  if (checkov.size > 0) {
    const existing = (resource.getMetadata('checkov') as { skip?: Array<{ id: string; comment: string }> } | undefined)?.skip ?? [];
    const kept = existing.filter((e) => !checkov.has(e.id));
    resource.addMetadata('checkov', { skip: [...kept, ...[...checkov].map(([id, comment]) => ({ id, comment }))] });
  }
  if (guard.size > 0) {
    const existing = (resource.getMetadata('guard') as { SuppressedRules?: string[] } | undefined)?.SuppressedRules ?? [];
    resource.addMetadata('guard', { SuppressedRules: [...new Set([...existing, ...guard])] });
  }
}

/** `acknowledgeFindings` for acknowledgements that each name a cdk-nag rule. */
export function acknowledgeNagFindings(resource: CfnResource, acknowledgements: NagAcknowledgement[]): void {
  acknowledgeFindings(resource, acknowledgements);
}

/** The CloudFormation resource of a construct: itself if it is one, else its default child. */
export function cfnResourceOf(construct: IConstruct): CfnResource | undefined {
  if (CfnResource.isCfnResource(construct)) return construct;
  const child = construct.node.defaultChild;
  return child && CfnResource.isCfnResource(child) ? child : undefined;
}
