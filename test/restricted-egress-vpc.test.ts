import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EndpointSet, InternetEgress, RestrictedEgressVpc, S3EndpointKind, WorkloadNetwork } from '../src';

function newStack(): Stack {
  return new Stack(new App(), 'Test');
}

function serviceNameOf(endpoint: any): string {
  // Region-agnostic service names render as Fn::Join ['', ['com.amazonaws.', {Ref: AWS::Region}, '.sagemaker.api']]
  const name = endpoint.Properties.ServiceName;
  if (typeof name === 'string') return name;
  const parts: unknown[] = name['Fn::Join'][1];
  return String(parts[parts.length - 1]).replace(/^\./, '');
}

describe('RestrictedEgressVpc in NAT mode', () => {
  const stack = newStack();
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway() });
  const template = Template.fromStack(stack);

  test('uses 10.0.0.0/16 with one NAT gateway in a public subnet that holds nothing else', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    // 2 AZs: 2 workload subnets (/20) + 2 egress subnets (/28)
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.hasResourceProperties('AWS::EC2::Subnet', { CidrBlock: '10.0.0.0/20' });
    template.hasResourceProperties('AWS::EC2::Subnet', { CidrBlock: '10.0.32.0/28' });
  });

  test('routes workload subnets to the NAT gateway and only egress subnets to the internet gateway', () => {
    const routes = template.findResources('AWS::EC2::Route');
    const natRoutes = Object.entries(routes).filter(([, r]) => r.Properties.NatGatewayId);
    const igwRoutes = Object.entries(routes).filter(([, r]) => r.Properties.GatewayId);
    expect(natRoutes.map(([id]) => id).every((id) => id.includes('Workload'))).toBe(true);
    expect(natRoutes).toHaveLength(2);
    expect(igwRoutes).toHaveLength(2);
    expect(igwRoutes.map(([id]) => id).every((id) => id.includes('Egress'))).toBe(true);
    for (const [, route] of [...natRoutes, ...igwRoutes]) {
      expect(route.Properties.DestinationCidrBlock).toBe('0.0.0.0/0');
    }
  });

  test('assigns no public IP on any subnet', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    expect(subnets.length).toBeGreaterThan(0);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  test('strips every rule from the default security group', () => {
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', {
      DefaultSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkVpc'), 'DefaultSecurityGroup'] },
    });
  });

  test('logs ALL traffic to a log group kept 365 days and encrypted with a rotating customer-managed key', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    // Named by CloudFormation, so that a retained group never blocks redeploying the stack.
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.absent() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']],
              },
            },
          },
        })]),
      }),
    });
  });

  test('delivers flow logs with a managed policy and a trust limited to this account', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
          Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
        })],
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'] })] },
    });
    // Delivery starts only once the policy is attached.
    template.hasResource('AWS::EC2::FlowLog', { DependsOn: Match.arrayWith([Match.stringLikeRegexp('^NetworkFlowLogPolicy')]) });
    // No inline policy is attached to the flow-log role.
    const inline = Object.keys(template.findResources('AWS::IAM::Policy'));
    expect(inline.filter((id) => id.includes('FlowLog'))).toEqual([]);
  });

  test('adds an S3 gateway endpoint on the workload route tables only', () => {
    const gateways = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } });
    expect(Object.keys(gateways)).toHaveLength(1);
    const routeTables: Array<{ Ref: string }> = Object.values(gateways)[0].Properties.RouteTableIds;
    expect(routeTables).toHaveLength(2);
    expect(routeTables.every((rt) => rt.Ref.includes('Workload'))).toBe(true);
  });

  test('creates the notebook endpoint set with private DNS in one AZ, behind the endpoint security group', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }));
    expect(endpoints.map(serviceNameOf).sort()).toEqual(['logs', 'sagemaker.api', 'sagemaker.runtime', 'sts']);
    for (const endpoint of endpoints) {
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
      expect(endpoint.Properties.SubnetIds).toHaveLength(1);
      expect(endpoint.Properties.SecurityGroupIds).toHaveLength(1);
      expect(endpoint.Properties.SecurityGroupIds[0]['Fn::GetAtt'][0]).toMatch(/^NetworkEndpointSecurityGroup/);
    }
    expect(network.interfaceEndpoints).toHaveLength(4);
  });

  test('does not open the endpoint security group to the VPC CIDR', () => {
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.anyValue() }, 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface VPC endpoints: HTTPS from registered workloads only',
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
    });
  });

  test('exposes the VPC, the workload subnets and the endpoint security group', () => {
    expect(network.vpc.selectSubnets(network.workloadSubnets).subnets).toHaveLength(2);
    expect(stack.resolve(network.endpointSecurityGroup.securityGroupId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^NetworkEndpointSecurityGroup/), 'GroupId'] });
    expect(stack.resolve(network.s3PrefixListId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/S3PrefixList/), 'PrefixLists.0.PrefixListId'] });
    expect(network.internetEgress.natGateways).toBe(1);
    expect(RestrictedEgressVpc.isRestrictedEgressVpc(network)).toBe(true);
    expect(WorkloadNetwork.isWorkloadNetwork(network.node.findChild('Default'))).toBe(true);
  });
});

