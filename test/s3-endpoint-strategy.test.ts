import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3buckets from 'aws-cdk-lib/aws-s3';
import { S3EndpointKind, S3EndpointPolicy, S3EndpointStrategy } from '../src';

function setup(kind?: S3EndpointKind, policy?: S3EndpointPolicy, before?: (s3: S3EndpointStrategy) => void) {
  const stack = new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Workload', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const s3 = new S3EndpointStrategy(stack, 'S3', { vpc, kind, policy });
  const workload = new ec2.SecurityGroup(stack, 'Workload', { vpc, allowAllOutbound: false });
  s3.allowWorkload(workload);
  before?.(s3);
  return { stack, vpc, s3, workload, template: Template.fromStack(stack) };
}

function endpointsOf(template: Template, type: 'Gateway' | 'Interface') {
  return Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: type } }));
}

describe('S3EndpointKind.GATEWAY (default)', () => {
  const { template, s3, stack } = setup();

  test('creates only a gateway endpoint, routed from the workload subnets', () => {
    expect(endpointsOf(template, 'Interface')).toHaveLength(0);
    const [gateway] = endpointsOf(template, 'Gateway');
    expect(gateway.Properties.ServiceName).toEqual({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] });
    // One route table per workload subnet (the stack's region has 3 AZs).
    expect(gateway.Properties.RouteTableIds).toHaveLength(3);
    expect(s3.gatewayEndpoint).toBeDefined();
    expect(s3.interfaceEndpoint).toBeUndefined();
  });

  test('gives the workload 443 to the S3 prefix list, looked up at deploy time by name', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      DestinationPrefixListId: { 'Fn::GetAtt': [Match.stringLikeRegexp('S3PrefixList'), 'PrefixLists.0.PrefixListId'] },
    });
    const lookup = Object.values(template.findResources('Custom::AWS'))[0];
    expect(JSON.stringify(lookup.Properties.Create)).toContain('prefix-list-name');
    expect(JSON.stringify(lookup.Properties.Create)).toContain('.s3');
    expect(stack.resolve(s3.s3PrefixListArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/S3PrefixList/), 'PrefixLists.0.PrefixListArn'] });
  });

  test('has the data-perimeter policy: own-account buckets, read of the AWS-owned buckets of the region, nothing else', () => {
    const [gateway] = endpointsOf(template, 'Gateway');
    const statements = gateway.Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(2);
    expect(statements[0]).toEqual({
      Sid: 'OwnAccountBuckets',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceAccount': '111111111111' } },
    });
    expect(statements[1]).toMatchObject({ Sid: 'AwsOwnedBucketsReadOnly', Action: ['s3:GetObject', 's3:ListBucket'] });
    const resources = JSON.stringify(stack.resolve(statements[1].Resource));
    for (const bucket of ['al2023-repos-eu-west-1-de612dc2', 'amazonlinux-2-repos-eu-west-1', 'jumpstart-cache-prod-eu-west-1']) {
      expect(resources).toContain(`:s3:::${bucket}/*`);
    }
    expect(resources).not.toContain('"*"');
  });
});

describe('S3EndpointKind.INTERFACE', () => {
  const { template, s3 } = setup(S3EndpointKind.INTERFACE);

  test('creates only an interface endpoint, with private DNS for all resolvers and no S3 prefix-list lookup', () => {
    expect(endpointsOf(template, 'Gateway')).toHaveLength(0);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      DnsOptions: { PrivateDnsOnlyForInboundResolverEndpoint: 'AllResolvers' },
    });
    template.resourceCountIs('Custom::AWS', 0);
    expect(s3.s3PrefixListId).toBeUndefined();
  });

  test('gives the workload 443 to the endpoint security group, which accepts only that workload', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^S3SecurityGroup'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Workload'), 'GroupId'] },
    });
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupEgress', { DestinationPrefixListId: Match.anyValue() }, 0);
    const [group] = Object.values(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('S3 interface') } }));
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('carries the same data-perimeter policy', () => {
    const [endpoint] = endpointsOf(template, 'Interface');
    expect(endpoint.Properties.PolicyDocument.Statement.map((s: any) => s.Sid)).toEqual(['OwnAccountBuckets', 'AwsOwnedBucketsReadOnly']);
  });
});

describe('S3EndpointKind.GATEWAY_AND_INTERFACE', () => {
  const { template } = setup(S3EndpointKind.GATEWAY_AND_INTERFACE);

  test('the interface endpoint answers inbound resolvers only and is created after the gateway endpoint', () => {
    const interfaces = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    const gateways = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } });
    const [endpoint] = Object.values(interfaces);
    expect(endpoint.Properties.DnsOptions).toEqual({ PrivateDnsOnlyForInboundResolverEndpoint: 'OnlyInboundResolver' });
    expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    expect(endpoint.DependsOn).toEqual(expect.arrayContaining(Object.keys(gateways)));
  });

  test('in-VPC workloads use the gateway route: their egress is the S3 prefix list only', () => {
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupEgress', { DestinationPrefixListId: Match.anyValue() }, 1);
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupEgress', { DestinationSecurityGroupId: Match.anyValue() }, 0);
  });
});

