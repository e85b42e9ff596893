import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  CodeArtifactPypiMirror, DnsEgressAllowlist, EndpointSet, NaclTightening, NoInternetNotebook, NoInternetStudio, RestrictedEgressVpc,
  S3EndpointKind, WorkloadNetwork,
} from '../src';

const env = { account: '123456789012', region: 'eu-west-1' };

/** An existing VPC as a team has it: two isolated subnets with their route tables, imported by attributes. */
function importedVpc(stack: Stack, withCidr = true): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: withCidr ? '10.20.0.0/16' : undefined,
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    isolatedSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'],
  });
}

/** What a notebook's security group is given, independent of logical ids. */
function notebookRules(template: Template): { egress: string[]; ingressToEndpoints: number } {
  const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
    .filter((r: any) => JSON.stringify(r.Properties.GroupId).includes('Notebook'))
    .map((r: any) => `${r.Properties.IpProtocol}/${r.Properties.FromPort}-${r.Properties.ToPort} -> ${r.Properties.DestinationPrefixListId ? 'prefix list' : 'endpoint group'}`)
    .sort();
  const ingressToEndpoints = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
    .filter((r: any) => JSON.stringify(r.Properties.SourceSecurityGroupId).includes('Notebook')).length;
  return { egress, ingressToEndpoints };
}

function endpointServices(template: Template): string[] {
  return Object.values(template.findResources('AWS::EC2::VPCEndpoint'))
    .map((r: any) => {
      const name = r.Properties.ServiceName;
      // com.amazonaws.eu-west-1.sagemaker.api, or Fn::Join ['', ['com.amazonaws.', {Ref: AWS::Region}, '.s3']]
      const short = typeof name === 'string' ? name.split('.').slice(3).join('.') : String(name['Fn::Join'][1].slice(-1)[0]).replace(/^\./, '');
      return `${short}:${r.Properties.VpcEndpointType ?? 'Gateway'}`;
    })
    .sort();
}