describe('RestrictedEgressVpc in isolated mode', () => {
  const stack = newStack();
  new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
  const template = Template.fromStack(stack);

  test('has no internet gateway, no NAT gateway and no route to either', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    template.resourceCountIs('AWS::EC2::Route', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
  });

  test('still has the flow log, the S3 gateway endpoint and the interface endpoints', () => {
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 5);
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });
});

describe('RestrictedEgressVpc options', () => {
  test('places endpoints in as many AZs as endpointAzs', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
    new RestrictedEgressVpc(stack, 'Network', { maxAzs: 3, endpointAzs: 3, internetEgress: InternetEgress.natGateway({ natGateways: 3 }) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
    for (const endpoint of Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))) {
      expect(endpoint.Properties.SubnetIds).toHaveLength(3);
    }
  });

  test('honours vpcCidrBlock and subnet masks', () => {
    const stack = newStack();
    new RestrictedEgressVpc(stack, 'Network', { vpcCidrBlock: '172.16.0.0/20', workloadSubnetMask: 24, egressSubnetMask: 27, internetEgress: InternetEgress.natGateway() });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '172.16.0.0/20' });
    template.hasResourceProperties('AWS::EC2::Subnet', { CidrBlock: '172.16.0.0/24' });
    template.hasResourceProperties('AWS::EC2::Subnet', { CidrBlock: '172.16.2.0/27' });
  });

  test('merges endpoint sets and adds endpoints once', () => {
    const stack = newStack();
    const network = new RestrictedEgressVpc(stack, 'Network', {
      endpointSets: [EndpointSet.NOTEBOOK, EndpointSet.of('registry', [ec2.InterfaceVpcEndpointAwsService.ECR, ec2.InterfaceVpcEndpointAwsService.STS])],
    });
    const again = network.addInterfaceEndpoint('Ecr', { service: ec2.InterfaceVpcEndpointAwsService.ECR });
    expect(network.addInterfaceEndpoint('Ecr', { service: ec2.InterfaceVpcEndpointAwsService.ECR })).toBe(again);
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 5);
  });

  test('uses a flow-log key and retention you bring', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    new RestrictedEgressVpc(stack, 'Network', { flowLogKey: key, flowLogRetention: logs.RetentionDays.TWO_YEARS });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('MyKey'), 'Arn'] } });
  });

  test('allowWorkload opens 443 both ways between the workload and the endpoints, and 443 to the S3 prefix list', () => {
    const stack = newStack();
    const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
    const workload = new ec2.SecurityGroup(stack, 'Workload', { vpc: network.vpc, allowAllOutbound: false });
    network.allowWorkload(workload);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NetworkEndpointSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('Workload'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      DestinationPrefixListId: { 'Fn::GetAtt': [Match.stringLikeRegexp('S3PrefixList'), 'PrefixLists.0.PrefixListId'] },
    });
    // The prefix list is looked up at deploy time by the name of the S3 gateway service.
    const lookups = Object.values(template.findResources('Custom::AWS'));
    expect(lookups).toHaveLength(1);
    const create = JSON.stringify(lookups[0].Properties.Create);
    expect(create).toContain('\\"action\\":\\"describeManagedPrefixLists\\"');
    expect(create).toContain('\\"Name\\":\\"prefix-list-name\\",\\"Values\\":[\\"com.amazonaws.');
    expect(create).toContain('.s3\\"]');
    expect(lookups[0].Properties.InstallLatestAwsSdk).toBe(false);
  });

  test('one S3 prefix-list lookup per stack however many workloads', () => {
    const stack = newStack();
    const network = new RestrictedEgressVpc(stack, 'Network');
    for (const id of ['A', 'B', 'C']) network.allowWorkload(new ec2.SecurityGroup(stack, id, { vpc: network.vpc, allowAllOutbound: false }));
    Template.fromStack(stack).resourceCountIs('Custom::AWS', 1);
  });
});

