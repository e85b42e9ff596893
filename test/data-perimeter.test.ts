import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import {
  CodeArtifactPypiMirror, DataPerimeter, EndpointSet, NoInternetStudio, RestrictedEgressVpc, WorkloadNetwork,
} from '../src';
import { addReferenceConfigurations } from './scenarios/reference-configurations';
import { PRINCIPAL_ONLY_SERVICES } from '../src/private/endpoint-policies';

const env = { account: '123456789012', region: 'eu-west-1' };

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The short service name of an endpoint: 'sagemaker.api', 'studio', ... */
function serviceOf(endpoint: any): string {
  const name = JSON.stringify(endpoint.Properties.ServiceName);
  const match = /\.([a-z0-9.-]+?)"\]\]\}$/.exec(name) ?? /\.([a-z0-9-]+(?:\.[a-z0-9-]+)?)"$/.exec(name);
  return (match?.[1] ?? name).replace(/^eu-west-1\./, '');
}

const PRINCIPAL_KEYS = ['aws:PrincipalAccount', 'aws:PrincipalOrgID'];
const RESOURCE_KEYS = ['aws:ResourceAccount', 'aws:ResourceOrgID'];

/**
 * Why a statement of an endpoint policy may let something outside the perimeter through, or undefined:
 * every Allow needs the principal condition (StringEquals), and, unless it names its resources, the
 * resource condition too, except on the services whose actions do not all carry it.
 */
function perimeterViolation(statement: Statement, service: string): string | undefined {
  if (statement.Effect !== 'Allow') return undefined;
  const equals = statement.Condition?.StringEquals ?? {};
  if (!PRINCIPAL_KEYS.some((key) => key in equals)) return `${statement.Sid ?? '(no sid)'} allows any principal`;
  const actions = ([] as string[]).concat(statement.Action);
  const anyResource = JSON.stringify(statement.Resource) === '"*"';
  if (anyResource && !RESOURCE_KEYS.some((key) => key in equals)) {
    const principalOnly = PRINCIPAL_ONLY_SERVICES.includes(service) || actions.every((a) => a === 'sts:GetServiceBearerToken');
    if (!principalOnly) return `${statement.Sid ?? '(no sid)'} allows any resource (${actions.join(', ')})`;
  }
  return undefined;
}

describe('every reference configuration', () => {
  const app = new App();
  const stacks = addReferenceConfigurations(app);

  describe.each(stacks.map((s) => [s.stackName, s] as [string, Stack]))('%s', (_name, stack) => {
    const endpoints = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'))
      .filter((e: any) => e.Properties.VpcEndpointType === 'Interface');

    test('every interface endpoint has a policy document', () => {
      expect(endpoints.length).toBeGreaterThan(0);
      for (const endpoint of endpoints) {
        expect({ service: serviceOf(endpoint), statements: endpoint.Properties.PolicyDocument?.Statement?.length ?? 0 })
          .toEqual({ service: serviceOf(endpoint), statements: expect.any(Number) });
        expect(endpoint.Properties.PolicyDocument.Statement.length).toBeGreaterThan(0);
      }
    });

    test('no endpoint policy allows a principal or a resource outside the perimeter', () => {
      const violations = endpoints.flatMap((endpoint: any) => {
        const service = serviceOf(endpoint);
        // The S3 interface endpoint carries S3EndpointPolicy.dataPerimeter(): buckets of this account and
        // AWS-owned buckets read without credentials (Amazon Linux repositories), so no principal condition.
        if (service === 's3') {
          const statements = endpoint.Properties.PolicyDocument.Statement as Statement[];
          return statements.filter((st) => JSON.stringify(st.Resource) === '"*"' && !('aws:ResourceAccount' in (st.Condition?.StringEquals ?? {})))
            .map((st) => `s3: ${st.Sid} allows any bucket`);
        }
        return (endpoint.Properties.PolicyDocument.Statement as Statement[])
          .map((s) => perimeterViolation(s, service))
          .filter((v): v is string => v !== undefined)
          .map((v) => `${service}: ${v}`);
      });
      expect(violations).toEqual([]);
    });
  });
});

