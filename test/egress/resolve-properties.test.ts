/**
 * Property tests of the resolution pass: templates whose network properties are wrapped in parameters,
 * conditions, Fn::If, Fn::FindInMap, Fn::Sub, Fn::Select and Fn::Join (and resource-level Conditions),
 * each generated together with its hand-resolved form (the literal each wrapper stands for, built here
 * without src/egress/resolve.ts). Analyzing the raw template with the parameter values must give the
 * same verdicts as analyzing the hand-resolved one.
 */
import * as fc from 'fast-check';
import { groupId, https, natEgress, notebook, ref, securityGroup, subnet, template } from './templates';
import { EgressAnalyzer, EgressDestination, EgressSource } from '../../src/egress';

const REGION = 'eu-west-1';

/** How a value is written: each kind wraps the next; the last one's value is a literal. */
const KINDS = ['param-default', 'param-given', 'if', 'not-if', 'and-if', 'map', 'select', 'select-split', 'join', 'sub', 'sub-param'] as const;
type Kind = typeof KINDS[number];

interface Recipe {
  readonly kinds: Kind[];
  /** Random choices: which decoy, which index, where to split, parameter defaults. */
  readonly seeds: number[];
}

/** The parameters, mappings and conditions a raw template declares, and the parameter values given. */
class Builder {
  public readonly parameters: Record<string, any> = {};
  public readonly given: Record<string, string> = {};
  public readonly mappings: Record<string, any> = {};
  public readonly conditions: Record<string, any> = {};
  private n = 0;

  public name(prefix: string) {
    return `${prefix}${this.n++}`;
  }

  /**
   * A condition that is `truth`, on a parameter of its own: `Fn::Equals`, possibly under Not, And, Or
   * or a named Condition. Returned with its name.
   */
  public condition(truth: boolean, seed: number, shape: 'equals' | 'not' | 'and'): string {
    const param = this.name('Switch');
    const on = seed % 2 === 0;
    // The parameter is 'on' or 'off', by Default or given.
    this.parameters[param] = { Type: 'String', AllowedValues: ['on', 'off'], ...(seed % 3 === 0 ? {} : { Default: on ? 'on' : 'off' }) };
    if (seed % 3 === 0) this.given[param] = on ? 'on' : 'off';
    const equals = { 'Fn::Equals': [{ Ref: param }, on === truth ? 'on' : 'off'] };
    const name = this.name('Cond');
    if (shape === 'equals') {
      this.conditions[name] = equals;
    } else if (shape === 'not') {
      this.conditions[name] = { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: param }, on === truth ? 'off' : 'on'] }] };
    } else {
      // And with a condition that is always true, named: Or(true-thing, false) for variety.
      const always = this.name('Always');
      this.conditions[always] = { 'Fn::Or': [{ 'Fn::Equals': ['a', 'a'] }, { 'Fn::Equals': ['a', 'b'] }] };
      this.conditions[name] = { 'Fn::And': [equals, { Condition: always }] };
    }
    return name;
  }

  /** `value` written as `recipe` says, with `decoys` (other values of the same property) in the branches not taken. */
  public wrap(value: string, recipe: Recipe, decoys: string[], depth = 0): unknown {
    const kind = recipe.kinds[depth];
    const seed = recipe.seeds[depth % recipe.seeds.length] ?? 0;
    const decoy = decoys.filter((d) => d !== value)[seed % Math.max(1, decoys.length - 1)] ?? `${value}x`;
    const inner = () => this.wrap(value, recipe, decoys, depth + 1);
    switch (kind) {
      case undefined:
        return value;
      case 'param-default': {
        const p = this.name('Param');
        this.parameters[p] = { Type: 'String', Default: value };
        return { Ref: p };
      }
      case 'param-given': {
        // A Default that is wrong, or none: the given value wins.
        const p = this.name('Param');
        this.parameters[p] = { Type: 'String', ...(seed % 2 === 0 ? { Default: decoy } : {}) };
        this.given[p] = value;
        return { Ref: p };
      }
      case 'if': case 'not-if': case 'and-if': {
        const truth = seed % 2 === 0;
        const cond = this.condition(truth, Math.floor(seed / 2), kind === 'if' ? 'equals' : kind === 'not-if' ? 'not' : 'and');
        return { 'Fn::If': [cond, truth ? inner() : decoy, truth ? decoy : inner()] };
      }
      case 'map': {
        const map = this.name('Map');
        const key = this.name('Key');
        this.mappings[map] = { dev: { Value: seed % 2 === 0 ? value : decoy }, prod: { Value: seed % 2 === 0 ? decoy : value } };
        this.parameters[key] = { Type: 'String', Default: seed % 2 === 0 ? 'dev' : 'prod', AllowedValues: ['dev', 'prod'] };
        return { 'Fn::FindInMap': [map, { Ref: key }, 'Value'] };
      }
      case 'select': {
        const list = [decoy, decoy, decoy];
        const i = seed % 3;
        return { 'Fn::Select': [String(i), list.map((d, j) => (j === i ? inner() : d))] };
      }
      case 'select-split': {
        // Fn::Split over a comma-separated literal (values hold no comma).
        const list = [decoy, decoy, decoy];
        const i = seed % 3;
        list[i] = value;
        return { 'Fn::Select': [i, { 'Fn::Split': [',', list.join(',')] }] };
      }
      case 'join': {
        const at = seed % (value.length + 1);
        return { 'Fn::Join': ['', [value.slice(0, at), value.slice(at)]] };
      }
      case 'sub': {
        const at = seed % (value.length + 1);
        return { 'Fn::Sub': ['${A}${B}', { A: value.slice(0, at), B: this.wrap(value.slice(at), { kinds: recipe.kinds.slice(depth + 1), seeds: recipe.seeds }, [], 0) }] };
      }
      case 'sub-param': {
        const p = this.name('Text');
        this.parameters[p] = { Type: 'String', Default: value };
        return { 'Fn::Sub': `\${${p}}` };
      }
    }
  }
}