describe('RestrictedEgressVpc validation', () => {
  test.each([[60, false], [61, true]])('%d registered workload groups against the endpoint group\'s 60 inbound rules: fails %s', (count, fails) => {
    const stack = newStack();
    const network = new RestrictedEgressVpc(stack, 'Network');
    const group = new ec2.SecurityGroup(stack, 'Shared', { vpc: network.vpc, allowAllOutbound: false });
    network.allowWorkload(group); // registering a group twice adds no rule
    for (let i = 1; i < count; i++) network.allowWorkload(new ec2.SecurityGroup(stack, `Workload${i}`, { vpc: network.vpc, allowAllOutbound: false }));
    network.allowWorkload(group);
    const synth = () => Template.fromStack(stack);
    if (fails) expect(synth).toThrow(/endpoint security group must hold at most 60 inbound rules.*got: 61 registered/);
    else expect(synth).not.toThrow();
  });

  test.each([
    ['10.0.0.1/16', /vpcCidrBlock must be aligned.*"10\.0\.0\.1\/16".*did you mean "10\.0\.0\.0\/16"/],
    ['10.0.0.0/33', /vpcCidrBlock must be an IPv4 CIDR block/],
    ['10.0.0/16', /vpcCidrBlock must be an IPv4 CIDR block/],
    ['300.0.0.0/16', /vpcCidrBlock must be an IPv4 CIDR block/],
    ['10.0.0.0/8', /vpcCidrBlock must have a prefix length from \/16 to \/28/],
  ])('rejects vpcCidrBlock %s', (cidr, message) => {
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { vpcCidrBlock: cidr })).toThrow(message);
  });

  test('rejects maxAzs < 1', () => {
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { maxAzs: 0 })).toThrow(/maxAzs must be an integer from 1 to 32, got: 0/);
  });

  test('rejects natGateways < 1 with natGateway egress, pointing at none()', () => {
    expect(() => InternetEgress.natGateway({ natGateways: 0 })).toThrow(/internetEgress\.natGateways must be an integer of at least 1.*got: 0.*InternetEgress\.none\(\)/);
  });

  test('rejects more NAT gateways than AZs', () => {
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { internetEgress: InternetEgress.natGateway({ natGateways: 3 }) }))
      .toThrow(/internetEgress\.natGateways must be an integer from 1 to 2, got: 3/);
  });

  test('rejects endpointAzs outside 1..maxAzs', () => {
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { endpointAzs: 3 })).toThrow(/endpointAzs must be an integer from 1 to 2, got: 3/);
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { endpointAzs: 0 })).toThrow(/endpointAzs must be an integer from 1 to 2, got: 0/);
  });

  test('rejects subnet masks that do not fit the VPC', () => {
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { workloadSubnetMask: 15 })).toThrow(/workloadSubnetMask must be an integer from 16 to 28, got: 15/);
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { egressSubnetMask: 29, internetEgress: InternetEgress.natGateway() })).toThrow(/egressSubnetMask must be an integer from 16 to 28, got: 29/);
  });

  test('rejects flow-log retention shorter than a year', () => {
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { flowLogRetention: logs.RetentionDays.SIX_MONTHS }))
      .toThrow(/flowLogRetention must keep flow logs for at least 365 days, got: 180/);
  });

  test('rejects tokens where the VPC layout needs a value (they would silently build another network)', () => {
    const token = Lazy.number({ produce: () => 1 });
    expect(() => InternetEgress.natGateway({ natGateways: token })).toThrow(/internetEgress\.natGateways must be known at synth time/);
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { maxAzs: token })).toThrow(/maxAzs must be known at synth time/);
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { vpcCidrBlock: Lazy.string({ produce: () => '10.0.0.0/16' }) }))
      .toThrow(/vpcCidrBlock must be known at synth time/);
  });

  test('does not reject tokens where a value is only passed through', () => {
    const stack = newStack();
    expect(() => new RestrictedEgressVpc(stack, 'Network', { flowLogRetention: Lazy.number({ produce: () => 365 }) })).not.toThrow();
  });

  test('rejects endpointAzs beyond the AZs the stack actually has', () => {
    expect(() => new RestrictedEgressVpc(newStack(), 'Network', { maxAzs: 3, endpointAzs: 3 }))
      .toThrow(/endpointAzs must be an integer from 1 to 2, got: 3.*set the stack's env/);
  });

  test('an endpoint of a partner service takes the id given, once per service', () => {
    const network = new RestrictedEgressVpc(newStack(), 'Network');
    const partner = new ec2.InterfaceVpcEndpointService('com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0', 443);
    const endpoint = network.addInterfaceEndpoint('PartnerEndpoint', { service: partner });
    expect(endpoint.node.id).toBe('PartnerEndpoint');
    expect(network.addInterfaceEndpoint('Again', { service: partner })).toBe(endpoint);
  });

  test('EndpointSet.of needs at least one service', () => {
    expect(() => EndpointSet.of('empty', [])).toThrow(/EndpointSet\.of services must name at least one service/);
  });

  test('emits no warning in either mode', () => {
    for (const internetEgress of [InternetEgress.none(), InternetEgress.natGateway()]) {
      const stack = newStack();
      new RestrictedEgressVpc(stack, 'Network', { internetEgress });
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    }
  });
});