test('the walk catches an Allow without the principal condition', () => {
  expect(perimeterViolation({ Effect: 'Allow', Action: 'logs:*', Resource: '*' }, 'logs')).toMatch(/any principal/);
  expect(perimeterViolation({ Effect: 'Allow', Action: 'logs:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '1' } } }, 'logs'))
    .toMatch(/any resource/);
  expect(perimeterViolation({ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '1' } } }, 'ec2'))
    .toBeUndefined();
});

describe('the policy per service', () => {
  const stack = new Stack(new App(), 'Stack', { env });
  const network = new RestrictedEgressVpc(stack, 'Network', {
    endpointSets: [EndpointSet.NOTEBOOK, EndpointSet.studio({ containerRegistry: true, kms: true, ec2: true, ssm: true, studioUi: true })],
  });
  new CodeArtifactPypiMirror(stack, 'Mirror', { network });
  const template = Template.fromStack(stack);
  const policyOf = (service: string): Statement[] => {
    const endpoint = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).find((e: any) => serviceOf(e) === service);
    if (!endpoint) throw new Error(`no endpoint for ${service}`);
    return endpoint.Properties.PolicyDocument.Statement;
  };
  const inAccount = { 'aws:PrincipalAccount': '123456789012', 'aws:ResourceAccount': '123456789012' };

  test.each([
    ['sagemaker.api', 'sagemaker:*'], ['sagemaker.runtime', 'sagemaker:*'], ['studio', 'sagemaker:*'], ['sts', 'sts:*'],
    ['logs', 'logs:*'], ['ecr.api', 'ecr:*'], ['ecr.dkr', 'ecr:*'], ['kms', 'kms:*'], ['ssm', 'ssm:*'],
    ['codeartifact.api', 'codeartifact:*'], ['codeartifact.repositories', 'codeartifact:*'],
  ])('%s: the service\'s actions, principal and resource of this account', (service, action) => {
    expect(policyOf(service)[0]).toMatchObject({
      Effect: 'Allow', Principal: { AWS: '*' }, Action: action, Resource: '*', Condition: { StringEquals: inAccount },
    });
  });

  test('ec2: principal only (some EC2 and all EBS actions carry no aws:ResourceAccount)', () => {
    expect(policyOf('ec2')).toEqual([expect.objectContaining({ Action: 'ec2:*', Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } } })]);
  });

  test('sts and CodeArtifact: the service bearer token, for principals of the account', () => {
    for (const service of ['sts', 'codeartifact.api', 'codeartifact.repositories']) {
      expect(policyOf(service)).toContainEqual(expect.objectContaining({
        Action: 'sts:GetServiceBearerToken', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } },
      }));
    }
  });

  test('ECR: pulls from the region\'s Deep Learning Containers registry, nothing else of another account', () => {
    expect(policyOf('ecr.dkr')).toContainEqual(expect.objectContaining({
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012', 'aws:ResourceAccount': ['763104351884'] } },
    }));
  });

  test('SageMaker API: reads of the public JumpStart hub', () => {
    const hub = policyOf('sagemaker.api').find((s) => s.Sid === 'PerimeterPrincipalsPublicJumpStartHub')!;
    expect(JSON.stringify(hub.Resource)).toMatch(/:aws:hub\/SageMakerPublicHub/);
    expect(([] as string[]).concat(hub.Action).every((a) => /^sagemaker:(Describe|List)/.test(a))).toBe(true);
  });
});

describe('organization mode', () => {
  test('principals and resources of the organization', () => {
    const stack = new Stack(new App(), 'Stack', { env });
    new RestrictedEgressVpc(stack, 'Network', { perimeter: DataPerimeter.organization('o-a1b2c3d4e5') });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.logs',
      PolicyDocument: { Statement: [Match.objectLike({ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } } })] },
    });
  });

  test.each(['o-short', 'O-A1B2C3D4E5', 'r-a1b2', '123456789012', 'o-a1b2c3d4e5!'])('rejects "%s", naming the prop and the fix', (id) => {
    expect(() => DataPerimeter.organization(id)).toThrow(new RegExp(`organizationId must be "o-" followed by 10 to 32 lowercase letters or digits, got: "${id.replace(/[.*+?^${}()|[\]\\!]/g, '\\$&')}" — pass the id of the organization`));
  });
});