describe('WorkloadNetwork on an existing VPC', () => {
  test('gives a notebook the same rules and endpoints as a RestrictedEgressVpc', () => {
    const ownStack = new Stack(new App(), 'Own', { env });
    const own = new RestrictedEgressVpc(ownStack, 'Network');
    new NoInternetNotebook(ownStack, 'Notebook', { network: own });

    const stack = new Stack(new App(), 'Existing', { env });
    const network = new WorkloadNetwork(stack, 'Network', { vpc: importedVpc(stack) });
    new NoInternetNotebook(stack, 'Notebook', { network });

    const expected = Template.fromStack(ownStack);
    const actual = Template.fromStack(stack);
    expect(endpointServices(actual)).toEqual(endpointServices(expected));
    expect(endpointServices(actual)).toEqual([
      'logs:Interface', 's3:Gateway', 'sagemaker.api:Interface', 'sagemaker.runtime:Interface', 'sts:Interface',
    ]);
    expect(notebookRules(actual)).toEqual(notebookRules(expected));
    expect(notebookRules(actual).egress).toEqual(['tcp/443-443 -> endpoint group', 'tcp/443-443 -> prefix list']);
    // The gateway endpoint goes on the route tables of the subnets given.
    actual.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'], VpcId: 'vpc-0123456789abcdef0',
    });
    actual.hasResourceProperties('AWS::SageMaker::NotebookInstance', { SubnetId: 'subnet-0aaaaaaaaaaaaaaa1' });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('bare VPC'));
  });

  test('uses the endpoints the VPC already has instead of creating them, and registers workloads with them', () => {
    const stack = new Stack(new App(), 'Existing', { env });
    const existingGroup = ec2.SecurityGroup.fromSecurityGroupId(stack, 'StsGroup', 'sg-0bbbbbbbbbbbbbbb1');
    const sts = ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Sts', {
      vpcEndpointId: 'vpce-0bbbbbbbbbbbbbbb1', port: 443, securityGroups: [existingGroup],
    });
    const network = new WorkloadNetwork(stack, 'Network', {
      vpc: importedVpc(stack),
      existingInterfaceEndpoints: [{ service: ec2.InterfaceVpcEndpointAwsService.STS, endpoint: sts }],
    });
    new NoInternetNotebook(stack, 'Notebook', { network });
    const template = Template.fromStack(stack);
    expect(endpointServices(template)).toEqual(['logs:Interface', 's3:Gateway', 'sagemaker.api:Interface', 'sagemaker.runtime:Interface']);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0bbbbbbbbbbbbbbb1', FromPort: 443, ToPort: 443 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { DestinationSecurityGroupId: 'sg-0bbbbbbbbbbbbbbb1', FromPort: 443 });
    expect(network.addInterfaceEndpoint('Again', { service: ec2.InterfaceVpcEndpointAwsService.STS })).toBe(sts);
    Annotations.fromStack(stack).hasInfo('/Existing/Network', 'Existing interface endpoints used, not created: sts.');
  });

  test('adds Studio\'s endpoints when a domain joins it', () => {
    const stack = new Stack(new App(), 'Existing', { env });
    const network = new WorkloadNetwork(stack, 'Network', { vpc: importedVpc(stack), endpointSets: [] });
    new NoInternetStudio(stack, 'Studio', { network, endpoints: EndpointSet.studio({ studioUi: true }) });
    expect(endpointServices(Template.fromStack(stack))).toEqual([
      'logs:Interface', 's3:Gateway', 'sagemaker.api:Interface', 'sagemaker.runtime:Interface', 'sts:Interface', 'studio:Interface',
    ]);
  });

  test('tightens the NACLs of the subnets given, with the VPC CIDR it was imported with', () => {
    const stack = new Stack(new App(), 'Existing', { env });
    new WorkloadNetwork(stack, 'Network', { vpc: importedVpc(stack), naclTightening: NaclTightening.tightened(), s3Endpoint: S3EndpointKind.INTERFACE });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::NetworkAclEntry', { CidrBlock: '10.20.0.0/16', RuleNumber: 100, Egress: true });
    template.resourceCountIs('AWS::EC2::SubnetNetworkAclAssociation', 2);
    template.hasResourceProperties('AWS::EC2::SubnetNetworkAclAssociation', { SubnetId: 'subnet-0aaaaaaaaaaaaaaa1' });
  });

  test('tightened NACLs need the VPC CIDR', () => {
    const stack = new Stack(new App(), 'Existing', { env });
    expect(() => new WorkloadNetwork(stack, 'Network', { vpc: importedVpc(stack, false), naclTightening: NaclTightening.tightened() }))
      .toThrow(/vpc must carry its CIDR block for tightened NACLs .* pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes/);
  });

  test('natSubnets only with naclTightening', () => {
    const stack = new Stack(new App(), 'Existing', { env });
    expect(() => new WorkloadNetwork(stack, 'Network', { vpc: importedVpc(stack), natSubnets: { subnetType: ec2.SubnetType.PUBLIC } }))
      .toThrow(/natSubnets must be given only with naclTightening/);
  });

  test('knows whether the workload subnets route to the internet', () => {
    const stack = new Stack(new App(), 'Existing', { env });
    const isolated = new WorkloadNetwork(stack, 'Isolated', { vpc: importedVpc(stack) });
    const privateVpc = ec2.Vpc.fromVpcAttributes(stack, 'Private', {
      vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'], privateSubnetRouteTableIds: ['rtb-1'],
    });
    const nat = new WorkloadNetwork(stack, 'Nat', { vpc: privateVpc });
    expect(isolated.hasInternetRoute).toBe(false);
    expect(nat.hasInternetRoute).toBe(true);
  });
});

