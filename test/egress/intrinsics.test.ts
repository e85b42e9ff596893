import { groupId, https, interfaceEndpoints, natEgress, notebook, ref, securityGroup, template, vpc } from './templates';
import { EgressAnalyzer, EgressDestination, EgressOutcome, EgressSource } from '../../src/egress';
import { resolveTemplate } from '../../src/egress/resolve';

const notebookSource = EgressSource.workloadLogicalId('Notebook');
const internet = EgressDestination.ipv4('8.8.8.8', 443);
const outcome = (t: object, options = {}, destination = internet) =>
  EgressAnalyzer.fromTemplate(t, options).check({ source: notebookSource, destination }).outcome;

/** A notebook whose DirectInternetAccess is a parameter, as published templates write it. */
function parameterized(defaultValue?: string) {
  const t = template(vpc(), securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]), notebook());
  (t.Resources.Notebook.Properties as any).DirectInternetAccess = ref('DirectAccess');
  return { Parameters: { DirectAccess: { Type: 'String', ...(defaultValue ? { Default: defaultValue } : {}) } }, ...t };
}

describe('resolution pass', () => {
  const resolve = (t: object, options = {}) => resolveTemplate(t, options).variants[0].template;

  test('Fn::Sub (both forms), Fn::Join, pseudo parameters, Fn::FindInMap, Fn::Select, Fn::Split, Fn::Cidr, Fn::GetAZs', () => {
    const t = {
      Parameters: { Env: { Type: 'String', Default: 'dev' }, Cidr: { Type: 'String', Default: '10.1.0.0/16' } },
      Mappings: { Net: { dev: { Cidr: '10.9.0.0/16' } } },
      Resources: {
        R: {
          Type: 'X',
          Properties: {
            A: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.${Svc}-${Env}' },
            B: { 'Fn::Sub': ['${Env}-${X}', { X: 'y' }] },
            C: { 'Fn::FindInMap': ['Net', { Ref: 'Env' }, 'Cidr'] },
            D: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
            E: { 'Fn::Cidr': [{ Ref: 'Cidr' }, 3, 8] },
            F: { 'Fn::GetAZs': '' },
            G: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, { Ref: 'AWS::Partition' }]] },
            H: { 'Fn::Sub': '${Res.Arn}' },
          },
        },
      },
    };
    const p = resolve(t, { region: 'eu-west-1', stackName: 'S' }).Resources.R.Properties;
    expect(p.A).toEqual({ 'Fn::Sub': 'com.amazonaws.eu-west-1.${Svc}-dev' });
    expect(p.B).toBe('dev-y');
    expect(p.C).toBe('10.9.0.0/16');
    expect(p.D).toBe('b');
    expect(p.E).toEqual(['10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/24']);
    expect(p.F).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(p.G).toBe('S-aws');
    expect(p.H).toEqual({ 'Fn::Sub': '${Res.Arn}' });
    expect(resolveTemplate(t, { region: 'eu-west-1' }).notes.join()).toMatch(/Fn::GetAZs/);
  });

  test('conditions: decided ones drop resources and pick Fn::If branches (AWS::NoValue dropped); undecided ones give two variants', () => {
    const t = {
      Parameters: { Env: { Type: 'String', Default: 'dev' }, Mode: { Type: 'String' } },
      Conditions: {
        IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
        NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
        Open: { 'Fn::Equals': [{ Ref: 'Mode' }, 'open'] },
        Both: { 'Fn::And': [{ Condition: 'Open' }, { Condition: 'IsProd' }] },
      },
      Resources: {
        Prod: { Type: 'X', Condition: 'IsProd' },
        Dev: { Type: 'X', Condition: 'NotProd', Properties: { A: { 'Fn::If': ['IsProd', 'p', { Ref: 'AWS::NoValue' }] }, M: { Ref: 'Mode' } } },
        Maybe: { Type: 'X', Condition: 'Open', Properties: { M: { Ref: 'Mode' } } },
        Never: { Type: 'X', Condition: 'Both' },
      },
    };
    const r = resolveTemplate(t);
    expect(r.variants).toHaveLength(2);
    const [open, closed] = r.variants;
    expect(open.assumptions).toEqual(['condition Open is true', "parameter Mode is 'open'"]);
    expect(Object.keys(open.template.Resources)).toEqual(['Dev', 'Maybe']);
    expect(open.template.Resources.Maybe.Properties.M).toBe('open'); // fixed by the assumed Fn::Equals
    expect(open.template.Resources.Dev.Properties).toEqual({ M: 'open' });
    expect(Object.keys(closed.template.Resources)).toEqual(['Dev']);
    expect(closed.template.Resources.Dev.Properties.M).toEqual({ 'Fn::Unresolved': expect.stringMatching(/parameter Mode has no value/) });
  });

  test('a malformed intrinsic is a value known at deploy time only, named; a malformed template is one clear error', () => {
    const select = resolveTemplate({ Resources: { R: { Type: 'X', Properties: { A: { 'Fn::Select': [5, ['a']] }, B: 'b' } } } });
    expect(select.variants[0].template.Resources.R.Properties).toEqual({
      A: { 'Fn::Unresolved': expect.stringMatching(/^Resources\.R\.Properties\.A\.Fn::Select: Fn::Select index 5 .*CloudFormation would reject/) },
      B: 'b',
    });
    expect(() => resolveTemplate({ Resources: { R: { Properties: {} } } })).toThrow(/^template Resources\.R\.Type: must be the resource type/);
    // A resource's condition that Conditions does not define, a malformed condition: tried both ways, with a note.
    const nope = resolveTemplate({ Resources: { R: { Type: 'X', Condition: 'Nope' } } });
    expect(nope.variants.map((v) => [Object.keys(v.template.Resources), v.assumptions])).toEqual([[['R'], ['condition Nope is true']], [[], ['condition Nope is false']]]);
    expect(nope.notes.join()).toMatch(/condition Nope is used by a resource but Conditions does not define it/);
    const bad = resolveTemplate({ Conditions: { C: { 'Fn::Equals': ['a'] } }, Resources: { R: { Type: 'X', Condition: 'C' } } });
    expect(bad.variants).toHaveLength(2);
    expect(bad.notes.join()).toMatch(/Conditions\.C: Fn::Equals takes two values \(CloudFormation would reject the template\): the condition is tried both ways/);
    expect(() => resolveTemplate({ Resources: { R: { Type: 'X', Condition: ['C'] } } })).toThrow(/^template Resources\.R\.Condition: must be the name of a condition/);
    expect(() => resolveTemplate({ Parameters: {}, Resources: {} }, { parameters: { X: '1' } })).toThrow(/declares no parameter X/);
  });
});

