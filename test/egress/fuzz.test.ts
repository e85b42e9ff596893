/**
 * Nothing in a template makes the analyzer, report(), expectedDestinations(), matrix() or the EgressPolicy
 * plugin throw: valid templates with their property values replaced by random intrinsics, objects,
 * arrays, numbers and null, properties deleted, dangling Refs and GetAtts. Only a malformed template (not
 * an object, Resources missing or not an object, a resource that is not an object or has no Type) is an
 * error, one naming the resource and property.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import {
  groupId, https, interfaceEndpoints, natEgress, notebook, ref, s3GatewayEndpoint, s3PrefixListId, securityGroup, template, vpc, workloadAcl,
  ALL, TCP,
} from './templates';
import { InternetEgress, NoInternetNotebook, PypiAllowlistSecurityGroup, RestrictedEgressVpc } from '../../src';
import { EgressAnalyzer, EgressAnalyzerOptions, EgressPolicy, EgressPolicyEnforcement } from '../../src/egress';
import { readTemplateFile } from '../../src/egress/template-file';

/** A hand-built template with every family the analyzer reads, parameters, conditions and mappings. */
function handBuilt(): any {
  const t: any = template(
    vpc(),
    securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') }), https({ DestinationPrefixListId: s3PrefixListId })]),
    notebook(),
    interfaceEndpoints('sagemaker.api', 'sts'),
    s3GatewayEndpoint(),
    natEgress(),
    workloadAcl([100, true, ALL, 'allow', '0.0.0.0/0'], [100, false, TCP, 'allow', '0.0.0.0/0', 1024, 65535]),
  );
  Object.assign(t.Resources, {
    Domain: {
      Type: 'AWS::SageMaker::Domain',
      Properties: {
        AppNetworkAccessType: { Ref: 'Access' },
        SubnetIds: [ref('WorkloadSubnet')],
        VpcId: ref('Vpc'),
        DefaultUserSettings: { SecurityGroups: [groupId('Workload')] },
        DefaultSpaceSettings: { SecurityGroups: [groupId('Workload')] },
      },
    },
    Profile: { Type: 'AWS::SageMaker::UserProfile', Properties: { DomainId: { 'Fn::GetAtt': ['Domain', 'DomainId'] }, UserSettings: { SecurityGroups: [groupId('Workload')] } } },
    ExtraEgress: {
      Type: 'AWS::EC2::SecurityGroupEgress',
      Properties: { GroupId: groupId('Workload'), IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: { 'Fn::FindInMap': ['Env', { Ref: 'Stage' }, 'Cidr'] } },
    },
    SecondCidr: { Type: 'AWS::EC2::VPCCidrBlock', Properties: { VpcId: ref('Vpc'), CidrBlock: '10.1.0.0/16' } },
    List: { Type: 'AWS::EC2::PrefixList', Properties: { Entries: [{ Cidr: '192.0.2.0/24' }], MaxEntries: 1, AddressFamily: 'IPv4' } },
    ListRoute: { Type: 'AWS::EC2::Route', Condition: 'IsProd', Properties: { RouteTableId: ref('WorkloadRouteTable'), DestinationPrefixListId: ref('List'), NatGatewayId: ref('Nat') } },
    Domains: { Type: 'AWS::Route53Resolver::FirewallDomainList', Properties: { Domains: ['*.example.com'] } },
    Rules: {
      Type: 'AWS::Route53Resolver::FirewallRuleGroup',
      Properties: { FirewallRules: [{ Priority: 1, Action: 'BLOCK', BlockResponse: 'NODATA', FirewallDomainListId: ref('Domains') }] },
    },
    RulesAssociation: { Type: 'AWS::Route53Resolver::FirewallRuleGroupAssociation', Properties: { VpcId: ref('Vpc'), Priority: 101, FirewallRuleGroupId: ref('Rules') } },
    Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://example.com/child.json', Parameters: { VpcId: ref('Vpc') } } },
  });
  t.Resources.Notebook.Properties.DirectInternetAccess = { 'Fn::If': ['IsProd', 'Disabled', { Ref: 'Direct' }] };
  t.Resources.stsEndpoint.Properties.ServiceName = { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.${Service}' };
  return {
    Parameters: {
      Stage: { Type: 'String', Default: 'dev', AllowedValues: ['dev', 'prod'] },
      Access: { Type: 'String', Default: 'VpcOnly' },
      Direct: { Type: 'String' },
      Service: { Type: 'String', Default: 'sts' },
    },
    Mappings: { Env: { dev: { Cidr: '10.0.0.0/8' }, prod: { Cidr: '192.168.0.0/16' } } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }, Open: { 'Fn::Equals': [{ Ref: 'Direct' }, 'Enabled'] } },
    ...t,
    Outputs: { VpcId: { Value: ref('Vpc'), Export: { Name: { 'Fn::Sub': '${AWS::StackName}-VpcId' } } } },
  };
}

