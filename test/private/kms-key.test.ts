import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { createKey } from '../../src/private/kms-key';

test('a key the library creates lets only AWS services create grants (Control Tower CT.KMS.PR.3)', () => {
  const stack = new Stack(new App(), 'Test');
  createKey(stack, 'Key', { description: 'test', enableKeyRotation: true });
  Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
    KeyPolicy: {
      Statement: Match.arrayWith([{
        Sid: 'GrantsOnlyForAwsServices',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }]),
    },
  });
});
