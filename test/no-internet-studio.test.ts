import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  EndpointSet, HomeFileSystemRetention, InternetEgress, NaclTightening, NoInternetStudio, NoInternetStudioProps, RestrictedEgressVpc,
  S3EndpointKind, StudioAuthMode,
} from '../src';

interface NetworkOptions {
  readonly internetEgress?: InternetEgress;
  readonly s3Endpoint?: S3EndpointKind;
  readonly naclTightening?: NaclTightening;
  readonly maxAzs?: number;
}

function networkStack(props: NetworkOptions = {}) {
  const stack = new Stack(new App(), 'Test');
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none(), maxAzs: 2, endpointSets: [], ...props });
  return { stack, network };
}

function studioStack(props: Partial<NoInternetStudioProps> = {}) {
  const { stack, network } = networkStack();
  const studio = new NoInternetStudio(stack, 'Studio', { network, ...props });
  return { stack, network, studio, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties: any; DependsOn?: string[] }>;
const resourcesOf = (template: Template) => template.toJSON().Resources as Resources;
const logicalIdOf = (template: Template, type: string, pattern: RegExp) =>
  Object.entries(resourcesOf(template)).filter(([id, r]) => r.Type === type && pattern.test(id)).map(([id]) => id);
const interfaceServices = (template: Template) => Object.values(template.findResources('AWS::EC2::VPCEndpoint'))
  .filter((r) => r.Properties.VpcEndpointType === 'Interface')
  .map((r) => JSON.stringify(r.Properties.ServiceName).replace(/.*\{"Ref":"AWS::Region"\},"\.?([^"]*)".*/, '$1')).sort();

describe('NoInternetStudio defaults', () => {
  const { studio, template } = studioStack({ userProfiles: ['alice', 'bob'] });
  const [domainSg] = logicalIdOf(template, 'AWS::EC2::SecurityGroup', /^StudioSecurityGroup/);
  const [aliceSg] = logicalIdOf(template, 'AWS::EC2::SecurityGroup', /^StudioUserProfilealiceSecurityGroup/);
  const [sharedSg] = logicalIdOf(template, 'AWS::EC2::SecurityGroup', /^StudioSharedSpaceSecurityGroup/);
  const [role] = logicalIdOf(template, 'AWS::IAM::Role', /^StudioExecutionRole/);

  test('a VpcOnly domain with IAM auth on the two workload subnets, its home file system under a rotating customer-managed key', () => {
    template.hasResourceProperties('AWS::SageMaker::Domain', {
      AppNetworkAccessType: 'VpcOnly',
      AuthMode: 'IAM',
      DomainName: 'Test-Studio-EC01FB56', // from the construct path: stable, and valid for SageMaker
      VpcId: { Ref: Match.stringLikeRegexp('NetworkVpc') },
      SubnetIds: [{ Ref: Match.stringLikeRegexp('NetworkVpcWorkloadSubnet1') }, { Ref: Match.stringLikeRegexp('NetworkVpcWorkloadSubnet2') }],
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('StudioHomeKey'), 'Arn'] },
      DomainSettings: { ExecutionRoleIdentityConfig: 'USER_PROFILE_NAME', DockerSettings: { EnableDockerAccess: 'DISABLED' } },
    });
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: Match.stringLikeRegexp('Studio') },
      DeletionPolicy: 'Retain',
    });
    expect(studio.subnets).toHaveLength(2);
  });

  test('default user settings carry the execution role and the baseline group, shared spaces their own group', () => {
    const executionRole = { 'Fn::GetAtt': [role, 'Arn'] };
    template.hasResourceProperties('AWS::SageMaker::Domain', {
      DefaultUserSettings: {
        ExecutionRole: executionRole,
        SecurityGroups: [{ 'Fn::GetAtt': [domainSg, 'GroupId'] }],
        StudioWebPortal: 'ENABLED',
        DefaultLandingUri: 'studio::',
        SharingSettings: { NotebookOutputOption: 'Disabled' },
      },
      DefaultSpaceSettings: { ExecutionRole: executionRole, SecurityGroups: [{ 'Fn::GetAtt': [sharedSg, 'GroupId'] }] },
    });
  });

  // SageMaker aggregates the profile's groups with the domain's defaults: every app carries the baseline
  // group, so it must not let anything in, or users' apps would reach each other through it.
  test('the baseline group on every app has no inbound rule and only HTTPS out', () => {
    const refersTo = (value: unknown) => JSON.stringify(value) === JSON.stringify({ 'Fn::GetAtt': [domainSg, 'GroupId'] });
    const resources = Object.values(resourcesOf(template));
    expect(resources.filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && refersTo(r.Properties.GroupId))).toEqual([]);
    expect(resourcesOf(template)[domainSg].Properties.SecurityGroupIngress).toBeUndefined();
    const egress = resources.filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && refersTo(r.Properties.GroupId));
    expect(egress.map((r) => [r.Properties.FromPort, r.Properties.ToPort])).toEqual([[443, 443], [443, 443]]);
    // Users' app-to-app groups only admit themselves.
    const profileIngress = resources.filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && /StudioUserProfile/.test(JSON.stringify(r.Properties.GroupId)));
    for (const rule of profileIngress) expect(rule.Properties.SourceSecurityGroupId).toEqual(rule.Properties.GroupId);
  });

  test('each user profile gets its own security group', () => {
    template.resourceCountIs('AWS::SageMaker::UserProfile', 2);
    template.hasResourceProperties('AWS::SageMaker::UserProfile', {
      DomainId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Studio[A-F0-9]+$'), 'DomainId'] },
      UserProfileName: 'alice',
      UserSettings: { SecurityGroups: [{ 'Fn::GetAtt': [aliceSg, 'GroupId'] }] },
      SingleSignOnUserIdentifier: Match.absent(),
    });
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1 + 4); // endpoint group + baseline + shared spaces + two profiles
    expect(studio.userProfiles.map((p) => p.userProfileName)).toEqual(['alice', 'bob']);
    expect(studio.userProfiles[0].connections.securityGroups[0].node.path).toBe('Test/Studio/UserProfile-alice/SecurityGroup');
  });

  test.each([['shared-space', () => sharedSg], ['profile', () => aliceSg]])('the %s group: NFS 2049 and TCP 8192-65535 within itself, HTTPS to endpoints and S3, nothing else', (_kind, sgOf) => {
    const sg = sgOf();
    const resources = resourcesOf(template);
    const refersTo = (value: unknown) => JSON.stringify(value) === JSON.stringify({ 'Fn::GetAtt': [sg, 'GroupId'] });
    const ingress = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && refersTo(r.Properties.GroupId))
      .map((r) => [r.Properties.IpProtocol, r.Properties.FromPort, r.Properties.ToPort, refersTo(r.Properties.SourceSecurityGroupId)]);
    expect(ingress.sort()).toEqual([['tcp', 2049, 2049, true], ['tcp', 8192, 65535, true]]);
    const egress = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && refersTo(r.Properties.GroupId))
      .map((r) => [r.Properties.FromPort, r.Properties.ToPort,
        refersTo(r.Properties.DestinationSecurityGroupId) ? 'self' : r.Properties.DestinationPrefixListId ? 's3' : JSON.stringify(r.Properties.DestinationSecurityGroupId)]);
    expect(egress.sort()).toEqual([
      [2049, 2049, 'self'],
      [443, 443, 's3'],
      [443, 443, expect.stringMatching(/NetworkEndpointSecurityGroup/)],
      [8192, 65535, 'self'],
    ]);
    // The inline placeholder keeps EC2 from adding its allow-all egress rule.
    expect(resources[sg].Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
    expect(resources[sg].Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('the endpoint security group accepts HTTPS from the domain group and each profile group', () => {
    const fromStudio = Object.values(resourcesOf(template)).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress'
      && /NetworkEndpointSecurityGroup/.test(JSON.stringify(r.Properties.GroupId)) && /Studio/.test(JSON.stringify(r.Properties.SourceSecurityGroupId)));
    expect(fromStudio.map((r) => [r.Properties.FromPort, r.Properties.ToPort])).toEqual([[443, 443], [443, 443], [443, 443], [443, 443]]);
  });

  test('adds the Studio endpoint set to the VPC: SageMaker API and runtime, STS, CloudWatch Logs', () => {
    expect(interfaceServices(template)).toEqual(['logs', 'sagemaker.api', 'sagemaker.runtime', 'sts']);
  });

  test('the execution role trusts SageMaker, may set the source identity, and has no AWS-managed policy', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'sagemaker.amazonaws.com' } }),
          Match.objectLike({ Action: 'sts:SetSourceIdentity', Principal: { Service: 'sagemaker.amazonaws.com' } }),
        ],
      },
      ManagedPolicyArns: Match.absent(),
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/FullAccess/);
  });

  const executionPolicy = () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: role }] } }));
    return policy.Properties.PolicyDocument.Statement as Array<{ Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }>;
  };

  test('the execution policy: Studio in this domain, JumpStart browsing and models in the perimeter, nothing account-wide but List and ECR auth', () => {
    const statements = executionPolicy();
    expect(statements.map((s) => s.Sid)).toEqual([
      'StudioRead', 'StudioList', 'StudioSpacesAndApps', 'TagOnCreate', 'StudioLogs',
      'JumpStartBrowse', 'JumpStartArtifacts', 'JumpStartDeploy', 'JumpStartModelInDomainVpc', 'JumpStartModelIsolated', 'JumpStartPassRole',
      'ModelImagePull', 'ModelImageAuth',
    ]);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    for (const statement of statements) {
      const actions = ([] as string[]).concat(statement.Action);
      expect(actions.every((a) => !a.includes('*'))).toBe(true);
      if (statement.Resource === '*') expect(['StudioList', 'ModelImageAuth']).toContain(statement.Sid);
    }
    expect(JSON.stringify(bySid.StudioSpacesAndApps.Resource)).toMatch(/:app\/",\{"Fn::GetAtt":\["Studio[A-F0-9]+","DomainId"\]\},"\/\*"/);
    expect(bySid.TagOnCreate.Condition).toEqual({ Null: { 'sagemaker:TaggingAction': 'false' } });
    expect(bySid.JumpStartPassRole).toMatchObject({
      Resource: { 'Fn::GetAtt': [role, 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    expect(JSON.stringify(bySid.JumpStartBrowse.Resource)).toMatch(/:aws:hub\/SageMakerPublicHub"/);
    expect(JSON.stringify(bySid.JumpStartArtifacts.Resource)).toMatch(/jumpstart-cache-prod-.*jumpstart-private-cache-prod-/);
    // Signing in is the person's own IAM identity, never the shared execution role.
    expect(JSON.stringify(statements)).not.toMatch(/CreatePresignedDomainUrl/);
    const kms = statements.find((s) => JSON.stringify(s.Action).includes('kms:'));
    expect(kms).toMatchObject({ Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StudioHomeKey/), 'Arn'] } });
    expect(kms!.Action).toEqual(expect.arrayContaining(['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext']));
    expect(bySid.JumpStartArtifacts.Action).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  test('the home file system is kept by default: the deletion resource is a no-op that profiles wait for', () => {
    template.hasResourceProperties('Custom::StudioDomainDeletion', {
      DomainId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Studio[A-F0-9]+$'), 'DomainId'] },
      HomeEfsFileSystem: 'Retain',
    });
    const [deletion] = logicalIdOf(template, 'Custom::StudioDomainDeletion', /.*/);
    for (const profile of Object.values(template.findResources('AWS::SageMaker::UserProfile'))) {
      expect(profile.DependsOn).toContain(deletion);
    }
    const handlerPolicies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('sagemaker:DeleteDomain'));
    expect(handlerPolicies).toHaveLength(1);
    expect(handlerPolicies[0].Properties.PolicyDocument.Statement[0]).toEqual({
      Action: ['sagemaker:DeleteDomain', 'sagemaker:DescribeDomain'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Studio[A-F0-9]+$/), 'DomainArn'] },
    });
  });
});