const recipe: fc.Arbitrary<Recipe> = fc.record({
  kinds: fc.array(fc.constantFrom(...KINDS), { maxLength: 3 }),
  seeds: fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 3 }),
});

/** The literal values of a network, and how each is written in the raw template. */
const network = fc.record({
  direct: fc.constantFrom('Enabled', 'Disabled'),
  cidr: fc.constantFrom('0.0.0.0/0', '10.0.0.0/16', '10.0.1.0/24', '10.0.0.0/24'),
  port: fc.constantFrom('443', '22'),
  service: fc.constantFrom('sts', 'logs'),
  endpointCidr: fc.constantFrom('10.0.1.0/24', '10.0.3.0/24'),
  nat: fc.boolean(),
  s3Route: fc.boolean(),
  how: fc.record({
    direct: recipe,
    cidr: recipe,
    port: recipe,
    service: recipe,
    endpointCidr: recipe,
    nat: fc.nat(),
    s3Route: fc.nat(),
    serviceForm: fc.nat({ max: 2 }),
  }),
});
type Network = typeof network extends fc.Arbitrary<infer T> ? T : never;

/** The raw template and its parameter values, and the hand-resolved template. */
function build(n: Network): { raw: any; parameters: Record<string, string>; resolved: any } {
  const b = new Builder();
  const skeleton = (v: { direct: unknown; cidr: unknown; port: unknown; serviceName: unknown; endpointCidr: unknown; s3RouteTables: unknown }) => {
    const t: any = template(
      { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16', EnableDnsSupport: true } } },
      subnet('Workload', '10.0.0.0/24'),
      subnet('Endpoints', '10.0.1.0/24'),
      securityGroup('Workload', [{ IpProtocol: 'tcp', FromPort: v.port, ToPort: v.port, CidrIp: v.cidr }]),
      securityGroup('EndpointGroup', [], [https({ SourceSecurityGroupId: groupId('Workload') })]),
      notebook(),
      natEgress(),
    );
    t.Resources.Notebook.Properties.DirectInternetAccess = v.direct;
    t.Resources.EndpointsSubnet.Properties.CidrBlock = v.endpointCidr;
    t.Resources.Endpoint = {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: {
        VpcId: ref('Vpc'),
        VpcEndpointType: 'Interface',
        ServiceName: v.serviceName,
        PrivateDnsEnabled: true,
        SubnetIds: [ref('EndpointsSubnet')],
        SecurityGroupIds: [groupId('EndpointGroup')],
      },
    };
    t.Resources.S3Gateway = { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: ref('Vpc'), ServiceName: `com.amazonaws.${REGION}.s3`, RouteTableIds: v.s3RouteTables } };
    return t;
  };
  const services = ['sts', 'logs', 'ssm'];
  const wrappedService = b.wrap(n.service, n.how.service, services);
  const serviceName = [
    { 'Fn::Sub': ['com.amazonaws.${AWS::Region}.${Svc}', { Svc: wrappedService }] },
    { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.', wrappedService]] },
    { 'Fn::Join': ['.', ['com.amazonaws', { Ref: 'AWS::Region' }, wrappedService]] },
  ][n.how.serviceForm];
  const s3Condition = b.condition(n.s3Route, n.how.s3Route, (['equals', 'not', 'and'] as const)[n.how.s3Route % 3]);
  const raw = skeleton({
    direct: b.wrap(n.direct, n.how.direct, ['Enabled', 'Disabled']),
    cidr: b.wrap(n.cidr, n.how.cidr, ['0.0.0.0/0', '10.0.0.0/16', '10.0.1.0/24', '10.0.0.0/24']),
    port: b.wrap(n.port, n.how.port, ['443', '22', '80']),
    serviceName,
    endpointCidr: b.wrap(n.endpointCidr, n.how.endpointCidr, ['10.0.1.0/24', '10.0.3.0/24']),
    s3RouteTables: [{ 'Fn::If': [s3Condition, ref('WorkloadRouteTable'), { Ref: 'AWS::NoValue' }] }],
  });
  // The NAT gateway and the workload subnet's default route under a resource-level Condition.
  const natCondition = b.condition(n.nat, n.how.nat, (['equals', 'not', 'and'] as const)[n.how.nat % 3]);
  raw.Resources.Nat.Condition = natCondition;
  raw.Resources.WorkloadDefault.Condition = natCondition;
  raw.Parameters = b.parameters;
  raw.Mappings = b.mappings;
  raw.Conditions = b.conditions;

  const resolved = skeleton({
    direct: n.direct,
    cidr: n.cidr,
    port: n.port,
    serviceName: `com.amazonaws.${REGION}.${n.service}`,
    endpointCidr: n.endpointCidr,
    s3RouteTables: n.s3Route ? [ref('WorkloadRouteTable')] : [],
  });
  if (!n.nat) {
    delete resolved.Resources.Nat;
    delete resolved.Resources.WorkloadDefault;
  }
  return { raw, parameters: b.given, resolved };
}

const DESTINATIONS = [
  EgressDestination.awsService('sts'),
  EgressDestination.awsService('logs'),
  EgressDestination.s3(),
  EgressDestination.ipv4('8.8.8.8', 443),
  EgressDestination.ipv4('8.8.8.8', 22),
  EgressDestination.ipv4('10.0.1.10', 443),
];

const outcomes = (t: any, parameters: Record<string, string>) => {
  const analyzer = EgressAnalyzer.fromTemplate(t, { region: REGION, parameters });
  return analyzer.matrix(EgressSource.workloadLogicalId('Notebook'), DESTINATIONS).map((v) => `${v.destination}: ${v.outcome}`);
};

describe('the raw template with parameter values gives the verdicts of its hand-resolved form', () => {
  test('parameters, conditions, Fn::If, Fn::FindInMap, Fn::Sub, Fn::Select, Fn::Join around network properties', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(network, (n) => {
      const { raw, parameters, resolved } = build(n);
      const expected = outcomes(resolved, {});
      expect(outcomes(raw, parameters)).toEqual(expected);
      expected.forEach((o) => seen.add(o));
    }), { numRuns: 150 });
    // The generated networks reach and do not reach each destination.
    expect(seen.size).toBe(DESTINATIONS.length * 2);
  });

  test('the generator writes what it means: a few raw templates checked by hand', () => {
    const n: Network = {
      direct: 'Disabled',
      cidr: '0.0.0.0/0',
      port: '443',
      service: 'sts',
      endpointCidr: '10.0.1.0/24',
      nat: false,
      s3Route: true,
      how: {
        direct: { kinds: ['if', 'map'], seeds: [0] },
        cidr: { kinds: ['param-given'], seeds: [1] },
        port: { kinds: ['select', 'join'], seeds: [2] },
        service: { kinds: ['sub-param'], seeds: [0] },
        endpointCidr: { kinds: ['select-split'], seeds: [1] },
        nat: 1,
        s3Route: 0,
        serviceForm: 0,
      },
    };
    const { raw, parameters } = build(n);
    expect(raw.Resources.Notebook.Properties.DirectInternetAccess).toEqual({ 'Fn::If': ['Cond4', { 'Fn::FindInMap': ['Map5', { Ref: 'Key6' }, 'Value'] }, 'Enabled'] });
    expect(raw.Mappings.Map5).toEqual({ dev: { Value: 'Disabled' }, prod: { Value: 'Enabled' } });
    expect(Object.keys(parameters)).toEqual(['Switch1', 'Switch3', 'Param7']);
    expect(outcomes(raw, parameters)).toEqual([
      'sts: REACHABLE', 'logs: BLOCKED', 'S3 (this region): REACHABLE', '8.8.8.8:443: BLOCKED', '8.8.8.8:22: BLOCKED', '10.0.1.10:443: REACHABLE',
    ]);
  });
});
