import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { InternetEgress, NoInternetNotebook, RestrictedEgressVpc } from '../src';

function networkStack(internetEgress = InternetEgress.none()): { stack: Stack; network: RestrictedEgressVpc } {
  const stack = new Stack(new App(), 'Test');
  return { stack, network: new RestrictedEgressVpc(stack, 'Network', { internetEgress }) };
}

function decode(content: string): string {
  return Buffer.from(content, 'base64').toString('utf8');
}

describe('NoInternetNotebook defaults', () => {
  const { stack, network } = networkStack();
  const notebook = new NoInternetNotebook(stack, 'Notebook', { network });
  const template = Template.fromStack(stack);

  test('may describe itself, so sagemaker.get_execution_role() needs no IAM endpoint', () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { PolicyDocument: { Statement: [{ Action: 'sagemaker:DescribeNotebookInstance', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^Notebook') } }] } },
    });
    expect(Object.keys(policies)).toHaveLength(1);
    const [policy] = Object.values(policies) as any[];
    expect(JSON.stringify(policy.Properties.Roles)).toMatch(/NotebookExecutionRole/);
  });

  test('disables direct internet access and root access, requires IMDSv2, encrypts the volume', () => {
    template.hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      DirectInternetAccess: 'Disabled',
      RootAccess: 'Disabled',
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
      InstanceType: 'ml.t3.medium',
      VolumeSizeInGB: 5,
      PlatformIdentifier: 'notebook-al2023-v1',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotebookVolumeKey'), 'Arn'] },
      SubnetId: { Ref: Match.stringLikeRegexp('NetworkVpcWorkloadSubnet1') },
      LifecycleConfigName: Match.absent(),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('notebook') });
  });

  test('execution role is least privilege: notebook logs only, in a managed policy, no FullAccess', () => {
    const roleJson = JSON.stringify(template.findResources('AWS::IAM::Role'));
    expect(roleJson).not.toMatch(/FullAccess/);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('NotebookExecutionRole') }],
      PolicyDocument: {
        Statement: [{
          Sid: 'NotebookLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
          // log-group:NAME:* matches the group (CreateLogStream, DescribeLogStreams) and its streams (PutLogEvents)
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
              ':log-group:/aws/sagemaker/NotebookInstances:*']],
          },
        }],
      },
    });
    // The policy is attached before the instance starts.
    template.hasResource('AWS::SageMaker::NotebookInstance', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('NotebookExecutionPolicy')]) });
  });

  test('security group: no default egress, 443 to the endpoint security group and to S3 only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'SageMaker notebook: HTTPS to AWS endpoints only',
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
    });
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
      .filter((r) => JSON.stringify(r.Properties.GroupId).includes('NotebookSecurityGroup'));
    expect(egress).toHaveLength(2);
    for (const rule of egress) {
      expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
      expect(rule.Properties.CidrIp).toBeUndefined();
    }
    expect(egress.map((r) => Object.keys(r.Properties).find((k) => k.startsWith('Destination'))).sort())
      .toEqual(['DestinationPrefixListId', 'DestinationSecurityGroupId']);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      ToPort: 443,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NetworkEndpointSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotebookSecurityGroup'), 'GroupId'] },
    });
  });

  test('exposes connections, grant principal and identifiers', () => {
    expect(notebook.connections.securityGroups).toHaveLength(1);
    expect(stack.resolve((notebook.grantPrincipal as iam.IPrincipal).policyFragment.principalJson))
      .toEqual({ AWS: [{ 'Fn::GetAtt': [expect.stringMatching(/^NotebookExecutionRole/), 'Arn'] }] });
    expect(stack.resolve(notebook.notebookInstanceName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Notebook/), 'NotebookInstanceName'] });
    expect(stack.resolve(notebook.notebookInstanceArn)).toEqual({ Ref: expect.stringMatching(/^Notebook/) });
  });

  test('emits no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('NoInternetNotebook options', () => {
  test('instance type, volume, platform, root access, name', () => {
    const { stack, network } = networkStack(InternetEgress.natGateway());
    new NoInternetNotebook(stack, 'Notebook', {
      network,
      instanceType: 'ml.m5.xlarge',
      volumeSizeInGb: 100,
      platformIdentifier: 'notebook-al2023-v2',
      rootAccess: true,
      notebookInstanceName: 'team-a-notebook',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      InstanceType: 'ml.m5.xlarge',
      VolumeSizeInGB: 100,
      PlatformIdentifier: 'notebook-al2023-v2',
      RootAccess: 'Enabled',
      NotebookInstanceName: 'team-a-notebook',
      DirectInternetAccess: 'Disabled',
    });
  });

  test('uses a role, key and security groups you bring, adding nothing to them', () => {
    const { stack, network } = networkStack();
    const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::123456789012:role/notebook', { mutable: false });
    const encryptionKey = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678', { allowAllOutbound: false, mutable: false });
    const notebook = new NoInternetNotebook(stack, 'Notebook', { network, role, encryptionKey, securityGroups: [sg] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      RoleArn: 'arn:aws:iam::123456789012:role/notebook',
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      SecurityGroupIds: ['sg-12345678'],
    });
    // flow-log role + aws-cdk-lib's default-SG provider role + the prefix-list lookup's provider role; no notebook role
    template.resourceCountIs('AWS::IAM::Role', 3);
    expect(Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('Notebook'))).toEqual([]);
    // nor a policy for a role it did not create
    expect(Object.keys(template.findResources('AWS::IAM::ManagedPolicy')).filter((id) => id.startsWith('Notebook'))).toEqual([]);
    template.resourceCountIs('AWS::SageMaker::NotebookInstance', 1);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(notebook.role).toBe(role);
  });

  test('lifecycle commands become base64 OnCreate / OnStart scripts that stop at the first error', () => {
    const { stack, network } = networkStack();
    const notebook = new NoInternetNotebook(stack, 'Notebook', { network, onStartCommands: ['echo start'] });
    notebook.addOnCreateCommands('echo create');
    notebook.addOnStartCommands('echo again');
    const template = Template.fromStack(stack);
    const configs = Object.values(template.findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig'));
    expect(configs).toHaveLength(1);
    const { OnCreate, OnStart } = configs[0].Properties;
    expect(decode(OnCreate[0].Content)).toBe('#!/bin/bash\nset -euo pipefail\necho create\n');
    expect(decode(OnStart[0].Content)).toBe('#!/bin/bash\nset -euo pipefail\necho start\necho again\n');
    template.hasResourceProperties('AWS::SageMaker::NotebookInstance', {
      LifecycleConfigName: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotebookLifecycleConfig'), 'NotebookInstanceLifecycleConfigName'] },
    });
  });

  test('a lifecycle configuration added after construction is wired in', () => {
    const { stack, network } = networkStack();
    const notebook = new NoInternetNotebook(stack, 'Notebook', { network });
    notebook.addOnStartCommands('pip config set global.index-url https://example.invalid/simple');
    const template = Template.fromStack(stack);
    const config = Object.values(template.findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig'))[0];
    expect(config.Properties.OnCreate).toBeUndefined();
    expect(decode(config.Properties.OnStart[0].Content)).toContain('pip config set');
  });

  test('grant helpers add bucket permissions to the managed execution policy, not an inline one', () => {
    const { stack, network } = networkStack();
    const notebook = new NoInternetNotebook(stack, 'Notebook', { network });
    const data = new s3.Bucket(stack, 'Data');
    const results = new s3.Bucket(stack, 'Results');
    data.grantRead(notebook, 'datasets/*');
    results.grantReadWrite(notebook);
    const template = Template.fromStack(stack);
    const policy = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('NotebookExecutionRole') }] },
    }));
    expect(policy).toContain('s3:GetObject*');
    expect(policy).toContain('datasets/*');
    expect(policy).toContain('s3:PutObject');
    expect(Object.keys(template.findResources('AWS::IAM::Policy')).filter((id) => id.startsWith('Notebook'))).toEqual([]);
  });

  test('on a bare VPC: 443 to the VPC CIDR and S3, with a warning that lists the endpoints it needs', () => {
    const stack = new Stack(new App(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new NoInternetNotebook(stack, 'Notebook', { vpc });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'SageMaker notebook: HTTPS to AWS endpoints only',
      SecurityGroupEgress: [Match.objectLike({ CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('Vpc'), 'CidrBlock'] }, IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { DestinationPrefixListId: Match.anyValue(), FromPort: 443 });
    template.hasResourceProperties('AWS::SageMaker::NotebookInstance', { SubnetId: { Ref: Match.stringLikeRegexp('VpcIsolatedSubnet1') } });
    Annotations.fromStack(stack).hasWarning('/Test/Notebook', Match.stringLikeRegexp('bare VPC .* It needs interface endpoints with private DNS for: sagemaker.api, sagemaker.runtime, sts, logs; and an S3 endpoint'));
  });
});