describe('NoInternetStudio options', () => {
  test('HomeFileSystemRetention.DELETE tells the deletion resource to delete the file system, and nothing warns', () => {
    const { stack, template } = studioStack({ homeFileSystemRetention: HomeFileSystemRetention.DELETE });
    template.hasResourceProperties('Custom::StudioDomainDeletion', { HomeEfsFileSystem: 'Delete' });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('a VPC in another stack: the retained file system does not block this stack, so no warning', () => {
    const app = new App();
    const networkStackOnly = new Stack(app, 'Net');
    const network = new RestrictedEgressVpc(networkStackOnly, 'Network', { internetEgress: InternetEgress.none(), endpointSets: [] });
    const studioStackOnly = new Stack(app, 'Studio');
    new NoInternetStudio(studioStackOnly, 'Studio', { network, userProfiles: ['alice'] });
    expect(Annotations.fromStack(studioStackOnly).findWarning('*', Match.stringLikeRegexp('home file system is kept'))).toEqual([]);
  });

  test('a profile may have an execution role of its own', () => {
    const { stack, network } = networkStack();
    const studio = new NoInternetStudio(stack, 'Studio', { network });
    const role = new iam.Role(stack, 'AliceRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    studio.addUserProfile('alice', { role });
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::UserProfile', {
      UserSettings: { ExecutionRole: { 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as iam.CfnRole), 'Arn'] } },
    });
  });

  test('hosting endpoints, which take no network condition key, are granted only by choice (jumpStartHosting)', () => {
    const hostingActions = ['sagemaker:CreateEndpointConfig', 'sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint'];
    const deployActions = (t: Template) => {
      const [policy] = Object.values(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'JumpStartDeploy' })]) } } }));
      return ([] as string[]).concat(policy.Properties.PolicyDocument.Statement.find((st: any) => st.Sid === 'JumpStartDeploy').Action);
    };
    const defaultTemplate = studioStack().template;
    const byDefaultStatements = () => Object.values(defaultTemplate.findResources('AWS::IAM::ManagedPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const byDefault = deployActions(defaultTemplate);
    expect(byDefault).toEqual(expect.arrayContaining(['sagemaker:InvokeEndpoint', 'sagemaker:DescribeEndpoint']));
    for (const action of hostingActions) expect(byDefault).not.toContain(action);
    const hosting = studioStack({ jumpStartHosting: true, userProfiles: ['alice'] });
    expect(deployActions(hosting.template)).toEqual(expect.arrayContaining(hostingActions));
    // A VPC-bound model's endpoint gets its network interfaces through the execution role, in the domain's VPC only.
    const statements = Object.values(hosting.template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement as any[]);
    const enis = statements.find((st) => st.Sid === 'HostingNetworkInterfaces');
    expect(enis.Action).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']));
    expect(JSON.stringify(enis.Condition.ArnEquals['ec2:Vpc'])).toMatch(/vpc\/.*NetworkVpc/);
    expect(statements.find((st) => st.Sid === 'HostingNetworkDescribe')).toBeDefined();
    expect(JSON.stringify(byDefaultStatements())).not.toMatch(/HostingNetwork/);
    // CreateModel in the VPC accepts any group of the domain's apps: baseline, shared spaces, each profile.
    const inVpc = statements.find((st) => st.Sid === 'JumpStartModelInDomainVpc');
    const groups = JSON.stringify(inVpc.Condition['ForAllValues:StringEquals']['sagemaker:VpcSecurityGroupIds']);
    for (const group of ['StudioSecurityGroup', 'StudioSharedSpaceSecurityGroup', 'StudioUserProfilealiceSecurityGroup']) expect(groups).toMatch(new RegExp(group));
    expect(() => studioStack({ jumpStart: false, jumpStartHosting: true }))
      .toThrow(/jumpStartHosting must be given only with jumpStart/);
    const { stack, network } = networkStack();
    const ownRole = iam.Role.fromRoleArn(stack, 'Own', 'arn:aws:iam::123456789012:role/studio');
    new NoInternetStudio(stack, 'Studio', { network, role: ownRole, jumpStartHosting: true });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('jumpStartHosting configures the execution role the domain creates'));
  });

  test('jumpStart: false drops the JumpStart statements and the endpoint log group', () => {
    const { template } = studioStack({ jumpStart: false });
    const json = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(json).not.toMatch(/JumpStart|hub-content|jumpstart-cache|iam:PassRole|ecr:|Endpoints/);
    expect(json).toMatch(/StudioSpacesAndApps/);
  });

  test('IAM Identity Center binds each profile to a user name', () => {
    const { stack, network } = networkStack();
    const studio = new NoInternetStudio(stack, 'Studio', { network, authMode: StudioAuthMode.IAM_IDENTITY_CENTER, userProfiles: ['alice'] });
    studio.addUserProfile('bob', { identityCenterUserName: 'bob@example.com' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Domain', { AuthMode: 'SSO' });
    template.hasResourceProperties('AWS::SageMaker::UserProfile', { UserProfileName: 'alice', SingleSignOnUserIdentifier: 'UserName', SingleSignOnUserValue: 'alice' });
    template.hasResourceProperties('AWS::SageMaker::UserProfile', { UserProfileName: 'bob', SingleSignOnUserValue: 'bob@example.com' });
  });

  test('security groups you bring are used everywhere as they are, and no group is created', () => {
    const { stack, network } = networkStack();
    const own = new ec2.SecurityGroup(stack, 'Own', { vpc: network.vpc, allowAllOutbound: false });
    const studio = new NoInternetStudio(stack, 'Studio', { network, securityGroups: [own], userProfiles: ['alice'] });
    const template = Template.fromStack(stack);
    const ownId = { 'Fn::GetAtt': [stack.getLogicalId(own.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] };
    template.hasResourceProperties('AWS::SageMaker::Domain', { DefaultUserSettings: { SecurityGroups: [ownId] }, DefaultSpaceSettings: { SecurityGroups: [ownId] } });
    // The profile inherits the domain's groups (SageMaker aggregates them).
    template.hasResourceProperties('AWS::SageMaker::UserProfile', { UserSettings: { SecurityGroups: Match.absent() } });
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2); // endpoint group + own
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { FromPort: 2049 }, 0);
    expect(studio.connections.securityGroups).toEqual([own]);
  });

  test('a role you bring is used as it is, without an execution policy', () => {
    const { stack, network } = networkStack();
    const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const studio = new NoInternetStudio(stack, 'Studio', { network, role });
    const template = Template.fromStack(stack);
    expect(studio.role).toBe(role);
    expect(JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'))).not.toMatch(/StudioSpacesAndApps/);
  });

  test('grants add to the execution policy', () => {
    const { stack, network } = networkStack();
    const studio = new NoInternetStudio(stack, 'Studio', { network });
    const bucket = new s3.Bucket(stack, 'Data');
    bucket.grantRead(studio, 'datasets/*');
    const template = Template.fromStack(stack);
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((p) => JSON.stringify(p).includes('StudioSpacesAndApps'))!;
    expect(JSON.stringify(policy)).toMatch(/s3:GetObject\*.*datasets\/\*/);
  });

  test.each([
    ['studioUi', ['sagemaker.studio']],
    ['cloudWatchMonitoring', ['monitoring']],
    ['containerRegistry', ['ecr.api', 'ecr.dkr']],
    ['kms', ['kms']],
    ['ec2', ['ec2']],
    ['serviceCatalog', ['servicecatalog']],
    ['ssm', ['ssm']],
  ])('EndpointSet.studio({ %s: true }) adds its endpoints', (option, added) => {
    const set = EndpointSet.studio({ [option]: true });
    const base = EndpointSet.STUDIO.services.map((s) => s.shortName);
    expect(set.services.map((s) => s.shortName).filter((n) => !base.includes(n))).toEqual(option === 'studioUi' ? ['studio'] : added);
  });

  test('EndpointSet.studio({ cloudWatchLogs: false }) keeps only what Studio cannot run without', () => {
    expect(EndpointSet.studio({ cloudWatchLogs: false }).services.map((s) => s.shortName)).toEqual(['sagemaker.api', 'sagemaker.runtime', 'sts']);
    expect(EndpointSet.STUDIO.name).toBe('studio');
  });

  test('the Studio UI endpoint uses the aws.sagemaker service-name prefix', () => {
    const { template } = studioStack({ endpoints: EndpointSet.studio({ studioUi: true }) });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: { 'Fn::Join': ['', ['aws.sagemaker.', { Ref: 'AWS::Region' }, '.studio']] } });
  });
});