describe('the network and vpc props of workloads', () => {
  test('a network passed as vpc (as a Python caller might) names the prop and the fix', () => {
    const stack = new Stack(new App(), 'Test', { env });
    const network = new RestrictedEgressVpc(stack, 'Network');
    expect(() => new NoInternetNotebook(stack, 'Notebook', { vpc: network as unknown as ec2.IVpc }))
      .toThrow(/vpc must be an ec2.IVpc, got: "RestrictedEgressVpc at Test\/Network" — pass the network as network/);
    expect(() => new NoInternetNotebook(stack, 'Notebook2', { network: network.vpc as any }))
      .toThrow(/network must be a network \(RestrictedEgressVpc or WorkloadNetwork\), got: .* wrap it: new WorkloadNetwork/);
    expect(() => new WorkloadNetwork(stack, 'Wrapped', { vpc: network as any })).toThrow(/vpc must be an ec2.IVpc/);
  });

  test('one of network and vpc is required, and both must name one VPC', () => {
    const stack = new Stack(new App(), 'Test', { env });
    const network = new RestrictedEgressVpc(stack, 'Network');
    expect(() => new NoInternetNotebook(stack, 'Notebook', {})).toThrow(/network must be given \(or vpc\)/);
    const other = importedVpc(stack);
    expect(() => new NoInternetNotebook(stack, 'Notebook2', { network, vpc: other })).toThrow(/vpc must be the network's VPC/);
    expect(() => new NoInternetNotebook(stack, 'Notebook3', { network, vpc: network.vpc })).not.toThrow();
  });
});

describe('endpoint services and regions are checked', () => {
  test('a misspelt AWS service fails with "did you mean", and an unknown one is given by its full name', () => {
    const stack = new Stack(new App(), 'Test', { env });
    const network = new RestrictedEgressVpc(stack, 'Network');
    expect(() => network.addInterfaceEndpoint('Typo', { service: new ec2.InterfaceVpcEndpointAwsService('sagemakerr.api') }))
      .toThrow(/service must name an interface endpoint service aws-cdk-lib knows, got: "sagemakerr.api" — did you mean "sagemaker.api"\? For a service it does not know yet, pass new ec2.InterfaceVpcEndpointService/);
    expect(() => EndpointSet.of('genai', [new ec2.InterfaceVpcEndpointAwsService('bedrockk-runtime')]))
      .toThrow(/services\[0\] must name an interface endpoint service aws-cdk-lib knows, got: "bedrockk-runtime" — did you mean "bedrock-runtime"\?/);
    const custom = network.addInterfaceEndpoint('Future', { service: new ec2.InterfaceVpcEndpointService('com.amazonaws.eu-west-1.future-service', 443) });
    expect(custom.node.id).toBe('Future');
  });

  test('a region aws-cdk-lib does not know is a warning with the nearest one', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-9' } });
    new RestrictedEgressVpc(stack, 'Network');
    Annotations.fromStack(stack).hasWarning('/Test/Network/Default', Match.stringLikeRegexp('region "eu-west-9" is not a region aws-cdk-lib knows \\(did you mean "eu-west-1"\\?\\)'));
  });
});

describe('construct-typed props are checked at run time (jsii callers skip the compiler)', () => {
  const stack = new Stack(new App(), 'Kinds', { env });
  const network = new RestrictedEgressVpc(stack, 'Network');
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['a VPC given as a notebook role', () => new NoInternetNotebook(stack, 'N1', { network, role: network.vpc as any }),
      /role must be an iam.IRole, got: "Vpc at Kinds\/Network\/Vpc" — pass a role/],
    ['a role given as a notebook key', () => new NoInternetNotebook(stack, 'N2', { network, encryptionKey: {} as any }),
      /encryptionKey must be a kms.IKey, got: "Object"/],
    ['a string given as a security group', () => new NoInternetNotebook(stack, 'N3', { network, securityGroups: ['sg-1'] as any }),
      /securityGroups\[0\] must be an ec2.ISecurityGroup, got: "string sg-1"/],
    ['a network given as the DNS allowlist VPC', () => new DnsEgressAllowlist(stack, 'D1', { vpc: network as any }),
      /vpc must be an ec2.IVpc, got: "RestrictedEgressVpc at Kinds\/Network" — pass the VPC \(network.vpc/],
    ['a key given as the Studio role', () => new NoInternetStudio(stack, 'S1', { network, role: new kms.Key(stack, 'K') as any }),
      /role must be an iam.IRole, got: "Key at Kinds\/K"/],
    ['a role given as the mirror key', () => new CodeArtifactPypiMirror(stack, 'M1', { network, encryptionKey: iam.Role.fromRoleName(stack, 'R', 'r') as any }),
      /encryptionKey must be a kms.IKey/],
    ['a notebook given to configurePip that is not one', () => new CodeArtifactPypiMirror(stack, 'M2', { network }).configurePip(network as any),
      /workload must be a NoInternetNotebook or NoInternetStudio \(an IPipConfigurable\)/],
  ];
  test.each(cases)('%s names the prop and the fix', (_, build, message) => {
    expect(build).toThrow(message);
  });
});