test('by default the VPC has no internet gateway and no NAT gateway (InternetEgress.none())', () => {
  const stack = newStack();
  const network = new RestrictedEgressVpc(stack, 'Network');
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  template.resourceCountIs('AWS::EC2::NatGateway', 0);
  expect(network.internetEgress.viaNatGateway).toBe(false);
  expect(network.hasInternetRoute).toBe(false);
});

test('registering a workload twice adds no second rule (EC2 would reject the duplicate)', () => {
  for (const kind of [S3EndpointKind.GATEWAY, S3EndpointKind.INTERFACE]) {
    const stack = newStack();
    const network = new RestrictedEgressVpc(stack, 'Network', { s3Endpoint: kind });
    const workload = new ec2.SecurityGroup(stack, 'Workload', { vpc: network.vpc, allowAllOutbound: false });
    network.allowWorkload(workload);
    network.allowWorkload(workload);
    network.s3Endpoint.allowWorkload(workload);
    network.allowWorkload(new ec2.Connections({ securityGroups: [workload] }));
    const template = Template.fromStack(stack);
    const fromWorkload = (type: string, prop: string) => Object.values(template.findResources(type))
      .filter((r: any) => JSON.stringify(r.Properties[prop]).includes('Workload')).length;
    // HTTPS to the endpoint group, and to S3 (the prefix list, or the same endpoint group)
    expect(fromWorkload('AWS::EC2::SecurityGroupEgress', 'GroupId')).toBe(kind === S3EndpointKind.GATEWAY ? 2 : 1);
    expect(fromWorkload('AWS::EC2::SecurityGroupIngress', 'SourceSecurityGroupId')).toBe(1);
  }
});
