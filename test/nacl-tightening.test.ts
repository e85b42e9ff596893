import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import {
  InternetEgress, NaclTightening, NoInternetNotebook, PypiAllowlistSecurityGroup, RestrictedEgressVpc, S3EndpointKind,
} from '../src';

const KINDS: Array<[string, S3EndpointKind]> = [
  ['GATEWAY', S3EndpointKind.GATEWAY], ['INTERFACE', S3EndpointKind.INTERFACE], ['GATEWAY_AND_INTERFACE', S3EndpointKind.GATEWAY_AND_INTERFACE],
];
const EGRESS: Array<[string, () => InternetEgress]> = [['NAT', () => InternetEgress.natGateway()], ['isolated', () => InternetEgress.none()]];
const NACLS: Array<[string, () => NaclTightening]> = [['off', () => NaclTightening.off()], ['tightened', () => NaclTightening.tightened()]];

function build(kind: S3EndpointKind, egress: InternetEgress, nacl: NaclTightening, withPypi = false) {
  const stack = new Stack(new App(), 'Test');
  const network = new RestrictedEgressVpc(stack, 'Network', { s3Endpoint: kind, internetEgress: egress, naclTightening: nacl });
  const pypi = withPypi ? new PypiAllowlistSecurityGroup(stack, 'Pypi', { network }) : undefined;
  const notebook = new NoInternetNotebook(stack, 'Notebook', { network, securityGroups: pypi && [pypi.securityGroup] });
  return { stack, network, notebook, template: Template.fromStack(stack) };
}

const syncsOf = (template: Template) => Object.entries(template.findResources('Custom::NaclRangeSync'));

describe.each(KINDS)('S3 %s', (_k, kind) => {
  describe.each(EGRESS)('%s', (egressName, egress) => {
    describe.each(NACLS)('NACL %s', (naclName, nacl) => {
      const { template } = build(kind, egress(), nacl());
      const tightened = naclName === 'tightened';

      test('S3 endpoints and private DNS match the kind', () => {
        const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
        const isS3 = (e: any) => JSON.stringify(e.Properties.ServiceName).endsWith('.s3"]]}');
        const s3Gateway = endpoints.filter((e) => isS3(e) && e.Properties.VpcEndpointType === 'Gateway');
        const s3Interface = endpoints.filter((e) => isS3(e) && e.Properties.VpcEndpointType === 'Interface');
        expect(s3Gateway).toHaveLength((kind !== S3EndpointKind.INTERFACE) ? 1 : 0);
        expect(s3Interface).toHaveLength((kind !== S3EndpointKind.GATEWAY) ? 1 : 0);
        if ((kind !== S3EndpointKind.GATEWAY)) {
          expect(s3Interface[0].Properties.DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint)
            .toBe((kind !== S3EndpointKind.INTERFACE) ? 'OnlyInboundResolver' : 'AllResolvers');
        }
        for (const endpoint of [...s3Gateway, ...s3Interface]) {
          expect(endpoint.Properties.PolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } });
        }
      });

      test('the notebook\'s S3 egress is the prefix list (gateway) or the endpoint security group (interface)', () => {
        const egressRules = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties);
        const toPrefixList = egressRules.filter((r) => r.DestinationPrefixListId);
        expect(toPrefixList).toHaveLength((kind !== S3EndpointKind.INTERFACE) ? 1 : 0);
        for (const rule of egressRules) expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
      });

      test('NACLs: none, or one per subnet tier with the VPC rules, and S3 ranges exactly when S3 uses the gateway', () => {
        const acls = template.findResources('AWS::EC2::NetworkAcl');
        const expectedAcls = !tightened ? 0 : egressName === 'NAT' ? 2 : 1;
        expect(Object.keys(acls)).toHaveLength(expectedAcls);
        template.resourceCountIs('AWS::EC2::SubnetNetworkAclAssociation', !tightened ? 0 : egressName === 'NAT' ? 4 : 2);
        template.resourceCountIs('AWS::EC2::NetworkAclEntry', expectedAcls * 2);
        for (const egressFlag of [true, false]) {
          for (const id of Object.keys(acls)) {
            template.hasResourceProperties('AWS::EC2::NetworkAclEntry', {
              NetworkAclId: { Ref: id }, Egress: egressFlag, RuleNumber: 100, Protocol: -1, RuleAction: 'allow', CidrBlock: '10.0.0.0/16',
            });
          }
        }
        expect(syncsOf(template)).toHaveLength(tightened && (kind !== S3EndpointKind.INTERFACE) ? 1 : 0);
      });
    });
  });
});

