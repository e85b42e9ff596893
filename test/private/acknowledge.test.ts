import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { acknowledgeFindings, acknowledgeNagFindings } from '../../src/private/acknowledge';
import { ruleSuiteEquivalents } from '../../src/private/rule-suites';

test('writes cdk-nag 3 construct metadata and cdk-nag 2 template metadata on the resource only', () => {
  const stack = new Stack(new App(), 'Test');
  const resource = new CfnResource(stack, 'R', { type: 'AWS::SNS::Topic' });
  const granular = 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:*]';
  acknowledgeNagFindings(resource, [{ id: 'AwsSolutions-SNS2', reason: 'reason one' }, { id: granular, reason: 'reason two' }]);
  acknowledgeNagFindings(resource, [{ id: 'AwsSolutions-SNS2', reason: 'reason one, restated' }]);

  const data = resource.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data);
  expect(data).toEqual([{ 'AwsSolutions-SNS2': 'reason one', [granular]: 'reason two' }, { 'AwsSolutions-SNS2': 'reason one, restated' }]);
  expect(stack.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)).toEqual([]);

  const metadata = Template.fromStack(stack).toJSON().Resources.R.Metadata;
  expect(metadata.cdk_nag.rules_to_suppress).toEqual([
    { id: granular, reason: 'reason two' },
    { id: 'AwsSolutions-SNS2', reason: 'reason one, restated' },
  ]);
});

test('refuses an acknowledgement without a reason', () => {
  const stack = new Stack(new App(), 'Test');
  const resource = new CfnResource(stack, 'R', { type: 'AWS::SNS::Topic' });
  expect(() => acknowledgeNagFindings(resource, [{ id: 'AwsSolutions-SNS2', reason: ' ' }])).toThrow(/needs a reason/);
});

test('records the checkov and cfn-guard equivalents of a cdk-nag rule, in their formats, with one reason', () => {
  const stack = new Stack(new App(), 'Test');
  const fn = new CfnResource(stack, 'F', { type: 'AWS::SNS::Topic' });
  const reason = 'The function runs only at deploy time and CloudFormation reports its failures.';
  acknowledgeNagFindings(fn, ['NIST.800.53.R5', 'HIPAA.Security'].map((pack) => ({ id: `${pack}-LambdaDLQ`, reason })));
  acknowledgeFindings(fn, [{ checkov: ['CKV_AWS_173'], guard: ['LAMBDA_DLQ_CHECK', 'CUSTOM_RULE'], reason: 'The environment holds no secret.' }]);

  const metadata = Template.fromStack(stack).toJSON().Resources.F.Metadata;
  // checkov: Metadata.checkov.skip [{ id, comment }], one entry per check.
  expect(metadata.checkov).toEqual({ skip: [{ id: 'CKV_AWS_116', comment: reason }, { id: 'CKV_AWS_173', comment: 'The environment holds no secret.' }] });
  // Guard Rules Registry: Metadata.guard.SuppressedRules, rule names without duplicates.
  expect(metadata.guard).toEqual({ SuppressedRules: ['LAMBDA_DLQ_CHECK', 'CUSTOM_RULE'] });
  expect(metadata.cdk_nag.rules_to_suppress.map((r: { id: string }) => r.id)).toEqual(['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ']);
});

test('an acknowledgement without a cdk-nag rule writes no cdk-nag metadata, and must name some rule', () => {
  const stack = new Stack(new App(), 'Test');
  const resource = new CfnResource(stack, 'R', { type: 'AWS::SNS::Topic' });
  acknowledgeFindings(resource, [{ checkov: ['CKV_AWS_173'], reason: 'The environment holds no secret.' }]);
  expect(resource.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)).toEqual([]);
  expect(Object.keys(Template.fromStack(stack).toJSON().Resources.R.Metadata)).toEqual(['checkov']);
  expect(() => acknowledgeFindings(resource, [{ reason: 'No rule is named here at all.' }])).toThrow(/names no rule/);
});

test('cdk-nag rules map to the same checks in checkov and cfn-guard', () => {
  expect(ruleSuiteEquivalents('PCI.DSS.321-LambdaInsideVPC')).toEqual({ checkov: ['CKV_AWS_117'], guard: ['LAMBDA_INSIDE_VPC', 'lambda_inside_vpc_check'] });
  expect(ruleSuiteEquivalents('AwsSolutions-IAM5[Resource::*]')).toEqual({ guard: ['IAM_POLICYDOCUMENT_NO_WILDCARD_RESOURCE'] });
  expect(ruleSuiteEquivalents('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:*]')).toEqual({});
  expect(ruleSuiteEquivalents('AwsSolutions-L1')).toEqual({});
});
