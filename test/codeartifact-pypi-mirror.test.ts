import { App, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  CodeArtifactPypiMirror, CodeArtifactPypiMirrorProps, EndpointSet, InternetEgress, NoInternetNotebook, NoInternetStudio,
  RestrictedEgressVpc,
} from '../src';

const ENV = { account: '123456789012', region: 'eu-west-1' };

function isolated(props: Partial<CodeArtifactPypiMirrorProps> = {}, internetEgress = InternetEgress.none()) {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress });
  const mirror = new CodeArtifactPypiMirror(stack, 'Mirror', { network, ...props });
  return { stack, network, mirror };
}

/** A script as CloudFormation will see it: `Fn::Base64` of a `Fn::Join`, deploy-time values as `<LogicalId.Attribute>`. */
function scriptText(content: unknown): string {
  if (typeof content === 'string') return Buffer.from(content, 'base64').toString('utf8');
  const join = (content as { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } })['Fn::Base64']['Fn::Join'];
  return join[1].map((part) => typeof part === 'string' ? part : `<${(part as { 'Fn::GetAtt': string[] })['Fn::GetAtt']?.join('.') ?? JSON.stringify(part)}>`).join(join[0]);
}

/** The OnStart script of the stack's only notebook lifecycle configuration. */
function onStartScript(template: Template): string {
  const configs = Object.values(template.findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig'));
  expect(configs).toHaveLength(1);
  return scriptText(configs[0].Properties.OnStart[0].Content);
}

/** The statements of the default policy of the role `roleId`. */
function statementsOf(template: Template, roleId: string): Array<{ Action: string | string[]; Resource: unknown }> {
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${roleId}`) }] } }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

describe('CodeArtifactPypiMirror defaults, in a RestrictedEgressVpc without internet', () => {
  const { stack, network, mirror } = isolated();
  const notebook = new NoInternetNotebook(stack, 'Notebook', { network });
  mirror.configurePip(notebook);
  const template = Template.fromStack(stack);

  test('a domain under a new customer-managed key with rotation, kept when it leaves the stack but not when its creation rolls back', () => {
    template.hasResource('AWS::CodeArtifact::Domain', {
      Properties: {
        // The construct path, then the first group of the stack id's UUID: a redeploy after a delete gets a
        // new name instead of colliding with the kept domain.
        DomainName: { 'Fn::Join': ['-', [Match.stringLikeRegexp('^[a-z][a-z0-9-]{0,40}$'), { 'Fn::Select': [0, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }] }]] },
        EncryptionKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('MirrorKey'), 'Arn'] },
      },
      // Kept: a domain retained after a failed first deployment would block the next one.
      DeletionPolicy: 'RetainExceptOnCreate',
    });
    template.allResources('AWS::CodeArtifact::Repository', { DeletionPolicy: 'RetainExceptOnCreate' });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('CodeArtifact') });
  });

  test('the upstream repository holds the public:pypi connection; pip\'s repository has it as its only upstream', () => {
    template.resourceCountIs('AWS::CodeArtifact::Repository', 2);
    template.hasResourceProperties('AWS::CodeArtifact::Repository', {
      RepositoryName: 'pypi-store',
      ExternalConnections: ['public:pypi'],
      DomainName: { 'Fn::GetAtt': [Match.stringLikeRegexp('MirrorDomain'), 'Name'] },
      Upstreams: Match.absent(),
    });
    template.hasResourceProperties('AWS::CodeArtifact::Repository', {
      RepositoryName: 'pypi',
      ExternalConnections: Match.absent(),
      Upstreams: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('MirrorUpstreamRepository'), 'Name'] }],
    });
    template.resourceCountIs('AWS::CodeArtifact::PackageGroup', 0);
  });

  test('both CodeArtifact endpoints with private DNS, behind the VPC\'s endpoint security group, the repositories endpoint after the api endpoint', () => {
    const endpoints = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { ServiceName: Match.stringLikeRegexp('codeartifact') } });
    const byService: Record<string, { id: string; Properties: Record<string, unknown>; DependsOn?: string[] }> = Object.fromEntries(
      Object.entries(endpoints).map(([id, r]) => [r.Properties.ServiceName.replace(/^com\.amazonaws\.eu-west-1\./, ''), { id, ...r }]));
    expect(Object.keys(byService).sort()).toEqual(['codeartifact.api', 'codeartifact.repositories']);
    for (const endpoint of Object.values(byService)) {
      expect(endpoint.Properties).toMatchObject({
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        SecurityGroupIds: [{ 'Fn::GetAtt': [stack.getLogicalId(network.endpointSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] }],
      });
    }
    expect(byService['codeartifact.repositories'].DependsOn).toEqual([byService['codeartifact.api'].id]);
    // No second endpoint security group: the VPC's is reused.
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
  });

  test('the mirror adds no S3 access and no internet access', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(/s3:::assets-/); // CodeArtifact's assets buckets are named assets-<account>-<region>
    expect(json).not.toMatch(/0\.0\.0\.0\/0/);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    // The notebook's egress is what it had: the endpoint group and S3 for its own use, nothing new.
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties.Description);
    expect(egress.sort()).toEqual(['HTTPS between a registered workload and the interface endpoints', 'HTTPS to S3 through the gateway endpoint']);
  });

  test('the notebook may get a token for the domain, the repository endpoint and read it, and nothing else of CodeArtifact', () => {
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('notebook') } }))[0];
    const statements = policy.Properties.PolicyDocument.Statement.filter((s: { Sid?: string }) => s.Sid !== 'NotebookLogs');
    const logicalId = (prefix: string) => Object.keys(template.toJSON().Resources).find((id) => id.startsWith(prefix));
    expect(statements).toEqual([
      { Action: 'codeartifact:GetAuthorizationToken', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId('MirrorDomain'), 'Arn'] } },
      { Action: ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId('MirrorRepository'), 'Arn'] } },
      { Action: 'sts:GetServiceBearerToken', Effect: 'Allow', Resource: '*', Condition: { StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } } },
    ]);
  });

  test('the notebook starts once the endpoints, the domain, the repository and its policy exist', () => {
    const notebookResource = Object.values(template.findResources('AWS::SageMaker::NotebookInstance'))[0];
    const ids = (needle: string) => Object.keys(template.toJSON().Resources).filter((id) => id.startsWith(needle));
    expect(notebookResource.DependsOn).toEqual(expect.arrayContaining([
      ...ids('NetworkCodeartifactApiEndpoint'), ...ids('NetworkCodeartifactRepositoriesEndpoint'), ...ids('MirrorDomain'), ...ids('MirrorRepository'),
      ...ids('NotebookExecutionPolicy'),
    ]));
  });

  test('the OnStart script installs the packaged login script and starts it with the repository, refreshing hourly', () => {
    const script = onStartScript(template);
    expect(script).toContain("cat > /usr/local/bin/codeartifact-pip-login <<'CDK_SAGEMAKER_EGRESS_PIP_LOGIN_SCRIPT'\n#!/bin/bash\n# cdk-sagemaker-egress: log pip in");
    const start = script.split('\n').find((l) => l.startsWith('/usr/local/bin/codeartifact-pip-login start '));
    expect(start).toBeDefined();
    // The names as the stack resolves them (the notebook depends on the domain and repository), single-quoted.
    const domainName = Object.values(template.findResources('AWS::CodeArtifact::Domain'))[0].Properties.DomainName;
    expect(start).toContain(`--domain '<${JSON.stringify(domainName)}>' --domain-owner '123456789012' --repository 'pypi' --region 'eu-west-1' `);
    expect(start).toContain('--pip-config /etc/pip.conf --mode 644 --state-dir /var/lib/codeartifact-pip-login --max-age 3600 --check-every 300 --scheduler auto');
  });

  test('is clean under cdk-nag AwsSolutions (the STS wildcard is acknowledged on the grantee\'s policy)', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual([]);
  });
});

describe('CodeArtifactPypiMirror options', () => {
  test('internal packages become package groups that block the public upstream, created before the upstream repository', () => {
    const { stack } = isolated({ internalPackages: ['acme*', 'widgets'] });
    const template = Template.fromStack(stack);
    const groups = template.findResources('AWS::CodeArtifact::PackageGroup');
    expect(Object.values(groups).map((g) => g.Properties.Pattern).sort()).toEqual(['/pypi//acme~', '/pypi//widgets$']);
    for (const group of Object.values(groups)) {
      expect(group.Properties.OriginConfiguration).toEqual({
        Restrictions: { ExternalUpstream: { RestrictionMode: 'BLOCK' }, InternalUpstream: { RestrictionMode: 'ALLOW' }, Publish: { RestrictionMode: 'ALLOW' } },
      });
    }
    const upstream = Object.values(template.findResources('AWS::CodeArtifact::Repository', { Properties: { ExternalConnections: ['public:pypi'] } }))[0];
    expect([...upstream.DependsOn].sort()).toEqual(Object.keys(groups).sort());
  });

  test('an existing domain: no domain or key is created, the repositories and ARNs name it and its owner', () => {
    const { stack, mirror } = isolated({ existingDomainName: 'shared-packages', existingDomainOwner: '210987654321' });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    mirror.grantRead(role);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CodeArtifact::Domain', 0);
    template.resourceCountIs('AWS::KMS::Key', 1); // the VPC flow log's key only
    template.allResourcesProperties('AWS::CodeArtifact::Repository', { DomainName: 'shared-packages', DomainOwner: '210987654321' });
    expect(mirror.encryptionKey).toBeUndefined();
    expect(statementsOf(template, 'Reader')[0]).toEqual({
      Action: 'codeartifact:GetAuthorizationToken',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codeartifact:eu-west-1:210987654321:domain/shared-packages']] },
    });
  });

  test('a key and names of your own', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    new CodeArtifactPypiMirror(stack, 'Mirror', {
      network,
      encryptionKey: key,
      domainName: 'ml-packages',
      repositoryName: 'Team.Python_1',
      upstreamRepositoryName: 'pypi-public',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::CodeArtifact::Domain', {
      Properties: { DomainName: 'ml-packages', EncryptionKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('MyKey'), 'Arn'] } },
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::CodeArtifact::Repository', { RepositoryName: 'Team.Python_1' });
    template.hasResourceProperties('AWS::CodeArtifact::Repository', { RepositoryName: 'pypi-public', ExternalConnections: ['public:pypi'] });
  });

  test('grantPublish adds PublishPackageVersion on the repository\'s Python packages only', () => {
    const { stack, mirror } = isolated();
    const role = new iam.Role(stack, 'Publisher', { assumedBy: new iam.AccountRootPrincipal() });
    mirror.grantPublish(role);
    const statements = statementsOf(Template.fromStack(stack), 'Publisher');
    expect(statements.map((s) => s.Action)).toEqual([
      'codeartifact:GetAuthorizationToken', ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'],
      'codeartifact:PublishPackageVersion', 'sts:GetServiceBearerToken',
    ]);
    // arn:<partition>:codeartifact:<region>:<owner>:package/<domain>/<repository>/pypi//* (Python packages have no namespace)
    expect(statements[2].Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codeartifact:eu-west-1:', { 'Fn::GetAtt': [expect.stringMatching(/^MirrorDomain/), 'Owner'] },
        ':package/', { 'Fn::GetAtt': [expect.stringMatching(/^MirrorDomain/), 'Name'] }, '/', { 'Fn::GetAtt': [expect.stringMatching(/^MirrorRepository/), 'Name'] }, '/pypi//*']],
    });
  });

  test('a custom refresh interval is passed to the login script', () => {
    const { stack, network, mirror } = isolated({ tokenRefreshInterval: Duration.hours(6) });
    const notebook = new NoInternetNotebook(stack, 'Notebook', { network });
    mirror.configurePip(notebook);
    expect(onStartScript(Template.fromStack(stack))).toContain('--max-age 21600 ');
  });

  test('works in NAT mode too, adding no internet access of its own', () => {
    const { stack, network, mirror } = isolated({}, InternetEgress.natGateway());
    const notebook = new NoInternetNotebook(stack, 'Notebook', { network });
    mirror.configurePip(notebook);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 7);
    expect(JSON.stringify(template.findResources('AWS::EC2::SecurityGroupEgress'))).not.toMatch(/0\.0\.0\.0\/0/);
  });
});

describe('CodeArtifactPypiMirror in a VPC that is not a RestrictedEgressVpc', () => {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const mirror = new CodeArtifactPypiMirror(stack, 'Mirror', { vpc });
  const notebook = new NoInternetNotebook(stack, 'Notebook', { vpc });
  mirror.configurePip(notebook);
  const template = Template.fromStack(stack);

  test('creates the two endpoints and their own security group, open only to configured workloads on 443', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.allResourcesProperties('AWS::EC2::VPCEndpoint', {
      PrivateDnsEnabled: true,
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('MirrorEndpointSecurityGroup'), 'GroupId'] }],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('MirrorEndpointSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotebookSecurityGroup'), 'GroupId'] },
      FromPort: 443,
      ToPort: 443,
      IpProtocol: 'tcp',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('CodeArtifact'),
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
    expect(mirror.connections.securityGroups).toHaveLength(1);
  });
});

describe('CodeArtifactPypiMirror with Studio', () => {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none(), maxAzs: 2, endpointSets: [] });
  const studio = new NoInternetStudio(stack, 'Studio', { network, endpoints: EndpointSet.STUDIO, userProfiles: ['alice'] });
  const mirror = new CodeArtifactPypiMirror(stack, 'Mirror', { network });
  mirror.configurePip(studio);
  const template = Template.fromStack(stack);

  test('a JupyterLab lifecycle configuration, built in for users and shared spaces (they cannot opt out), that logs pip in as the app\'s user', () => {
    const configs = template.findResources('AWS::SageMaker::StudioLifecycleConfig');
    expect(Object.keys(configs)).toHaveLength(1);
    const [id, config] = Object.entries(configs)[0];
    expect(config.Properties.StudioLifecycleConfigAppType).toBe('JupyterLab');
    expect(config.Properties.StudioLifecycleConfigName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    const content = scriptText(config.Properties.StudioLifecycleConfigContent);
    expect(content).toContain('"$HOME/.local/bin/codeartifact-pip-login" start ');
    expect(content).toContain('--pip-config "$HOME/.config/pip/pip.conf" --mode 600');
    expect(content).toContain('--scheduler loop');
    const settings = { BuiltInLifecycleConfigArn: { 'Fn::GetAtt': [id, 'StudioLifecycleConfigArn'] } };
    template.hasResourceProperties('AWS::SageMaker::Domain', {
      DefaultUserSettings: Match.objectLike({ JupyterLabAppSettings: settings }),
      DefaultSpaceSettings: Match.objectLike({ JupyterLabAppSettings: settings }),
    });
  });

  test('the lifecycle configuration\'s name changes with its content and tags (SageMaker replaces, never updates, one)', () => {
    const name = (props: Partial<CodeArtifactPypiMirrorProps>, tag?: string) => {
      const s = new Stack(new App(), 'Test', { env: ENV });
      const n = new RestrictedEgressVpc(s, 'Network', { internetEgress: InternetEgress.none(), maxAzs: 2, endpointSets: [] });
      const st = new NoInternetStudio(s, 'Studio', { network: n });
      new CodeArtifactPypiMirror(s, 'Mirror', { network: n, ...props }).configurePip(st);
      if (tag) Tags.of(s).add('CostCenter', tag);
      return Object.values(Template.fromStack(s).findResources('AWS::SageMaker::StudioLifecycleConfig'))[0].Properties.StudioLifecycleConfigName;
    };
    const base = name({});
    expect(name({})).toEqual(base);
    expect(name({ tokenRefreshInterval: Duration.hours(2) })).not.toEqual(base);
    expect(name({ repositoryName: 'python' })).not.toEqual(base);
    expect(name({ domainName: 'other-domain' })).not.toEqual(base);
    expect(name({}, 'ml')).not.toEqual(base);
  });

  test('the execution role may read the repository, and every app may reach the endpoints', () => {
    expect(JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'))).toContain('codeartifact:ReadFromRepository');
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StudioSecurityGroup'), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NetworkEndpointSecurityGroup'), 'GroupId'] },
      FromPort: 443,
    });
  });
});

describe('CodeArtifactPypiMirror rejects bad input at synth', () => {
  test.each([
    ['domainName', { domainName: 'ML-Packages' }, /domainName must be a CodeArtifact domain name.*got: "ML-Packages" — did you mean "ml-packages"\?/],
    ['domainName', { domainName: 'a' }, /domainName must be a CodeArtifact domain name/],
    ['domainName', { domainName: '1packages' }, /domainName must be a CodeArtifact domain name/],
    ['domainName', { domainName: 'x'.repeat(51) }, /domainName must be a CodeArtifact domain name/],
    ['existingDomainName', { existingDomainName: 'bad_name' }, /existingDomainName must be a CodeArtifact domain name/],
    ['repositoryName', { repositoryName: '-pypi' }, /repositoryName must be a CodeArtifact repository name.*got: "-pypi"/],
    ['repositoryName', { repositoryName: 'p' }, /repositoryName must be a CodeArtifact repository name/],
    ['repositoryName', { repositoryName: 'has space' }, /repositoryName must be a CodeArtifact repository name/],
    ['upstreamRepositoryName', { upstreamRepositoryName: 'r'.repeat(101) }, /upstreamRepositoryName must be a CodeArtifact repository name/],
    ['upstream equal to repository', { repositoryName: 'python', upstreamRepositoryName: 'Python' }, /upstreamRepositoryName must differ from repositoryName.*got: "Python"/],
    ['upstream equal to the default repository', { upstreamRepositoryName: 'pypi' }, /upstreamRepositoryName must differ from repositoryName/],
    ['internalPackages', { internalPackages: ['Acme_Utils'] }, /internalPackages must hold normalized Python package names.*did you mean "acme-utils"\?/],
    ['internalPackages prefix', { internalPackages: ['acme-*'] }, /internalPackages must hold normalized.*did you mean "acme\*"\?/],
    ['internalPackages wildcard', { internalPackages: ['*'] }, /internalPackages must hold normalized/],
    ['refresh at the token lifetime', { tokenRefreshInterval: Duration.hours(12) }, /tokenRefreshInterval must be from 15 minutes to 11 hours.*got: "12 hours"/],
    ['refresh beyond the token lifetime', { tokenRefreshInterval: Duration.days(1) }, /tokenRefreshInterval must be from 15 minutes to 11 hours/],
    ['refresh too often', { tokenRefreshInterval: Duration.minutes(5) }, /tokenRefreshInterval must be from 15 minutes/],
    ['a key with an existing domain', { existingDomainName: 'shared', encryptionKey: kms.Key.fromKeyArn(new Stack(), 'K', 'arn:aws:kms:eu-west-1:123456789012:key/abc') },
      /encryptionKey must be left unset with existingDomainName/],
    ['a name with an existing domain', { existingDomainName: 'shared', domainName: 'other' }, /domainName must be left unset with existingDomainName/],
    ['an owner without an existing domain', { existingDomainOwner: '210987654321' }, /existingDomainOwner must be given only with existingDomainName/],
    ['an owner that is not an account id', { existingDomainName: 'shared', existingDomainOwner: '12345 $(id)' }, /existingDomainOwner must be a 12-digit AWS account id/],
    ['a package named twice', { internalPackages: ['acme*', 'acme*'] }, /internalPackages must name each package or prefix once, got: "acme\*"/],
  ])('%s', (_case, props, message) => {
    expect(() => isolated(props as Partial<CodeArtifactPypiMirrorProps>)).toThrow(message);
  });

  test('the refresh bounds themselves are accepted', () => {
    expect(() => isolated({ tokenRefreshInterval: Duration.minutes(15) })).not.toThrow();
    expect(() => isolated({ tokenRefreshInterval: Duration.hours(11) })).not.toThrow();
  });

  test('configurePip on a notebook of another VPC', () => {
    const { stack, mirror } = isolated();
    const other = new RestrictedEgressVpc(stack, 'Other', { internetEgress: InternetEgress.none() });
    const notebook = new NoInternetNotebook(stack, 'Notebook', { network: other });
    expect(() => mirror.configurePip(notebook)).toThrow(/workload must be in the mirror's VPC \(Test\/Network\/Vpc\).*got: "Test\/Notebook"/);
  });

  test('configurePip on a Studio domain of another VPC', () => {
    const { stack, mirror } = isolated();
    const other = new RestrictedEgressVpc(stack, 'Other', { internetEgress: InternetEgress.none(), maxAzs: 2 });
    const studio = new NoInternetStudio(stack, 'Studio', { network: other });
    expect(() => mirror.configurePip(studio)).toThrow(/workload must be in the mirror's VPC/);
  });

  test('the same VPC imported twice by id is the same VPC', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const attrs = { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-0123456789abcdef0'], vpcCidrBlock: '10.0.0.0/16' };
    const mirror = new CodeArtifactPypiMirror(stack, 'Mirror', { vpc: ec2.Vpc.fromVpcAttributes(stack, 'A', attrs) });
    const notebook = new NoInternetNotebook(stack, 'Notebook', { vpc: ec2.Vpc.fromVpcAttributes(stack, 'B', attrs) });
    expect(() => mirror.configurePip(notebook)).not.toThrow();
  });
});

test('a fixed domain name kept on delete warns that a redeploy collides, with the way out', () => {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const network = new RestrictedEgressVpc(stack, 'Network');
  new CodeArtifactPypiMirror(stack, 'Mirror', { network, domainName: 'ml-packages' });
  Annotations.fromStack(stack).hasWarning('/Test/Mirror', Match.stringLikeRegexp('"ml-packages" is kept when the stack is deleted .* deploy with existingDomainName'));
  const destroyed = new Stack(new App(), 'Test2', { env: { account: '123456789012', region: 'eu-west-1' } });
  new CodeArtifactPypiMirror(destroyed, 'Mirror', { network: new RestrictedEgressVpc(destroyed, 'Network'), domainName: 'ml-packages', removalPolicy: RemovalPolicy.DESTROY });
  Annotations.fromStack(destroyed).hasNoWarning('/Test2/Mirror', Match.stringLikeRegexp('is kept when the stack is deleted'));
});

describe('notebooks configured alike share one lifecycle configuration', () => {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const network = new RestrictedEgressVpc(stack, 'Network');
  const mirror = new CodeArtifactPypiMirror(stack, 'Mirror', { network });
  const notebooks = Array.from({ length: 40 }, (_, i) => new NoInternetNotebook(stack, `Notebook${i}`, { network }));
  notebooks.forEach((notebook) => mirror.configurePip(notebook));
  mirror.configurePip(notebooks[0]); // a second call changes nothing
  notebooks[39].addOnStartCommands('echo "this one differs"');
  const template = Template.fromStack(stack);

  test('one configuration for the 39 alike, one for the one that differs, each script once', () => {
    const configs = template.findResources('AWS::SageMaker::NotebookInstanceLifecycleConfig');
    expect(Object.keys(configs)).toHaveLength(2);
    const used = Object.values(template.findResources('AWS::SageMaker::NotebookInstance'))
      .map((n: any) => n.Properties.LifecycleConfigName['Fn::GetAtt'][0]);
    expect(new Set(used.slice(0, 39)).size).toBe(1);
    expect(used[39]).not.toEqual(used[0]);
    for (const config of Object.values(configs) as any[]) {
      expect(scriptText(config.Properties.OnStart[0].Content).split('codeartifact-pip-login start').length).toBe(2);
    }
  });

  test('40 notebooks stay far below CloudFormation\'s 1 MB template limit (each used to carry its own 13 KB script)', () => {
    expect(JSON.stringify(template.toJSON()).length).toBeLessThan(600_000);
  });
});

test('a region without CodeArtifact is a warning; a listed one or an agnostic stack says nothing', () => {
  const mirrorIn = (region?: string) => {
    const stack = new Stack(new App(), 'Test', region ? { env: { account: '123456789012', region } } : {});
    new CodeArtifactPypiMirror(stack, 'Mirror', { network: new RestrictedEgressVpc(stack, 'Network') });
    return Annotations.fromStack(stack);
  };
  const warning = Match.stringLikeRegexp('CodeArtifact is not listed for the stack\'s region');
  mirrorIn('sa-east-1').hasWarning('/Test/Mirror', Match.stringLikeRegexp('region "sa-east-1" .* would fail to deploy'));
  mirrorIn('eu-west-1').hasNoWarning('/Test/Mirror', warning);
  mirrorIn(undefined).hasNoWarning('/Test/Mirror', warning);
});