describe('tightened NACLs with the S3 gateway endpoint', () => {
  const nacl = NaclTightening.tightened({ maxEntriesPerDirection: 30, refreshInterval: Duration.minutes(30) });
  const { template } = build(S3EndpointKind.GATEWAY, InternetEgress.none(), nacl);
  const [[syncId, sync]] = syncsOf(template);

  test('the S3 ranges of the region are synchronised into the workload NACL from the S3 prefix list', () => {
    const [aclId] = Object.keys(template.findResources('AWS::EC2::NetworkAcl'));
    expect(sync.Properties).toMatchObject({
      NetworkAclIds: [{ Ref: aclId }],
      PrefixListIds: [{ 'Fn::GetAtt': [expect.stringMatching(/S3PrefixList/), 'PrefixLists.0.PrefixListId'] }],
      RuleNumberBase: 1000,
      RuleNumberCount: 100,
      MaxEntriesPerDirection: 30,
      Port: 443,
      OverflowAdvice: expect.stringContaining('S3EndpointKind.INTERFACE'),
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 minutes)' });
  });

  test('subnets switch to the NACL only after the S3 ranges are in it', () => {
    for (const association of Object.values(template.findResources('AWS::EC2::SubnetNetworkAclAssociation'))) {
      expect(association.DependsOn).toContain(syncId);
    }
  });

  test('the synchronisation may change entries of this NACL only, and read the S3 prefix list only', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('NACL entries') } }));
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement;
    expect(statements[0]).toMatchObject({
      Action: ['ec2:CreateNetworkAclEntry', 'ec2:ReplaceNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'],
      Resource: { 'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(/:network-acl\/$/), { Ref: expect.stringMatching(/WorkloadNetworkAcl/) }])] },
    });
    expect(statements[1]).toMatchObject({
      Action: 'ec2:GetManagedPrefixListEntries',
      Resource: [
        { 'Fn::GetAtt': [expect.stringMatching(/S3PrefixList/), 'PrefixLists.0.PrefixListArn'] },
        { 'Fn::Join': ['', expect.arrayContaining([':prefix-list/', { 'Fn::GetAtt': [expect.stringMatching(/S3PrefixList/), 'PrefixLists.0.PrefixListId'] }])] },
      ],
    });
    expect(statements[2]).toMatchObject({ Action: 'ec2:DescribeNetworkAcls', Resource: '*' });
  });
});

test('with the S3 interface endpoint, a tightened NACL needs no S3 ranges: S3 is reached inside the VPC CIDR', () => {
  const { template, network } = build(S3EndpointKind.INTERFACE, InternetEgress.none(), NaclTightening.tightened());
  // Nothing external is synchronised, and no S3 prefix list is looked up at all...
  expect(syncsOf(template)).toHaveLength(0);
  template.resourceCountIs('Custom::AWS', 0);
  expect(network.s3PrefixListId).toBeUndefined();
  // ...because the notebook's only S3 path is the interface endpoint's security group...
  const egressRules = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties);
  expect(egressRules.every((r) => r.DestinationSecurityGroupId)).toBe(true);
  // ...whose network interfaces are in the workload subnets, inside 10.0.0.0/16, which the NACL allows both ways...
  const [s3] = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface', ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] } } }));
  const subnets = template.findResources('AWS::EC2::Subnet');
  for (const ref of s3.Properties.SubnetIds) expect(subnets[ref.Ref].Properties.CidrBlock).toMatch(/^10\.0\./);
  // ...and the workload subnets use that NACL, which allows nothing outside the VPC.
  const entries = Object.values(template.findResources('AWS::EC2::NetworkAclEntry')).map((e) => e.Properties);
  expect(entries.every((e) => e.CidrBlock === '10.0.0.0/16')).toBe(true);
  // There is no route to S3's public ranges either (no gateway endpoint).
  template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' }, 0);
});

