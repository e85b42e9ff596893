/**
 * Hand-built templates with known answers: a VPC (10.0.0.0/16) with a workload subnet (10.0.0.0/24), an
 * endpoint subnet (10.0.1.0/24) and optionally a public subnet (10.0.2.0/24) with a NAT gateway.
 * Each helper returns resources to merge, so a test states exactly what its template holds.
 */
type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export const ref = (id: string) => ({ Ref: id });
export const groupId = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });
const region = (service: string) => ({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] });

export function template(...parts: Resources[]): { Resources: Resources } {
  return { Resources: Object.assign({}, ...parts) };
}

/** VPC, the workload and endpoint subnets with their own route tables. */
export function vpc(): Resources {
  return {
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16', EnableDnsSupport: true } },
    ...subnet('Workload', '10.0.0.0/24'),
    ...subnet('Endpoints', '10.0.1.0/24'),
  };
}

export function subnet(name: string, cidr: string): Resources {
  return {
    [`${name}Subnet`]: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: ref('Vpc'), CidrBlock: cidr } },
    [`${name}RouteTable`]: { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref('Vpc') } },
    [`${name}Association`]: { Type: 'AWS::EC2::SubnetRouteTableAssociation', Properties: { SubnetId: ref(`${name}Subnet`), RouteTableId: ref(`${name}RouteTable`) } },
  };
}

/** A security group with the given inline egress rules (none: the placeholder CDK writes for "no egress"). */
export function securityGroup(id: string, egress?: Record<string, unknown>[], ingress: Record<string, unknown>[] = []): Resources {
  return {
    [id]: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: id,
        VpcId: ref('Vpc'),
        SecurityGroupIngress: ingress,
        ...(egress === undefined ? {} : { SecurityGroupEgress: egress.length > 0 ? egress : [{ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp', FromPort: 252, ToPort: 86 }] }),
      },
    },
  };
}

export const https = (peer: Record<string, unknown>) => ({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, ...peer });

/** A notebook in the workload subnet with security group `Workload`. */
export function notebook(direct: 'Enabled' | 'Disabled' | 'omitted' = 'Disabled'): Resources {
  return {
    Notebook: {
      Type: 'AWS::SageMaker::NotebookInstance',
      Properties: { InstanceType: 'ml.t3.medium', RoleArn: 'arn', SubnetId: ref('WorkloadSubnet'), SecurityGroupIds: [groupId('Workload')], ...(direct === 'omitted' ? {} : { DirectInternetAccess: direct }) },
    },
  };
}

/** Interface endpoints (private DNS) in the endpoint subnet, behind `EndpointGroup`, which admits `Workload`. */
export function interfaceEndpoints(...services: string[]): Resources {
  const out: Resources = securityGroup('EndpointGroup', [], [https({ SourceSecurityGroupId: groupId('Workload') })]);
  for (const service of services) {
    out[`${service.replace(/\W/g, '')}Endpoint`] = {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: {
        VpcId: ref('Vpc'),
        VpcEndpointType: 'Interface',
        ServiceName: region(service),
        PrivateDnsEnabled: true,
        SubnetIds: [ref('EndpointsSubnet')],
        SecurityGroupIds: [groupId('EndpointGroup')],
      },
    };
  }
  return out;
}

export function s3GatewayEndpoint(): Resources {
  return {
    S3Gateway: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: ref('Vpc'), ServiceName: region('s3'), RouteTableIds: [ref('WorkloadRouteTable')] } },
    // This library's lookup of the region's S3 prefix list, which security groups refer to.
    S3PrefixList: {
      Type: 'Custom::AWS',
      Properties: {
        Create: { 'Fn::Join': ['', ['{"service":"EC2","action":"describeManagedPrefixLists","parameters":{"Filters":[{"Name":"prefix-list-name","Values":["com.amazonaws.', { Ref: 'AWS::Region' }, '.s3"]}]}}']] },
      },
    },
  };
}

export const s3PrefixListId = { 'Fn::GetAtt': ['S3PrefixList', 'PrefixLists.0.PrefixListId'] };

/** A NACL on the workload subnet with the given entries: [ruleNumber, egress, protocol, action, cidr, from?, to?]. */
export function workloadAcl(...entries: Array<[number, boolean, number, 'allow' | 'deny', string, number?, number?]>): Resources {
  const out: Resources = {
    WorkloadAcl: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: ref('Vpc') } },
    WorkloadAclAssociation: { Type: 'AWS::EC2::SubnetNetworkAclAssociation', Properties: { SubnetId: ref('WorkloadSubnet'), NetworkAclId: ref('WorkloadAcl') } },
  };
  entries.forEach(([ruleNumber, egress, protocol, action, cidr, from, to], i) => {
    out[`WorkloadAclEntry${i}`] = {
      Type: 'AWS::EC2::NetworkAclEntry',
      Properties: {
        NetworkAclId: ref('WorkloadAcl'),
        RuleNumber: ruleNumber,
        Egress: egress,
        Protocol: protocol,
        RuleAction: action,
        CidrBlock: cidr,
        ...(from !== undefined ? { PortRange: { From: from, To: to ?? from } } : {}),
      },
    };
  });
  return out;
}

/** A public subnet with a NAT gateway and an attached internet gateway; the workload subnet's default route to the NAT. */
export function natEgress(options: { attached?: boolean; privateNat?: boolean } = {}): Resources {
  return {
    ...subnet('Public', '10.0.2.0/24'),
    Igw: { Type: 'AWS::EC2::InternetGateway' },
    ...(options.attached === false ? {} : { IgwAttachment: { Type: 'AWS::EC2::VPCGatewayAttachment', Properties: { VpcId: ref('Vpc'), InternetGatewayId: ref('Igw') } } }),
    PublicDefault: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('PublicRouteTable'), DestinationCidrBlock: '0.0.0.0/0', GatewayId: ref('Igw') } },
    Eip: { Type: 'AWS::EC2::EIP' },
    Nat: {
      Type: 'AWS::EC2::NatGateway',
      Properties: options.privateNat ? { SubnetId: ref('PublicSubnet'), ConnectivityType: 'private' } : { SubnetId: ref('PublicSubnet'), AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] } },
    },
    WorkloadDefault: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('WorkloadRouteTable'), DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: ref('Nat') } },
  };
}

export const TCP = 6;
export const ALL = -1;