describe('parameters and conditions in the analyzer', () => {
  test('DirectInternetAccess as a parameter: its value, its Default, else UNKNOWN naming the parameter', () => {
    expect(outcome(parameterized())).toBe(EgressOutcome.UNKNOWN);
    const verdict = EgressAnalyzer.fromTemplate(parameterized()).check({ source: notebookSource, destination: internet });
    expect(JSON.stringify(verdict)).toMatch(/parameter DirectAccess/);
    expect(outcome(parameterized(), { parameters: { DirectAccess: 'Disabled' } })).toBe(EgressOutcome.BLOCKED);
    expect(outcome(parameterized('Enabled'))).toBe(EgressOutcome.REACHABLE);
    expect(outcome(parameterized('Enabled'), { parameters: { DirectAccess: 'Disabled' } })).toBe(EgressOutcome.BLOCKED);
  });

  test('a NAT gateway and its route under a false condition do not make the internet reachable; undecided: UNKNOWN', () => {
    const t: any = { ...template(vpc(), securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]), notebook(), natEgress()) };
    const conditional = (cond: object) => {
      const out = JSON.parse(JSON.stringify(t));
      out.Parameters = { UseNat: { Type: 'String', AllowedValues: ['yes', 'no'] } };
      out.Conditions = { Nat: cond };
      for (const [id, r] of Object.entries<any>(out.Resources)) if (r.Type === 'AWS::EC2::NatGateway' || (r.Type === 'AWS::EC2::Route' && r.Properties.NatGatewayId)) out.Resources[id].Condition = 'Nat';
      return out;
    };
    const byParam = conditional({ 'Fn::Equals': [{ Ref: 'UseNat' }, 'yes'] });
    expect(outcome(t)).toBe(EgressOutcome.REACHABLE);
    expect(outcome(byParam, { parameters: { UseNat: 'no' } })).toBe(EgressOutcome.BLOCKED);
    expect(outcome(byParam, { parameters: { UseNat: 'yes' } })).toBe(EgressOutcome.REACHABLE);
    const undecided = EgressAnalyzer.fromTemplate(byParam).check({ source: notebookSource, destination: internet });
    expect(undecided.outcome).toBe(EgressOutcome.UNKNOWN);
    expect(undecided.notes[0]).toMatch(/REACHABLE when condition Nat is true and parameter UseNat is 'yes'; BLOCKED when condition Nat is false and parameter UseNat is 'no'/);
  });

  test('an interface endpoint whose ServiceName is a parameter: report() does not throw; the service is UNKNOWN only where it matters', () => {
    const t: any = {
      Parameters: { Service: { Type: 'String' } },
      ...template(vpc(), securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') })]), notebook(), interfaceEndpoints('sts')),
    };
    for (const r of Object.values<any>(t.Resources)) if (r.Type === 'AWS::EC2::VPCEndpoint') r.Properties.ServiceName = ref('Service');
    const analyzer = EgressAnalyzer.fromTemplate(t);
    expect(() => analyzer.report()).not.toThrow();
    expect(analyzer.check({ source: notebookSource, destination: EgressDestination.awsService('sts') }).outcome).toBe(EgressOutcome.UNKNOWN);
    expect(EgressAnalyzer.fromTemplate(t, { parameters: { Service: 'com.amazonaws.us-east-1.sts' }, region: 'us-east-1' })
      .check({ source: notebookSource, destination: EgressDestination.awsService('sts') }).outcome).toBe(EgressOutcome.REACHABLE);
  });

  test('an endpoint subnet whose CIDR is a parameter, in a table with a default route: the local route carries the endpoint', () => {
    const t: any = {
      Parameters: { EndpointCidr: { Type: 'String' } },
      ...template(vpc(), securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') })]), notebook(), interfaceEndpoints('sts'), natEgress()),
    };
    t.Resources.EndpointsSubnet.Properties.CidrBlock = ref('EndpointCidr');
    expect(outcome(t, {}, EgressDestination.awsService('sts'))).toBe(EgressOutcome.REACHABLE);
  });

  test('an interface endpoint without SubnetIds: BLOCKED, naming the endpoint', () => {
    const t: any = template(vpc(), securityGroup('Workload', [https({ DestinationSecurityGroupId: groupId('EndpointGroup') })]), notebook(), interfaceEndpoints('sts'));
    delete t.Resources.stsEndpoint.Properties.SubnetIds;
    const verdict = EgressAnalyzer.fromTemplate(t).check({ source: notebookSource, destination: EgressDestination.awsService('sts') });
    expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
    expect(verdict.blockedBy).toMatchObject({ kind: 'INTERFACE_ENDPOINT', component: 'stsEndpoint', rule: 'SubnetIds' });
    expect(verdict.blockedBy!.detail).toMatch(/has no SubnetIds/);
  });

  describe('impossible combinations of undecided conditions', () => {
    /** An open notebook whose NAT gateway and route exist only under `condition`; its security group's egress is `egress`. */
    const withNat = (parameters: object, conditions: object, natCondition: string, egress?: object) => {
      const t: any = JSON.parse(JSON.stringify(template(vpc(), securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]), notebook(), natEgress())));
      for (const id of ['Nat', 'WorkloadDefault']) t.Resources[id].Condition = natCondition;
      if (egress) t.Resources.Workload.Properties.SecurityGroupEgress = egress;
      return { Parameters: parameters, Conditions: conditions, ...t };
    };
    const isEnv = (value: string) => ({ 'Fn::Equals': [{ Ref: 'Env' }, value] });
    const closed = [https({ CidrIp: '10.0.0.0/16' })];
    const open = [https({ CidrIp: '0.0.0.0/0' })];

    test('two conditions on the same parameter are never both true: the variant is not tried', () => {
      // Production opens the security group and has no NAT; development has the NAT and a closed group.
      // 'prod' and 'production' give one template: 3 variants (prod, dev, any other value).
      const t = withNat({ Env: { Type: 'String' } },
        { IsProd: { 'Fn::Or': [isEnv('prod'), isEnv('production')] }, IsDev: isEnv('dev') },
        'IsDev', { 'Fn::If': ['IsProd', open, closed] });
      const verdict = EgressAnalyzer.fromTemplate(t).check({ source: notebookSource, destination: internet });
      expect(verdict.outcome).toBe(EgressOutcome.BLOCKED);
      expect(verdict.notes.join()).toMatch(/The same under each of 3 combinations/);
      const variants = resolveTemplate(t).variants.map((v) => v.assumptions.join(' and '));
      expect(variants.filter((a) => a.includes('IsProd is true') && a.includes('IsDev is true'))).toEqual([]);
    });

    test('AllowedValues: a condition true only for a value outside them is never true', () => {
      // The NAT is for "no environment given", which AllowedValues rules out.
      const neither = { 'Fn::And': [{ 'Fn::Not': [{ Condition: 'IsProd' }] }, { 'Fn::Not': [{ Condition: 'IsDev' }] }] };
      const conditions = { IsProd: isEnv('prod'), IsDev: isEnv('dev'), Neither: neither };
      const allowed = withNat({ Env: { Type: 'String', AllowedValues: ['prod', 'dev'] } }, conditions, 'Neither');
      expect(outcome(allowed)).toBe(EgressOutcome.BLOCKED);
      // Without AllowedValues, any other value is possible: the NAT may exist.
      const anyValue = withNat({ Env: { Type: 'String' } }, conditions, 'Neither');
      const verdict = EgressAnalyzer.fromTemplate(anyValue).check({ source: notebookSource, destination: internet });
      expect(verdict.outcome).toBe(EgressOutcome.UNKNOWN);
      expect(verdict.notes[0]).toMatch(/REACHABLE when .*parameter Env is none of 'prod', 'dev'/);
      // A given value decides it.
      expect(outcome(anyValue, { parameters: { Env: 'test' } })).toBe(EgressOutcome.REACHABLE);
    });

    test('parameter values that make more than 16 templates (a parameter in a tag): the conditions alone are tried', () => {
      // Three parameters of 3 values each (27 templates, the values in tags) under two conditions.
      const params = Object.fromEntries(['A', 'B', 'C'].map((p) => [p, { Type: 'String', AllowedValues: ['x', 'y', 'z'] }]));
      const t = withNat(params, {
        Nat: { 'Fn::Or': [{ 'Fn::Equals': [{ Ref: 'A' }, 'x'] }, { 'Fn::Equals': [{ Ref: 'B' }, { Ref: 'C' }] }] },
        Never: { 'Fn::Equals': ['1', '2'] },
      }, 'Nat');
      t.Resources.Vpc.Properties.Tags = [{ Key: 'A', Value: { Ref: 'A' } }, { Key: 'B', Value: { Ref: 'B' } }, { Key: 'C', Value: { Ref: 'C' } }];
      const r = resolveTemplate(t);
      expect(r.capped).toBeUndefined();
      expect(r.variants.map((v) => v.assumptions)).toEqual([['condition Nat is true'], ['condition Nat is false']]);
      expect(outcome(t)).toBe(EgressOutcome.UNKNOWN);
      expect(outcome(t, { parameters: { A: 'x' } })).toBe(EgressOutcome.REACHABLE);
    });

    test('a parameter compared with another value than a literal is tried both ways, as before', () => {
      const t = withNat({ Env: { Type: 'String' }, Other: { Type: 'String' } },
        { IsDev: { 'Fn::Equals': [{ Ref: 'Env' }, { Ref: 'Other' }] } }, 'IsDev');
      const r = resolveTemplate(t);
      expect(r.variants.map((v) => v.assumptions)).toEqual([['condition IsDev is true'], ['condition IsDev is false']]);
    });
  });
});