describe('with a PyPI allowlist in NAT mode', () => {
  const { template } = build(S3EndpointKind.GATEWAY, InternetEgress.natGateway(), NaclTightening.tightened(), true);
  const syncs = syncsOf(template);
  const acls = Object.keys(template.findResources('AWS::EC2::NetworkAcl'));

  test('the package-index addresses go into both NACLs in their own rule block; S3 ranges only into the workload NACL', () => {
    expect(syncs).toHaveLength(2);
    const s3 = syncs.find(([id]) => id.startsWith('NetworkS3Ranges'))![1];
    const pypi = syncs.find(([id]) => id.startsWith('PypiNaclEntries'))![1];
    expect(s3.Properties.NetworkAclIds).toEqual([{ Ref: acls.find((a) => a.includes('Workload')) }]);
    expect(pypi.Properties.NetworkAclIds).toEqual([{ Ref: acls.find((a) => a.includes('Workload')) }, { Ref: acls.find((a) => a.includes('Egress')) }]);
    expect(pypi.Properties.PrefixListIds).toEqual([{ Ref: expect.stringMatching(/^PypiAddresses/) }]);
    expect(s3.Properties.RuleNumberBase).toBe(1000);
    expect(pypi.Properties.RuleNumberBase % 100).toBe(0);
    expect(pypi.Properties.RuleNumberBase).toBeGreaterThanOrEqual(1100);
    expect(pypi.Properties.RuleNumberBase).toBeLessThanOrEqual(31000);
  });

  test('the PyPI security group, and so the notebook, waits for the NACL entries', () => {
    const [pypiSyncId] = syncs.find(([id]) => id.startsWith('PypiNaclEntries'))!;
    const [group] = Object.values(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('package index') } }));
    expect(group.DependsOn).toContain(pypiSyncId);
  });

  test('every subnet switches to a tightened NACL only once both destination sets are in it, written one after the other', () => {
    const [s3SyncId] = syncs.find(([id]) => id.startsWith('NetworkS3Ranges'))!;
    const [pypiSyncId, pypiSync] = syncs.find(([id]) => id.startsWith('PypiNaclEntries'))!;
    const associations = Object.entries(template.findResources('AWS::EC2::SubnetNetworkAclAssociation'));
    expect(associations).toHaveLength(4);
    for (const [id, association] of associations) {
      expect(association.DependsOn).toContain(pypiSyncId);
      if (id.includes('Workload')) expect(association.DependsOn).toContain(s3SyncId);
    }
    expect(pypiSync.DependsOn).toContain(s3SyncId);
  });
});

test('a destination keeps its rule-number block whatever else changes (no orphaned entries after an unrelated change)', () => {
  const blockOf = (kind: S3EndpointKind) => syncsOf(build(kind, InternetEgress.natGateway(), NaclTightening.tightened(), true).template)
    .find(([id]) => id.startsWith('PypiNaclEntries'))![1].Properties.RuleNumberBase;
  expect(blockOf(S3EndpointKind.INTERFACE)).toBe(blockOf(S3EndpointKind.GATEWAY));
});

test('the tightened NACL warns that on-premises clients cannot reach the S3 interface endpoint of GATEWAY_AND_INTERFACE', () => {
  const { stack } = build(S3EndpointKind.GATEWAY_AND_INTERFACE, InternetEgress.none(), NaclTightening.tightened());
  Annotations.fromStack(stack).hasWarning('/Test/Network/Default', Match.stringLikeRegexp('cannot reach the S3 interface endpoint'));
});