test('a notebook in another stack than its VPC keeps both security-group rules in its own stack (no cycle)', () => {
  const app = new App();
  const vpcStack = new Stack(app, 'Network');
  const network = new RestrictedEgressVpc(vpcStack, 'Network', { internetEgress: InternetEgress.none() });
  const workloadStack = new Stack(app, 'Workload');
  new NoInternetNotebook(workloadStack, 'Notebook', { network });
  expect(() => app.synth()).not.toThrow();
  const workload = Template.fromStack(workloadStack);
  workload.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 443, GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('EndpointSecurityGroup') } });
  workload.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { FromPort: 443, DestinationSecurityGroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('EndpointSecurityGroup') } });
  Template.fromStack(vpcStack).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
});

describe('NoInternetNotebook validation', () => {
  const make = (props: Record<string, unknown>) => () => {
    const { stack, network } = networkStack();
    new NoInternetNotebook(stack, 'Notebook', { network, ...props });
  };

  test.each([
    ['t3.medium', /instanceType must be a SageMaker ML instance type.*"t3\.medium".*did you mean "ml\.t3\.medium"/],
    ['m5.large', /instanceType must be a SageMaker ML instance type/],
    ['ML.T3.MEDIUM', /instanceType must be a SageMaker ML instance type/],
  ])('rejects instanceType %s', (instanceType, message) => {
    expect(make({ instanceType })).toThrow(message);
  });

  test.each([4, 16385, 10.5, 0])('rejects volumeSizeInGb %s', (volumeSizeInGb) => {
    expect(make({ volumeSizeInGb })).toThrow(new RegExp(`volumeSizeInGb must be an integer from 5 to 16384, got: ${volumeSizeInGb}`));
  });

  test.each(['-leading', 'trailing-', 'has_underscore', 'x'.repeat(64)])('rejects notebookInstanceName %s', (notebookInstanceName) => {
    expect(make({ notebookInstanceName })).toThrow(/notebookInstanceName must be 1 to 63 letters, digits and hyphens/);
  });

  test.each(['notebook-al2-v3', 'notebook-al2-v2', 'notebook-al1-v1'])('rejects the retired platform %s', (platformIdentifier) => {
    expect(make({ platformIdentifier })).toThrow(new RegExp(`platformIdentifier must be a platform SageMaker still creates notebook instances on, got: "${platformIdentifier}".*notebook-al2023-v1`));
  });

  test('rejects a malformed platform and an instance family AL2023 does not run on', () => {
    expect(make({ platformIdentifier: 'al2023' })).toThrow(/platformIdentifier must be a notebook platform identifier/);
    expect(make({ instanceType: 'ml.p3.2xlarge' })).toThrow(/instanceType must be supported by the notebook-al2023-v1 platform, got: "ml\.p3\.2xlarge"/);
    expect(make({ instanceType: 'ml.p4d.24xlarge' })).not.toThrow();
  });

  test('rejects more than five security groups', () => {
    const { stack, network } = networkStack();
    const securityGroups = [1, 2, 3, 4, 5, 6].map((i) => ec2.SecurityGroup.fromSecurityGroupId(stack, `Sg${i}`, `sg-0000000${i}`));
    expect(() => new NoInternetNotebook(stack, 'Notebook', { network, securityGroups })).toThrow(/securityGroups must hold at most 5 security groups.*got: 6/);
  });

  test('accepts the limits and unresolved tokens', () => {
    expect(make({ volumeSizeInGb: 5 })).not.toThrow();
    expect(make({ volumeSizeInGb: 16384 })).not.toThrow();
    expect(make({ volumeSizeInGb: Lazy.number({ produce: () => 20 }), instanceType: Lazy.string({ produce: () => 'ml.t3.large' }) })).not.toThrow();
  });

  test('rejects a subnet selection that selects nothing', () => {
    expect(make({ vpcSubnets: { subnetFilters: [ec2.SubnetFilter.byIds(['subnet-none'])] } })).toThrow(/vpcSubnets must select at least one subnet of the VPC/);
  });

  test('rejects a lifecycle script over SageMaker\'s size limit at synth', () => {
    const { stack, network } = networkStack();
    new NoInternetNotebook(stack, 'Notebook', { network, onStartCommands: ['x'.repeat(13000)] });
    expect(() => Template.fromStack(stack)).toThrow(/onStartCommands must fit SageMaker's 16384-character lifecycle script limit/);
  });
});
