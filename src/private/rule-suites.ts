/**
 * The rule suites users run next to cdk-nag, and what each calls the findings the library acknowledges.
 *
 * An acknowledgement is written once, with its cdk-nag id and reason (`acknowledgeNagFindings`), and is
 * recorded for the other suites too, in each one's own metadata format, under the ids this table gives:
 *
 * - checkov (bridgecrewio/checkov): `Metadata.checkov.skip: [{ id: 'CKV_AWS_116', comment: '<reason>' }]`
 *   on the CloudFormation resource. Read by checkov/cloudformation/context_parser.py
 *   (`collect_skip_comments`: `metadata.get("checkov", {}).get("skip", [])`, each entry's `id` and `comment`);
 *   docs: "Suppressing and Skipping Policies" (docs/2.Basics/) in the checkov repository.
 * - cfn-guard with the AWS Guard Rules Registry (aws-cloudformation/aws-guard-rules-registry):
 *   `Metadata.guard.SuppressedRules: ['LAMBDA_DLQ_CHECK', ...]`. Each registry rule filters its resources
 *   itself, e.g. rules/aws/lambda/lambda_dlq_check.guard:
 *   `Metadata.guard.SuppressedRules not exists or Metadata.guard.SuppressedRules.* != "LAMBDA_DLQ_CHECK"`.
 *   The format has no place for a reason: the reason is the one in the `cdk_nag` and `checkov` entries.
 * - cfn-guard with the AWS Control Tower proactive controls that @cdklabs/cdk-validator-cfnguard ships
 *   (rules/control-tower/cfn-guard/): these rules read no suppression metadata at all. The library still
 *   lists their rule names (e.g. `lambda_inside_vpc_check`, control CT.LAMBDA.PR.3) in
 *   `Metadata.guard.SuppressedRules`, so that the acknowledgement is visible in the template and a pipeline
 *   can filter on it (test/rule-suites.test.ts does); the CfnGuardValidator plugin itself can only disable a
 *   rule for the whole app (`disabledRules`).
 */

/** The ids of one finding in checkov and in cfn-guard rule sets. */
export interface RuleSuiteIds {
  /** checkov check ids (CloudFormation framework). */
  readonly checkov?: string[];
  /** cfn-guard rule names: Guard Rules Registry (upper case) and Control Tower controls (lower case). */
  readonly guard?: string[];
}

/**
 * By cdk-nag rule, without its pack prefix (`NIST.800.53.R5-LambdaDLQ` -> `LambdaDLQ`): the same check in
 * checkov and cfn-guard. cdk-nag's NIST, HIPAA and PCI packs, the registry's rules and Control Tower's
 * controls all implement the same AWS Config rules, so the equivalence is by Config rule.
 */
const EQUIVALENTS: Record<string, RuleSuiteIds> = {
  // Config lambda-dlq-check.
  'LambdaDLQ': { checkov: ['CKV_AWS_116'], guard: ['LAMBDA_DLQ_CHECK'] },
  // Config lambda-concurrency-check.
  'LambdaConcurrency': { checkov: ['CKV_AWS_115'], guard: ['LAMBDA_CONCURRENCY_CHECK'] },
  // Config lambda-inside-vpc; Control Tower CT.LAMBDA.PR.3.
  'LambdaInsideVPC': { checkov: ['CKV_AWS_117'], guard: ['LAMBDA_INSIDE_VPC', 'lambda_inside_vpc_check'] },
  // Config cloudwatch-alarm-action-check; Control Tower CT.CLOUDWATCH.PR.1.
  'CloudWatchAlarmAction': { guard: ['CLOUDWATCH_ALARM_ACTION_CHECK', 'cloudwatch_alarm_action_check'] },
  // Config no-unrestricted-route-to-igw.
  'VPCNoUnrestrictedRouteToIGW': { guard: ['NO_UNRESTRICTED_ROUTE_TO_IGW'] },
  // A policy statement on Resource "*" (cfn_nag W11/W12): registry rules/aws/iam/iam_policydocument_no_wildcard_resource.guard.
  'IAM5[Resource::*]': { guard: ['IAM_POLICYDOCUMENT_NO_WILDCARD_RESOURCE'] },
};

/** The checkov and cfn-guard ids of the finding cdk-nag reports as `nagId` (none if the suites have no such check). */
export function ruleSuiteEquivalents(nagId: string): RuleSuiteIds {
  const rule = nagId.replace(/^(AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321)-/, '');
  return EQUIVALENTS[rule] ?? {};
}