/** The library's own template: address sets, NACL range sync, prefix list lookups. */
function synthesized(): any {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { region: 'eu-west-1', account: '111111111111' } });
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway() });
  const pypi = new PypiAllowlistSecurityGroup(stack, 'Pypi', { network });
  new NoInternetNotebook(stack, 'Notebook', { network, securityGroups: [pypi.securityGroup] });
  return app.synth().getStackArtifact(stack.artifactId).template;
}

const BASES = [handBuilt(), synthesized()];
const NAMES = ['Vpc', 'WorkloadSubnet', 'Workload', 'EndpointGroup', 'Nat', 'Igw', 'WorkloadRouteTable', 'Domain', 'Child', 'List', 'Dangling', 'Stage', 'Direct'];

/** Random values a property may be given: literals, intrinsics (well and ill formed), objects, arrays. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(null, 0, -1, 1.5, 65536, true, false, '', 'x', '10.0.0.0/8', '0.0.0.0/0', '300.1.1.1/33', 'sg-0123', 'subnet-1', 'rtb-1',
      'com.amazonaws.us-east-1.s3', 'com.amazonaws.eu-west-1.sts', 'Enabled', 'Disabled', 'VpcOnly', 'tcp', '-1', 'udp', 'allow', 'deny', 'Interface', 'Gateway',
      'NaN', '${AWS::Region}', 'a.b.c', '__proto__', 'constructor', 'toString'),
    fc.integer(),
    fc.string({ maxLength: 6 }),
    fc.record({ Ref: fc.oneof(fc.constantFrom(...NAMES, 'AWS::Region', 'AWS::NoValue', 'AWS::StackName', 'AWS::AccountId', 'AWS::Nope'), tie('v')) }),
    fc.record({
      'Fn::GetAtt': fc.oneof(
        fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('GroupId', 'CidrBlock', 'DefaultSecurityGroup', 'DefaultNetworkAcl', 'Outputs.X', 'Arn', 'PrefixLists.0.PrefixListId')),
        fc.constantFrom('Vpc.CidrBlock', 'Dangling.Id', 'Child.Outputs.X', 'Nope'),
        tie('v'),
      ),
    }),
    fc.record({ 'Fn::If': fc.oneof(fc.tuple(fc.constantFrom('IsProd', 'Open', 'Nope'), tie('v'), tie('v')), tie('v')) }),
    fc.record({ 'Fn::Sub': fc.oneof(fc.constantFrom('${Vpc}', '${AWS::Region}-${Stage}', '${Dangling.Arn}', '${!Literal}', '${', '${Direct}'), fc.tuple(fc.string({ maxLength: 8 }), tie('v')), tie('v')) }),
    fc.record({ 'Fn::Join': fc.oneof(fc.tuple(fc.constantFrom('', ','), fc.array(tie('v'), { maxLength: 3 })), tie('v')) }),
    fc.record({ 'Fn::Select': fc.oneof(fc.tuple(fc.oneof(fc.integer({ min: -1, max: 3 }), tie('v')), fc.oneof(fc.array(tie('v'), { maxLength: 3 }), tie('v'))), tie('v')) }),
    fc.record({ 'Fn::Split': fc.oneof(fc.tuple(fc.constantFrom(',', ''), tie('v')), tie('v')) }),
    fc.record({ 'Fn::FindInMap': fc.oneof(fc.tuple(fc.constantFrom('Env', 'Nope'), fc.oneof(fc.constantFrom('dev', 'x'), tie('v')), fc.constantFrom('Cidr', 'y')), tie('v')) }),
    fc.record({ 'Fn::Cidr': fc.oneof(fc.tuple(fc.oneof(fc.constantFrom('10.0.0.0/16', 'x'), tie('v')), fc.integer({ min: -1, max: 300 }), fc.integer({ min: -1, max: 40 })), tie('v')) }),
    fc.record({ 'Fn::GetAZs': tie('v') }),
    fc.record({ 'Fn::ImportValue': tie('v') }),
    fc.record({ 'Fn::Base64': tie('v') }),
    fc.record({ 'Fn::Equals': fc.oneof(fc.tuple(tie('v'), tie('v')), tie('v')) }),
    fc.record({ 'Fn::Not': tie('v') }),
    fc.record({ Condition: fc.oneof(fc.constantFrom('IsProd', 'Nope'), tie('v')) }),
    fc.record({ 'Fn::Unresolved': tie('v') }),
    fc.dictionary(fc.constantFrom('a', 'Ref', 'Fn::If', 'Cidr', 'IpProtocol', 'Value'), tie('v'), { maxKeys: 3 }),
    fc.array(tie('v'), { maxLength: 3 }),
  ),
})).v;

/** Every path to a value under a resource's Properties (the Properties object itself included). */
function propertyPaths(t: any): string[][] {
  const paths: string[][] = [];
  const visit = (v: unknown, at: string[]) => {
    paths.push(at);
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, [...at, k]);
  };
  for (const [id, r] of Object.entries<any>(t.Resources)) if (r.Properties !== undefined) visit(r.Properties, ['Resources', id, 'Properties']);
  return paths;
}