test('a PyPI allowlist in an isolated VPC warns that its addresses are unreachable and adds nothing to the NACL', () => {
  const { template, stack } = build(S3EndpointKind.GATEWAY, InternetEgress.none(), NaclTightening.tightened(), true);
  expect(syncsOf(template)).toHaveLength(1);
  Annotations.fromStack(stack).hasWarning('/Test/Pypi', Match.stringLikeRegexp('no route to the internet'));
});

describe('rule budget at synth time', () => {
  test.each([2, 41, 20.5])('maxEntriesPerDirection %d is rejected', (value) => {
    expect(() => NaclTightening.tightened({ maxEntriesPerDirection: value }))
      .toThrow(/naclTightening\.maxEntriesPerDirection must be an integer from 3 to 40/);
  });

  test('too small a budget for the destinations fails with what to change', () => {
    const stack = new Stack();
    const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway(), naclTightening: NaclTightening.tightened({ maxEntriesPerDirection: 3 }) });
    expect(() => new PypiAllowlistSecurityGroup(stack, 'Pypi', { network }))
      .toThrow(/naclTightening\.maxEntriesPerDirection must leave room for 2 NACL destination\(s\) plus the default deny and VPC rules \(4\), got: 3 — raise .* or use S3EndpointKind\.INTERFACE/);
  });

  test('S3 ranges (at a typical 8) and a full PyPI set (16) may not fit 20 rules: a warning, counted exactly at deploy time', () => {
    const stack = new Stack();
    const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway(), naclTightening: NaclTightening.tightened() });
    new PypiAllowlistSecurityGroup(stack, 'Pypi', { network });
    Annotations.fromStack(stack).hasWarning('/Default/Pypi', Match.stringLikeRegexp('may need up to 24 rules per direction .* more than naclTightening.maxEntriesPerDirection \\(20\\)'));
  });

  test('the same set fits a raised budget, and the S3 interface endpoint needs none of it', () => {
    for (const [kind, budget] of [[S3EndpointKind.GATEWAY, 40], [S3EndpointKind.INTERFACE, 20]] as Array<[S3EndpointKind, number]>) {
      const stack = new Stack();
      const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway(), s3Endpoint: kind, naclTightening: NaclTightening.tightened({ maxEntriesPerDirection: budget }) });
      new PypiAllowlistSecurityGroup(stack, 'Pypi', { network });
      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('may need up to'));
    }
  });

  test('refreshInterval is bounded', () => {
    expect(() => NaclTightening.tightened({ refreshInterval: Duration.minutes(1) })).toThrow(/naclTightening\.refreshInterval must be from 5 minutes to 1 day/);
  });
});

test('addNaclDestination does nothing when the NACLs are not tightened', () => {
  const stack = new Stack();
  const network = new RestrictedEgressVpc(stack, 'Network');
  network.addNaclDestination(stack, 'Extra', { prefixListId: 'pl-1', prefixListArn: 'arn:aws:ec2:us-east-1:111111111111:prefix-list/pl-1', description: 'x' });
  Template.fromStack(stack).resourceCountIs('Custom::NaclRangeSync', 0);
});

test('a workload in another stack gets its NACL synchronisation in its own stack, without a cycle', () => {
  const app = new App();
  const networkStack = new Stack(app, 'NetworkStack');
  const network = new RestrictedEgressVpc(networkStack, 'Network', { internetEgress: InternetEgress.natGateway(), naclTightening: NaclTightening.tightened() });
  const workloadStack = new Stack(app, 'WorkloadStack');
  const pypi = new PypiAllowlistSecurityGroup(workloadStack, 'Pypi', { network });
  new NoInternetNotebook(workloadStack, 'Notebook', { network, securityGroups: [pypi.securityGroup] });
  Template.fromStack(workloadStack).resourceCountIs('Custom::NaclRangeSync', 1);
  Template.fromStack(networkStack).resourceCountIs('Custom::NaclRangeSync', 1);
  expect(() => app.synth()).not.toThrow();
});