describe('NoInternetStudio in every network mode', () => {
  test.each([
    ['isolated, S3 gateway, NACLs tightened', { internetEgress: InternetEgress.none(), s3Endpoint: S3EndpointKind.GATEWAY, naclTightening: NaclTightening.tightened() }],
    ['isolated, S3 interface, NACLs tightened', { internetEgress: InternetEgress.none(), s3Endpoint: S3EndpointKind.INTERFACE, naclTightening: NaclTightening.tightened() }],
    ['NAT, S3 gateway, NACLs tightened', { internetEgress: InternetEgress.natGateway(), s3Endpoint: S3EndpointKind.GATEWAY, naclTightening: NaclTightening.tightened() }],
    ['NAT, S3 interface', { internetEgress: InternetEgress.natGateway(), s3Endpoint: S3EndpointKind.INTERFACE }],
  ])('%s: apps reach S3 the way the VPC provides it, with no warning', (_name, networkProps) => {
    const { stack, network } = networkStack(networkProps);
    new NoInternetStudio(stack, 'Studio', { network, userProfiles: ['alice'] });
    const template = Template.fromStack(stack);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
      .filter((r) => /Studio(UserProfilealice|SharedSpace)?SecurityGroup/.test(JSON.stringify(r.Properties.GroupId)) && r.Properties.FromPort === 443);
    if (networkProps.s3Endpoint === S3EndpointKind.INTERFACE) {
      expect(egress.map((r) => r.Properties.DestinationPrefixListId)).toEqual([undefined, undefined, undefined]);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', ServiceName: Match.objectLike({}) });
    } else {
      expect(egress.filter((r) => r.Properties.DestinationPrefixListId)).toHaveLength(3);
    }
    template.hasResourceProperties('AWS::SageMaker::Domain', { AppNetworkAccessType: 'VpcOnly' });
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Studio', Match.anyValue()).map((w) => String(w.entry.data));
    expect(warnings).toEqual([expect.stringMatching(/home file system is kept.*Put the VPC in its own stack/)]);
  });

  test('any other VPC: HTTPS to the VPC CIDR and S3, and a warning to create the endpoints', () => {
    const stack = new Stack(new App(), 'Test');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new NoInternetStudio(stack, 'Studio', { vpc });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Test/Studio', Match.stringLikeRegexp('bare VPC .* It needs interface endpoints with private DNS for: sagemaker.api, sagemaker.runtime, sts, logs; and an S3 endpoint'));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('Vpc'), 'CidrBlock'] }, FromPort: 443 })]),
    });
  });
});