/** Every path into the other sections: Parameters, Conditions, Mappings, Outputs (the sections themselves included). */
function sectionPaths(t: any): string[][] {
  const paths: string[][] = [];
  const visit = (v: unknown, at: string[]) => {
    paths.push(at);
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, [...at, k]);
  };
  for (const section of ['Parameters', 'Conditions', 'Mappings', 'Outputs']) if (t[section] !== undefined) visit(t[section], [section]);
  return paths;
}

type Mutation = { at: number; op: 'replace' | 'delete'; value: unknown };

function mutate(base: any, mutations: Mutation[], paths_ = propertyPaths): any {
  const t = JSON.parse(JSON.stringify(base));
  for (const m of mutations) {
    const paths = paths_(t);
    if (paths.length === 0) continue;
    const at = paths[m.at % paths.length];
    const parent = at.slice(0, -1).reduce((o, k) => o[k], t);
    const key = at[at.length - 1];
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else {
      parent[key] = JSON.parse(JSON.stringify(m.value ?? null));
    }
  }
  return t;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({ at: fc.nat(), op: fc.constantFrom<'replace' | 'delete'>('replace', 'replace', 'delete'), value });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-fuzz-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every entry point, as a user would call it. */
function exercise(t: any, options: EgressAnalyzerOptions) {
  const analyzer = EgressAnalyzer.fromTemplate(t, options);
  analyzer.report();
  const destinations = [...analyzer.expectedDestinations(), ...analyzer.probes()];
  for (const source of analyzer.workloads) analyzer.matrix(source, destinations);
  analyzer.toString();
  const file = path.join(tmp, 'Fuzz.template.json');
  fs.writeFileSync(file, JSON.stringify(t));
  new EgressPolicy({ enforcement: EgressPolicyEnforcement.WARN }).validate({
    templatePaths: [file],
    stackTemplates: [{ stackConstructPath: 'Fuzz', templatePath: file }],
    appConstruct: new App(),
    accountId: undefined,
    region: options.region,
  });
}

const optionSets: EgressAnalyzerOptions[] = [
  {},
  { region: 'eu-west-1', stackName: 'fuzz', parameters: { Direct: 'Enabled' } },
  { region: 'us-east-1', nestedStacks: { Child: { Parameters: { VpcId: { Type: 'String' } }, Resources: {}, Outputs: { X: { Value: { Ref: 'VpcId' } } } } } },
];

describe('fuzz: nothing in a template\'s properties makes the analyzer throw', () => {
  test.each([0, 1])('mutations of base template %i', (index) => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom(...optionSets), (mutations, options) => {
      // The library's template declares none of the hand-built one's parameters.
      exercise(mutate(BASES[index], mutations), index === 0 ? options : { ...options, parameters: undefined });
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 60), seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined });
  });
});

