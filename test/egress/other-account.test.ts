/**
 * The API layer: `EgressDestination.otherAccount(service)`, decided by the policy of the VPC endpoint
 * the path goes through, on hand-written templates (test/egress/templates.ts).
 */
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { groupId, https, interfaceEndpoints, natEgress, notebook, s3GatewayEndpoint, s3PrefixListId, securityGroup, template, vpc } from './templates';
import { EgressAnalyzer, EgressDestination, EgressHopKind, EgressOutcome, EgressPolicy, EgressSource } from '../../src/egress';

const source = EgressSource.workloadLogicalId('Notebook');
const check = (t: object, destination: EgressDestination) => EgressAnalyzer.fromTemplate(t).check({ source, destination });
const workloadGroup = () => securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') }), https({ DestinationPrefixListId: s3PrefixListId })]);

const ACCOUNT = { Ref: 'AWS::AccountId' };
const statement = (condition?: object) => ({ Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*', ...(condition ? { Condition: condition } : {}) });
const PERIMETER = { Statement: [{ Sid: 'Perimeter', ...statement({ StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:ResourceAccount': ACCOUNT } }) }] };

/** The notebook, its security group, and interface endpoints for `services`, each with `policy` (none: AWS's default). */
function withEndpoints(policy: object | undefined, ...services: string[]) {
  const t = template(vpc(), notebook(), workloadGroup(), interfaceEndpoints(...services));
  return withPolicy(t, policy, services);
}

function withPolicy<T extends ReturnType<typeof template>>(t: T, policy: object | undefined, services: string[]): T {
  for (const s of services) {
    if (policy) (t.Resources[`${s.replace(/\W/g, '')}Endpoint`].Properties as any).PolicyDocument = policy;
  }
  return t;
}

describe('otherAccount() through an interface endpoint', () => {
  test('the endpoint policy of the library\'s perimeter blocks it, naming the endpoint; the service itself stays reachable', () => {
    const t = withEndpoints(PERIMETER, 'sts', 'logs');
    const verdict = check(t, EgressDestination.otherAccount('sts'));
    expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.ENDPOINT_POLICY, component: 'stsEndpoint', known: true, allowed: false });
    expect(verdict.blockedBy!.detail).toMatch(/the policy of endpoint stsEndpoint refuses another account: another account's principal: .*StringEquals aws:PrincipalAccount/);
    expect(verdict.path[0]).toMatchObject({ kind: EgressHopKind.INTERFACE_ENDPOINT, component: 'stsEndpoint' });
    expect(check(t, EgressDestination.awsService('sts')).outcome).toBe(EgressOutcome.REACHABLE);
    expect(EgressAnalyzer.describeVerdict(verdict)).toMatch(/^BLOCKED sts \(another account\) from Notebook blocked by endpoint policy stsEndpoint/);
  });

  test('allow-all endpoints (no policy) make it REACHABLE, through the endpoint policy hop', () => {
    const verdict = check(withEndpoints(undefined, 'sts', 'logs'), EgressDestination.otherAccount('logs'));
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    const hop = verdict.path.find((h) => h.kind === EgressHopKind.ENDPOINT_POLICY);
    expect(hop).toMatchObject({ component: 'logsEndpoint', allowed: true });
    expect(hop!.detail).toMatch(/endpoint logsEndpoint has no policy: AWS's default policy allows any principal and any resource/);
    expect(verdict.path[verdict.path.length - 1].kind).toBe(EgressHopKind.DESTINATION);
  });

  test('Principal * without conditions is REACHABLE, naming the statement', () => {
    const verdict = check(withEndpoints({ Statement: [{ Sid: 'Everyone', ...statement() }] }, 'sts'), EgressDestination.otherAccount('sts'));
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path.find((h) => h.kind === EgressHopKind.ENDPOINT_POLICY)).toMatchObject({ rule: 'Everyone' });
  });

  test('a principal condition alone is REACHABLE through other accounts\' resources, and says so', () => {
    const verdict = check(withEndpoints({ Statement: [statement({ StringEquals: { 'aws:PrincipalAccount': ACCOUNT } })] }, 'logs'), EgressDestination.otherAccount('logs'));
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    const detail = verdict.path.find((h) => h.kind === EgressHopKind.ENDPOINT_POLICY)!.detail;
    expect(detail).toMatch(/another account's resource: Statement\[0\] allows it/);
    expect(detail).not.toMatch(/another account's principal/);
  });

  test('a deploy-time value in the account condition is UNKNOWN at the endpoint policy', () => {
    const t = withEndpoints({ Statement: [statement({ StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrgId' }, 'aws:ResourceOrgID': { Ref: 'OrgId' } } })] }, 'sts');
    const verdict = check(t, EgressDestination.otherAccount('sts'));
    expect(verdict.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.ENDPOINT_POLICY, component: 'stsEndpoint', known: false });
    expect(verdict.blockedBy!.detail).toMatch(/known only at deploy time: .*Ref OrgId/);
  });

  test('a policy resolved at deploy time (Fn::If) is UNKNOWN', () => {
    const t = withEndpoints({ 'Fn::If': ['Strict', PERIMETER, { Statement: [statement()] }] }, 'sts');
    expect(check(t, EgressDestination.otherAccount('sts'))).toMatchObject({ outcome: EgressOutcome.UNKNOWN, blockedBy: { kind: EgressHopKind.ENDPOINT_POLICY } });
  });
});

describe('otherAccount() where the network decides', () => {
  test('no endpoint and no route: the network\'s BLOCKED', () => {
    const verdict = check(template(vpc(), notebook(), workloadGroup(), interfaceEndpoints('logs')), EgressDestination.otherAccount('sts'));
    expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
    expect(verdict.blockedBy?.kind).not.toBe(EgressHopKind.ENDPOINT_POLICY);
  });

  test('a security group that blocks the endpoint: the network\'s BLOCKED, whatever the policy', () => {
    const t = withEndpoints(undefined, 'sts');
    t.Resources.Workload = securityGroup('Workload', [])!.Workload;
    expect(check(t, EgressDestination.otherAccount('sts')).blockedBy?.kind).toBe(EgressHopKind.SECURITY_GROUP_EGRESS);
  });

  test('through a NAT gateway to the public endpoint no endpoint policy applies: REACHABLE, with a note', () => {
    const t = template(vpc(), notebook(), securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]), natEgress());
    const verdict = check(t, EgressDestination.otherAccount('sts'));
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.notes.join()).toMatch(/public endpoint, where no VPC endpoint policy applies/);
  });
});

describe('otherAccount(\'s3\') through the S3 gateway endpoint', () => {
  /** The library's S3EndpointPolicy.dataPerimeter(): buckets of this account, and AWS-owned buckets by name. */
  const DATA_PERIMETER = {
    Statement: [
      { Sid: 'OwnAccountBuckets', Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceAccount': ACCOUNT } } },
      {
        Sid: 'AwsOwnedBucketsReadOnly',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::jumpstart-cache-prod-', { Ref: 'AWS::Region' }, '/*']] }],
      },
    ],
  };
  const s3Template = (policy?: object) => {
    const t = template(vpc(), notebook(), workloadGroup(), s3GatewayEndpoint());
    if (policy) (t.Resources.S3Gateway.Properties as any).PolicyDocument = policy;
    return t;
  };

  test('the data-perimeter policy (resources only) blocks other accounts\' buckets, and says principals are not limited', () => {
    const verdict = check(s3Template(DATA_PERIMETER), EgressDestination.otherAccount('s3'));
    expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
    expect(verdict.blockedBy).toMatchObject({ kind: EgressHopKind.ENDPOINT_POLICY, component: 'S3Gateway' });
    expect(verdict.blockedBy!.detail).toMatch(/principals are not limited: OwnAccountBuckets, AwsOwnedBucketsReadOnly admit a principal of any account/);
    expect(check(s3Template(DATA_PERIMETER), EgressDestination.s3()).outcome).toBe(EgressOutcome.REACHABLE);
  });

  test('without a policy the gateway endpoint lets any bucket through', () => {
    const verdict = check(s3Template(), EgressDestination.otherAccount('s3'));
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path.find((h) => h.kind === EgressHopKind.ENDPOINT_POLICY)).toMatchObject({ component: 'S3Gateway', allowed: true });
  });
});

describe('the analyzer\'s questions', () => {
  test('expectedDestinations() asks about each endpoint service and S3 for other accounts; report() shows the rows', () => {
    const analyzer = EgressAnalyzer.fromTemplate(withEndpoints(PERIMETER, 'sts', 'logs'));
    const expected = analyzer.expectedDestinations().map((d) => d.description);
    expect(expected).toEqual(expect.arrayContaining(['logs (another account)', 'sts (another account)', 's3 (another account)']));
    expect(analyzer.report()).toMatch(/sts \(another account\)\s+BLOCKED\s+BLOCKED \(endpoint policy\)\s+endpoint policy stsEndpoint\n/);
  });

  test('otherAccount() is its own question: not the same key as awsService(), the same for short and full names', () => {
    const analyzer = EgressAnalyzer.fromTemplate(withEndpoints(PERIMETER, 'sts'), { region: 'eu-west-1' });
    expect(analyzer._keyOf(EgressDestination.otherAccount('sts'))).not.toBe(analyzer._keyOf(EgressDestination.awsService('sts')));
    expect(analyzer._keyOf(EgressDestination.otherAccount('com.amazonaws.eu-west-1.sts'))).toBe(analyzer._keyOf(EgressDestination.otherAccount('sts')));
  });

  test('a service name that is not one is refused', () => {
    expect(() => EgressDestination.otherAccount('STS!')).toThrow(/service/);
  });
});

describe('EgressPolicy and other accounts', () => {
  /** A stack holding exactly the hand-written template's resources, under their logical ids. */
  function appWith(t: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }, policy: EgressPolicy): App {
    const a = new App();
    Validations.of(a).addPlugins(policy);
    const stack = new Stack(a, 'Stack', { env: { region: 'eu-west-1', account: '111111111111' } });
    for (const [id, r] of Object.entries(t.Resources)) {
      // A role ARN CloudFormation's own validation accepts.
      const properties = id === 'Notebook' ? { ...r.Properties, RoleArn: 'arn:aws:iam::111111111111:role/Notebook' } : r.Properties;
      new CfnResource(stack, id, { type: r.Type, properties }).overrideLogicalId(id);
    }
    return a;
  }
  /** The notebook with HTTPS to the endpoints only, and interface endpoints for STS and Logs. */
  const endpointsOnly = (policy: object | undefined) => withPolicy(template(vpc(), notebook(), securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') })]),
    interfaceEndpoints('sts', 'logs')), policy, ['sts', 'logs']);
  const needs = { required: ['sts', 'logs'].map((s) => EgressDestination.awsService(s)), allowed: [EgressDestination.s3()] };

  test('allow-all endpoints fail synthesis, naming the endpoint', () => {
    let message = '';
    try {
      appWith(endpointsOnly(undefined), new EgressPolicy(needs)).synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/Notebook can reach sts \(another account\), which the policy does not allow \(REACHABLE\): .*endpoint stsEndpoint has no policy/);
    expect(message).toMatch(/Give endpoint logsEndpoint a policy that admits only principals and resources of this account/);
  });

  test('with perimeter policies the same app synthesizes; declaring the destination allows it', () => {
    expect(() => appWith(endpointsOnly(PERIMETER), new EgressPolicy(needs)).synth()).not.toThrow();
    const declared = new EgressPolicy({ ...needs, allowed: [...needs.allowed, ...['sts', 'logs'].map((s) => EgressDestination.otherAccount(s))] });
    expect(() => appWith(endpointsOnly(undefined), declared).synth()).not.toThrow();
  });

  test('a deploy-time account condition fails synthesis as UNKNOWN, asking for concrete values', () => {
    const t = endpointsOnly({ Statement: [statement({ StringEquals: { 'aws:PrincipalAccount': { Ref: 'Account' }, 'aws:ResourceAccount': { Ref: 'Account' } } })] });
    expect(() => appWith(t, new EgressPolicy(needs)).synth()).toThrow(/might reach sts \(another account\)[\s\S]*resolve stsEndpoint \(endpoint policy\): write the account or organization/);
  });
});