describe('NoInternetStudio validation', () => {
  test('rejects a VPC with one Availability Zone', () => {
    const { stack, network } = networkStack({ maxAzs: 1 });
    expect(() => new NoInternetStudio(stack, 'Studio', { network }))
      .toThrow(/vpcSubnets must select subnets in at least two Availability Zones.*got: "1 subnet\(s\) in 1 zone\(s\)"/);
  });

  test('rejects subnets selected from one zone of a larger VPC', () => {
    const { stack, network } = networkStack();
    expect(() => new NoInternetStudio(stack, 'Studio', { network, vpcSubnets: { subnets: [network.vpc.isolatedSubnets[0]] } }))
      .toThrow(/vpcSubnets must select subnets in at least two Availability Zones/);
  });

  test.each(['-alice', 'alice-', 'al_ice', 'al.ice', 'a'.repeat(64), ''])('rejects the profile name %j', (name) => {
    expect(() => studioStack({ userProfiles: [name] })).toThrow(/userProfiles must be 1 to 63 letters, digits and hyphens/);
  });

  test('accepts the longest and the shortest valid profile names', () => {
    expect(() => studioStack({ userProfiles: ['a'.repeat(63), 'b', 'data-scientist-1'] })).not.toThrow();
  });

  test('rejects a profile listed twice, also in another case', () => {
    expect(() => studioStack({ userProfiles: ['alice', 'bob', 'alice'] })).toThrow(/userProfiles must name each user profile once.*got: "alice"/);
    expect(() => studioStack({ userProfiles: ['alice', 'Alice'] })).toThrow(/case-insensitively.*got: "Alice"/);
  });

  test('rejects a profile added twice through addUserProfile', () => {
    const { studio } = studioStack({ userProfiles: ['alice'] });
    expect(() => studio.addUserProfile('ALICE')).toThrow(/name each user profile once/);
  });

  test('rejects a bad domain name', () => {
    expect(() => studioStack({ domainName: 'my_domain' })).toThrow(/domainName must be 1 to 63 letters, digits and hyphens.*got: "my_domain"/);
  });

  test('rejects more than four security groups, and none', () => {
    const { stack, network } = networkStack();
    const groups = [1, 2, 3, 4, 5].map((i) => new ec2.SecurityGroup(stack, `Sg${i}`, { vpc: network.vpc }));
    expect(() => new NoInternetStudio(stack, 'Studio', { network, securityGroups: groups }))
      .toThrow(/securityGroups must hold 1 to 4 security groups.*got: 5/);
    expect(() => new NoInternetStudio(stack, 'Studio2', { network, securityGroups: [] })).toThrow(/got: 0/);
  });

  test('rejects an Identity Center user name in IAM mode', () => {
    const { studio } = studioStack();
    expect(() => studio.addUserProfile('bob', { identityCenterUserName: 'bob' })).toThrow(/identityCenterUserName must be given only when authMode/);
  });

  test('fails synthesis when the endpoint security group would exceed its 60 inbound rules', () => {
    const { stack, network } = networkStack();
    new NoInternetStudio(stack, 'Studio', { network, userProfiles: Array.from({ length: 59 }, (_, i) => `user-${i}`) });
    expect(() => Template.fromStack(stack)).toThrow(/endpoint security group must hold at most 60 inbound rules.*got: 61 registered workload security groups/);
  });

});

test('JumpStart in a region without a known Deep Learning Containers registry warns, with the grant to add', () => {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'mx-central-1' } });
  const network = new RestrictedEgressVpc(stack, 'Network');
  new NoInternetStudio(stack, 'Studio', { network });
  Annotations.fromStack(stack).hasWarning('/Test/Studio', Match.stringLikeRegexp('No AWS Deep Learning Containers registry is known for the region "mx-central-1"'));
  const known = new Stack(new App(), 'Known', { env: { account: '123456789012', region: 'eu-west-1' } });
  new NoInternetStudio(known, 'Studio', { network: new RestrictedEgressVpc(known, 'Network') });
  Annotations.fromStack(known).hasNoWarning('/Known/Studio', Match.stringLikeRegexp('No AWS Deep Learning Containers registry'));
});