describe('fuzz: nor anything in Parameters, Conditions, Mappings, Outputs or a resource\'s Condition', () => {
  test('mutations of the sections of base template 0', () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.constantFrom(...optionSets), (mutations, options) => {
      const t = mutate(BASES[0], mutations, sectionPaths);
      // Parameters given that the mutated template no longer declares are the caller's error, not the template's.
      const declared = t.Parameters && typeof t.Parameters === 'object' ? t.Parameters : {};
      const parameters = Object.fromEntries(Object.entries(options.parameters ?? {}).filter(([k]) => k in declared));
      exercise(t, { ...options, parameters });
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 60), seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined });
  });

  test('resource-level Conditions naming any condition, defined or not', () => {
    const ids = Object.keys(BASES[0].Resources);
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...ids), fc.constantFrom('IsProd', 'Open', 'Nope', 'Other')), { minLength: 1, maxLength: 4 }), (conditions) => {
      const t = JSON.parse(JSON.stringify(BASES[0]));
      for (const [id, c] of conditions) t.Resources[id].Condition = c;
      exercise(t, {});
    }), { numRuns: 30 });
  });
});

describe('fuzz: nor anything in nested stacks or other stacks\' templates', () => {
  const fixture = (file: string) => readTemplateFile(path.join(__dirname, 'fixtures', 'published-style', file));
  const parent = fixture('nested/parent.yaml');
  const children = { Network: fixture('nested/network.yaml'), Notebook: fixture('nested/notebook.yaml') };
  const studio = fixture('exports/studio.yaml');
  const network = fixture('exports/network.yaml');

  test('a parent and its nested stacks, any of them mutated', () => {
    fc.assert(fc.property(fc.constantFrom('parent', 'Network', 'Notebook'), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (which, mutations, sections) => {
      const paths = sections ? sectionPaths : propertyPaths;
      const t = which === 'parent' ? mutate(parent, mutations, paths) : parent;
      const nested = { ...children, ...(which === 'parent' ? {} : { [which]: mutate(children[which as 'Network'], mutations, paths) }) };
      exercise(t, { nestedStacks: nested });
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 40) });
  });

  test('a stack importing another stack\'s exports, either mutated', () => {
    fc.assert(fc.property(fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (mutateStudio, mutations, sections) => {
      const paths = sections ? sectionPaths : propertyPaths;
      const other = mutateStudio ? network : mutate(network, mutations, paths);
      exercise(mutateStudio ? mutate(studio, mutations, paths) : studio, { otherTemplates: [{ stackName: 'sagemaker-network', template: other }] });
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 40) });
  });
});

describe('a malformed template: one clear error naming the resource and property', () => {
  const malformed = (t: unknown) => {
    try {
      EgressAnalyzer.fromTemplate(t);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  test('not an object, Resources missing or not an object', () => {
    for (const t of [null, 1, 'x', [], {}, { Resources: 'x' }, { Resources: [] }, { Resources: null }]) {
      expect(malformed(t)).toMatch(/^template( Resources)?: must be a CloudFormation template object|^template Resources: must be an object of resources/);
    }
  });

  test('a resource that is not an object, or has no Type', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(BASES[0].Resources)), fc.oneof(value, fc.constant('delete-type')), (id, v) => {
      const t = JSON.parse(JSON.stringify(BASES[0]));
      if (v === 'delete-type') delete t.Resources[id].Type;
      else if (v && typeof v === 'object' && !Array.isArray(v)) t.Resources[id].Type = v;
      else t.Resources[id] = v;
      const message = malformed(t);
      expect(message).toMatch(new RegExp(`Resources\\.${id}`));
      expect(message.split('\n')).toHaveLength(1);
    }), { numRuns: 40 });
  });
});