describe('opting out and bringing endpoints', () => {
  test('DataPerimeter.none(): AWS\'s default policy, with a warning on the network', () => {
    const stack = new Stack(new App(), 'Stack', { env });
    new RestrictedEgressVpc(stack, 'Network', { perimeter: DataPerimeter.none() });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-1.sts', PolicyDocument: Match.absent() });
    Annotations.fromStack(stack).hasWarning('/Stack/Network/Default', Match.stringLikeRegexp('DataPerimeter.none\\(\\).*default policy'));
  });

  test('existing endpoints the user brought: a warning naming them', () => {
    const stack = new Stack(new App(), 'Stack', { env });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
      isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1'],
      isolatedSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1'],
    });
    const sts = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Sts', { vpcEndpointId: 'vpce-0123456789abcdef0', port: 443 });
    new WorkloadNetwork(stack, 'Network', { vpc, existingInterfaceEndpoints: [{ service: ec2.InterfaceVpcEndpointAwsService.STS, endpoint: sts }] });
    Annotations.fromStack(stack).hasWarning('/Stack/Network', Match.stringLikeRegexp('existing endpoints for sts keep their own policies'));
    // The endpoints it creates are still covered.
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.logs', PolicyDocument: { Statement: Match.anyValue() },
    });
  });

  test('addInterfaceEndpoint: the perimeter by default, the user\'s statements when given, more resources on request', () => {
    const stack = new Stack(new App(), 'Stack', { env });
    const network = new RestrictedEgressVpc(stack, 'Network', { endpointSets: [] });
    network.addInterfaceEndpoint('Sqs', { service: ec2.InterfaceVpcEndpointAwsService.SQS });
    network.addInterfaceEndpoint('Kms', {
      service: ec2.InterfaceVpcEndpointAwsService.KMS,
      policyStatements: [new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['kms:Decrypt'], resources: ['*'] })],
    });
    network.addInterfaceEndpoint('Ecr', { service: ec2.InterfaceVpcEndpointAwsService.ECR });
    network.addInterfaceEndpoint('Ecr', {
      service: ec2.InterfaceVpcEndpointAwsService.ECR, allowedResourceArns: ['arn:aws:ecr:eu-west-1:141502667606:repository/*'],
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.sqs',
      PolicyDocument: { Statement: [Match.objectLike({ Action: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012', 'aws:ResourceAccount': '123456789012' } } })] },
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.kms', PolicyDocument: { Statement: [Match.objectLike({ Action: 'kms:Decrypt' })] },
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.ecr.api',
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Resource: 'arn:aws:ecr:eu-west-1:141502667606:repository/*', Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } } })]) },
    });
    expect(() => network.addInterfaceEndpoint('Kms2', { service: ec2.InterfaceVpcEndpointAwsService.KMS, policyStatements: [] }))
      .toThrow(/policyStatements must be given only when the endpoint is created/);
  });
});

describe('CodeArtifact mirror', () => {
  test('on a bare VPC: its two endpoints under the perimeter, with the other account\'s domain by name', () => {
    const stack = new Stack(new App(), 'Stack', { env });
    const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new CodeArtifactPypiMirror(stack, 'Mirror', { vpc, existingDomainName: 'shared', existingDomainOwner: '210987654321' });
    const endpoints = Object.values(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint'));
    expect(endpoints).toHaveLength(2);
    for (const endpoint of endpoints as any[]) {
      const statements = endpoint.Properties.PolicyDocument.Statement as Statement[];
      expect(statements.map((s) => perimeterViolation(s, serviceOf(endpoint))).filter(Boolean)).toEqual([]);
      expect(JSON.stringify(statements)).toMatch(/codeartifact:eu-west-1:210987654321:domain\/shared/);
    }
  });

  test('perimeter with a network is refused', () => {
    const stack = new Stack(new App(), 'Stack', { env });
    const network = new RestrictedEgressVpc(stack, 'Network');
    expect(() => new CodeArtifactPypiMirror(stack, 'Mirror', { network, perimeter: DataPerimeter.account() }))
      .toThrow(/perimeter must be left out with a network/);
  });
});

function executionPolicyOf(stack: Stack): any {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))
    .find((p: any) => p.Properties.PolicyDocument.Statement.some((s: Statement) => s.Sid === 'StudioRead'));
}

