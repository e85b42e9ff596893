import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { acknowledgeNagFindings } from '../../src/private/acknowledge';

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