describe('policies', () => {
  test('dataPerimeter adds the buckets you name; the AWS-owned buckets can be left out', () => {
    const { template } = setup(undefined, S3EndpointPolicy.dataPerimeter({ allowedBucketNames: ['partner-datasets'], allowAwsOwnedBuckets: false }));
    const [gateway] = endpointsOf(template, 'Gateway');
    const statements = gateway.Properties.PolicyDocument.Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(['OwnAccountBuckets', 'AllowedBuckets']);
    expect(JSON.stringify(statements[1].Resource)).toContain(':s3:::partner-datasets/*');
  });

  test('allowAll leaves AWS\'s default policy and warns', () => {
    const { template, stack } = setup(undefined, S3EndpointPolicy.allowAll());
    expect(endpointsOf(template, 'Gateway')[0].Properties.PolicyDocument).toBeUndefined();
    Annotations.fromStack(stack).hasWarning('/Test/S3', Match.stringLikeRegexp('allows every bucket of every account'));
  });

  test('fromStatements uses exactly the statements given, and addToPolicy adds to every endpoint', () => {
    const statement = new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['s3:GetObject'], resources: ['arn:aws:s3:::only/*'] });
    const { template } = setup(S3EndpointKind.GATEWAY_AND_INTERFACE, S3EndpointPolicy.fromStatements([statement]), (s3) =>
      s3.addToPolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['s3:PutObject'], resources: ['arn:aws:s3:::only/*'] })));
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(2);
    for (const endpoint of endpoints) {
      expect(endpoint.Properties.PolicyDocument.Statement.map((s: any) => s.Action)).toEqual(['s3:GetObject', 's3:PutObject']);
    }
  });

  test('addToPolicy is refused when the policy allows everything already', () => {
    const { s3 } = setup(undefined, S3EndpointPolicy.allowAll());
    expect(() => s3.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })))
      .toThrow(/policy must be a restricting policy to add statements to, got: "allow all \(AWS default\)"/);
  });

  test.each([
    ['arn:aws:s3:::my-bucket', /pass the bucket name, not its ARN: "my-bucket"/],
    ['My_Bucket', /allowedBucketNames must hold S3 bucket names/],
    ['ab', /allowedBucketNames must hold S3 bucket names/],
    ['192.168.1.1', /allowedBucketNames must hold S3 bucket names/],
  ])('rejects the bucket name %s', (name, message) => {
    expect(() => S3EndpointPolicy.dataPerimeter({ allowedBucketNames: [name] })).toThrow(message);
  });

  test('fromStatements needs a statement', () => {
    expect(() => S3EndpointPolicy.fromStatements([])).toThrow(/statements must hold at least one statement/);
  });
});

describe('validation', () => {
  test('an interface kind needs DNS hostnames and support in the VPC', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { enableDnsHostnames: false, natGateways: 0, subnetConfiguration: [{ name: 'W', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new S3EndpointStrategy(stack, 'S3', { vpc, kind: S3EndpointKind.INTERFACE }))
      .toThrow(/vpc must have DNS hostnames and DNS support enabled .* use S3EndpointKind\.GATEWAY/);
  });

  test('interface options are refused with the gateway kind', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    expect(() => new S3EndpointStrategy(stack, 'S3', { vpc, interfaceSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }))
      .toThrow(/interfaceSubnets must be left out with S3EndpointKind\.GATEWAY/);
  });

  test('is recognisable across copies of the library', () => {
    const { s3 } = setup();
    expect(S3EndpointStrategy.isS3EndpointStrategy(s3)).toBe(true);
    expect(S3EndpointStrategy.isS3EndpointStrategy({})).toBe(false);
  });
});

describe('S3 interface endpoint only, in us-east-1', () => {
  const build = (region: string | undefined, kind: S3EndpointKind) => {
    const stack = new Stack(new App(), 'Test', region ? { env: { account: '123456789012', region } } : {});
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new S3EndpointStrategy(stack, 'S3', { vpc, kind });
    return Annotations.fromStack(stack);
  };
  const warning = Match.stringLikeRegexp('SDKs that default to S3\'s legacy global endpoint .* AWS_S3_US_EAST_1_REGIONAL_ENDPOINT=regional');

  test('warns in us-east-1 and in a region-agnostic stack, with the fix', () => {
    build('us-east-1', S3EndpointKind.INTERFACE).hasWarning('/Test/S3', warning);
    build(undefined, S3EndpointKind.INTERFACE).hasWarning('/Test/S3', Match.stringLikeRegexp('If this stack is deployed in us-east-1'));
  });

  test('says nothing in another region or with a gateway endpoint', () => {
    build('eu-west-1', S3EndpointKind.INTERFACE).hasNoWarning('/Test/S3', warning);
    build('us-east-1', S3EndpointKind.GATEWAY_AND_INTERFACE).hasNoWarning('/Test/S3', warning);
  });
});

describe('a bucket of another account outside the data perimeter', () => {
  const build = (policy?: S3EndpointPolicy, account = '999999999999') => {
    const stack = new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Workload', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new S3EndpointStrategy(stack, 'S3', { vpc, policy });
    const role = new iam.Role(stack, 'Workload', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    s3buckets.Bucket.fromBucketAttributes(stack, 'Partner', { bucketName: 'partner-datasets', account }).grantRead(role);
    return Annotations.fromStack(stack);
  };
  const warning = Match.stringLikeRegexp('The bucket "partner-datasets" belongs to account 999999999999, outside the S3 endpoint\'s data perimeter .* allowedBucketNames: \\[\'partner-datasets\'\\]');

  test('is a warning naming the bucket and the prop that admits it', () => {
    build().hasWarning('/Test/Partner', warning);
  });

  test('is admitted by allowedBucketNames, and a bucket of this account needs nothing', () => {
    build(S3EndpointPolicy.dataPerimeter({ allowedBucketNames: ['partner-datasets'] })).hasNoWarning('*', warning);
    build(undefined, '111111111111').hasNoWarning('*', Match.stringLikeRegexp('outside the S3 endpoint\'s data perimeter'));
    build(S3EndpointPolicy.allowAll()).hasNoWarning('*', Match.stringLikeRegexp('outside the S3 endpoint\'s data perimeter'));
  });
});