describe('the Studio execution role', () => {
  /** SageMaker actions that start compute and take the network condition keys (Service Authorization Reference). */
  const COMPUTE_WITH_NETWORK_KEYS = ['sagemaker:CreateModel', 'sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob',
    'sagemaker:CreateHyperParameterTuningJob', 'sagemaker:CreateAutoMLJob', 'sagemaker:CreateAutoMLJobV2', 'sagemaker:CreateNotebookInstance'];
  /** Starts compute but takes none of them. */
  const COMPUTE_WITHOUT_NETWORK_KEYS = ['sagemaker:CreateTransformJob'];

  test.each([['environment-agnostic', undefined], ['eu-west-1', env]])('%s: compute only in the domain\'s VPC or isolated, images only of this account and the DLC registries', (_label, stackEnv) => {
    const stack = new Stack(new App(), 'Stack', { env: stackEnv });
    const network = new RestrictedEgressVpc(stack, 'Network');
    new NoInternetStudio(stack, 'Studio', { network });
    const policy = executionPolicyOf(stack);
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      const actions = ([] as string[]).concat(statement.Action);
      expect(actions.filter((a) => COMPUTE_WITHOUT_NETWORK_KEYS.includes(a) || a.endsWith(':*'))).toEqual([]);
      if (actions.some((a) => COMPUTE_WITH_NETWORK_KEYS.includes(a))) {
        const conditions = statement.Condition ?? {};
        const inVpc = conditions['ForAllValues:StringEquals']?.['sagemaker:VpcSubnets'] !== undefined
          && conditions['ForAllValues:StringEquals']?.['sagemaker:VpcSecurityGroupIds'] !== undefined
          && conditions.Null?.['sagemaker:VpcSubnets'] === 'false' && conditions.Null?.['sagemaker:VpcSecurityGroupIds'] === 'false';
        const isolated = conditions.Bool?.['sagemaker:NetworkIsolation'] === 'true';
        expect({ sid: statement.Sid, inVpc, isolated }).toEqual({ sid: statement.Sid, inVpc: expect.any(Boolean), isolated: expect.any(Boolean) });
        expect(inVpc || isolated).toBe(true);
      }
      for (const resource of ([] as unknown[]).concat(statement.Resource)) {
        const text = JSON.stringify(resource);
        if (text.includes(':ecr:')) expect(text).not.toMatch(/:ecr:[^:]*:\*:/);
      }
    }
    const pull = statements.find((s) => s.Sid === 'ModelImagePull')!;
    const text = JSON.stringify(pull.Resource);
    expect(text).toMatch(/AWS::AccountId|123456789012/);
    expect(text).toMatch(/763104351884/);
    if (stackEnv) expect((pull.Resource as unknown[]).length).toBe(2);
  });

  test('the VPC condition names the domain\'s subnets and security groups', () => {
    const stack = new Stack(new App(), 'Stack', { env });
    const network = new RestrictedEgressVpc(stack, 'Network');
    new NoInternetStudio(stack, 'Studio', { network });
    const policy = executionPolicyOf(stack);
    const inVpc = (policy.Properties.PolicyDocument.Statement as Statement[]).find((s) => s.Sid === 'JumpStartModelInDomainVpc')!;
    const domain = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Domain'))[0] as any;
    expect(inVpc.Condition!['ForAllValues:StringEquals']['sagemaker:VpcSubnets']).toEqual(domain.Properties.SubnetIds);
    // Any group of the domain's apps: the baseline on every app and the shared spaces' group.
    expect(inVpc.Condition!['ForAllValues:StringEquals']['sagemaker:VpcSecurityGroupIds'])
      .toEqual([...domain.Properties.DefaultUserSettings.SecurityGroups, ...domain.Properties.DefaultSpaceSettings.SecurityGroups]);
  });
});

describe('cdk-nag', () => {
  const stack = new Stack(new App(), 'Stack', { env });
  const network = new RestrictedEgressVpc(stack, 'Network', {
    perimeter: DataPerimeter.organization('o-a1b2c3d4e5'),
    endpointSets: [EndpointSet.studio({ containerRegistry: true, kms: true, ec2: true, ssm: true })],
  });
  new NoInternetStudio(stack, 'Studio', { network });
  new CodeArtifactPypiMirror(stack, 'Mirror', { network });
  const packs: Array<() => NagPack> = [
    () => new AwsSolutionsChecks(), () => new NIST80053R5Checks(), () => new HIPAASecurityChecks(), () => new PCIDSS321Checks(),
  ];
  test.each(packs.map((p) => [p().readPackName, p] as [string, () => NagPack]))('%s reports nothing unacknowledged', (_pack, make) => {
    const report = make().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});
