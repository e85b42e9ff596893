import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { groupId, https, natEgress, notebook, ref, securityGroup, template, vpc } from './templates';
import { EgressAnalyzer, EgressDestination, EgressOutcome, EgressSource } from '../../src/egress';
import { inlineNestedStacks } from '../../src/egress/nested-stacks';
import { parseTemplateText, readTemplateFile, resourceLines } from '../../src/egress/template-file';

const FIXTURE = path.join(__dirname, 'fixtures', 'notebook-nat.yaml');

describe('reading template files', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-template-file-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test('YAML short-form tags become the long form', () => {
    const t = parseTemplateText('t.yaml', [
      'Resources:',
      '  A:',
      '    Type: X',
      '    Properties:',
      '      Ref: !Ref Vpc',
      '      Att: !GetAtt Stack.Outputs.VpcId',
      '      AttList: !GetAtt [Sg, GroupId]',
      '      Sub: !Sub "arn:${AWS::Region}"',
      '      SubList: !Sub ["${x}", { x: !Ref Y }]',
      '      If: !If [Cond, !Ref A, !Ref AWS::NoValue]',
      '      Cond: !And [!Equals [a, b], !Not [!Condition C], !Or [!Condition D, !Condition E]]',
      '      Sel: !Select [0, !Split [",", !Join [",", [a, b]]]]',
      '      Map: !FindInMap [M, !Ref AWS::Region, Ami]',
      '      Imp: !ImportValue Shared-VpcId',
      '      Cidr: !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]',
      '      Azs: !GetAZs ""',
      '      B64: !Base64 text',
      '      Json: !ToJsonString { a: 1 }',
    ].join('\n'));
    expect(t.Resources.A.Properties).toEqual({
      Ref: { Ref: 'Vpc' },
      Att: { 'Fn::GetAtt': ['Stack', 'Outputs.VpcId'] },
      AttList: { 'Fn::GetAtt': ['Sg', 'GroupId'] },
      Sub: { 'Fn::Sub': 'arn:${AWS::Region}' },
      SubList: { 'Fn::Sub': ['${x}', { x: { Ref: 'Y' } }] },
      If: { 'Fn::If': ['Cond', { Ref: 'A' }, { Ref: 'AWS::NoValue' }] },
      Cond: { 'Fn::And': [{ 'Fn::Equals': ['a', 'b'] }, { 'Fn::Not': [{ Condition: 'C' }] }, { 'Fn::Or': [{ Condition: 'D' }, { Condition: 'E' }] }] },
      Sel: { 'Fn::Select': [0, { 'Fn::Split': [',', { 'Fn::Join': [',', ['a', 'b']] }] }] },
      Map: { 'Fn::FindInMap': ['M', { Ref: 'AWS::Region' }, 'Ami'] },
      Imp: { 'Fn::ImportValue': 'Shared-VpcId' },
      Cidr: { 'Fn::Cidr': [{ 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }, 4, 8] },
      Azs: { 'Fn::GetAZs': '' },
      B64: { 'Fn::Base64': 'text' },
      Json: { 'Fn::ToJsonString': { a: 1 } },
    });
  });

  test('the version date stays a string (YAML 1.2 core schema)', () => {
    expect(readTemplateFile(FIXTURE).AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  test('a YAML template and its JSON twin give the same verdicts', () => {
    const yaml = EgressAnalyzer.fromFile(FIXTURE, { region: 'eu-west-1' });
    const jsonFile = write('twin.json', JSON.stringify(readTemplateFile(FIXTURE), null, 2));
    const json = EgressAnalyzer.fromFile(jsonFile, { region: 'eu-west-1' });
    expect(yaml.report()).toEqual(json.report());
    const verdict = yaml.check({ source: EgressSource.workloadLogicalId('Notebook'), destination: EgressDestination.internet(443) });
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(EgressAnalyzer.describeVerdict(verdict)).toMatch(/via Workload > nat gateway Nat > internet gateway Igw/);
  });

  test('malformed YAML: one error naming the file and the line', () => {
    const file = write('bad.yaml', 'Resources:\n  A:\n    Type: X\n    Properties: [1, 2\n  B: c\n');
    expect(() => readTemplateFile(file)).toThrow(new RegExp(`^${escape(file)}:5:\\d+: not valid YAML: `));
  });

  test('an unknown tag is an error at its line', () => {
    const file = write('tag.yaml', 'Resources:\n  A:\n    Type: X\n    Properties:\n      B: !Reff Vpc\n');
    expect(() => readTemplateFile(file)).toThrow(new RegExp(`^${escape(file)}:5:10: not valid YAML: .*!Reff.*not an intrinsic function`));
  });

  test('malformed JSON: the file, line and column', () => {
    const file = write('bad.json', '{\n  "Resources": {\n    "A": { "Type": "X", }\n  }\n}\n');
    expect(() => readTemplateFile(file)).toThrow(new RegExp(`^${escape(file)}:3:\\d+: not valid JSON: `));
  });

  test('no Resources section, a missing file, a directory', () => {
    expect(() => readTemplateFile(write('empty.yaml', 'Description: nothing\n'))).toThrow(/empty\.yaml: not a CloudFormation template: it has no Resources section/);
    expect(() => readTemplateFile(path.join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read the template: no such file/);
    expect(() => EgressAnalyzer.fromFile(dir)).toThrow(/cannot read the template: a directory/);
  });

  test('resourceLines: the line of each logical id, in YAML and JSON', () => {
    const yamlLines = resourceLines(fs.readFileSync(FIXTURE, 'utf8'));
    expect(yamlLines.get('Notebook')).toBe(fs.readFileSync(FIXTURE, 'utf8').split('\n').indexOf('  Notebook:') + 1);
    const json = JSON.stringify({ Resources: { A: { Type: 'X' }, B: { Type: 'Y' } } }, null, 2);
    expect(resourceLines(json)).toEqual(new Map([['A', 3], ['B', 6]]));
  });
});

describe('nested stacks', () => {
  /** The parent: the network; the child: the notebook and its security group, given the subnet and VPC. */
  const parent = () => ({
    Resources: {
      ...vpc(),
      ...natEgress(),
      Child: {
        Type: 'AWS::CloudFormation::Stack',
        Properties: { TemplateURL: 'https://example.com/child.json', Parameters: { SubnetId: ref('WorkloadSubnet'), VpcId: ref('Vpc') } },
      },
    },
  });
  const child = () => ({
    Parameters: { SubnetId: { Type: 'String' }, VpcId: { Type: 'String' } },
    Resources: {
      Workload: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'w', VpcId: ref('VpcId'), SecurityGroupEgress: [https({ CidrIp: '0.0.0.0/0' })] } },
      Notebook: {
        Type: 'AWS::SageMaker::NotebookInstance',
        Properties: { InstanceType: 'ml.t3.medium', RoleArn: 'arn', SubnetId: ref('SubnetId'), SecurityGroupIds: [groupId('Workload')], DirectInternetAccess: 'Disabled' },
      },
    },
    Outputs: { GroupId: { Value: groupId('Workload') } },
  });

  test('a workload in a nested stack is analyzed with the parent\'s network, through the parameters passed', () => {
    const analyzer = EgressAnalyzer.fromTemplate(parent(), { nestedStacks: { Child: child() } });
    expect(analyzer.workloads.map((w) => w.description)).toEqual(['Child/Notebook']);
    const verdict = analyzer.check({ source: EgressSource.workloadLogicalId('Child/Notebook'), destination: EgressDestination.internet(443) });
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(EgressAnalyzer.describeVerdict(verdict)).toMatch(/via Child\/Workload > nat gateway Nat/);
  });

  test('without the nested template, the parent has no workload', () => {
    expect(EgressAnalyzer.fromTemplate(parent()).workloads).toEqual([]);
  });

  test('Fn::GetAtt [Stack, Outputs.X] in the parent takes the nested stack\'s output, two levels deep', () => {
    // The parent's notebook uses the security group a grandchild defines, passed up through the child's output.
    const grandchild = { Parameters: { VpcId: { Type: 'String' } }, Resources: securityGroup('Workload', [https({ CidrIp: '0.0.0.0/0' })]), Outputs: { GroupId: { Value: groupId('Workload') } } };
    grandchild.Resources.Workload.Properties!.VpcId = ref('VpcId');
    const middle = {
      Parameters: { VpcId: { Type: 'String' } },
      Resources: { Grand: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'x', Parameters: { VpcId: ref('VpcId') } } } },
      Outputs: { GroupId: { Value: { 'Fn::GetAtt': ['Grand', 'Outputs.GroupId'] } } },
    };
    const top = template(vpc(), natEgress(), notebook(), {
      Middle: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'x', Parameters: { VpcId: ref('Vpc') } } },
    });
    (top.Resources.Notebook.Properties as any).SecurityGroupIds = [{ 'Fn::GetAtt': ['Middle', 'Outputs.GroupId'] }];
    const analyzer = EgressAnalyzer.fromTemplate(top, { nestedStacks: { 'Middle': middle, 'Middle/Grand': grandchild } });
    const verdict = analyzer.check({ source: EgressSource.workloadLogicalId('Notebook'), destination: EgressDestination.internet(443) });
    expect(verdict.outcome).toBe(EgressOutcome.REACHABLE);
    expect(verdict.path[0].component).toBe('Middle/Grand/Workload');
  });

  test('a nested stack\'s conditions and the parameters nothing passes: resolved, and settable as <stack>/<name>', () => {
    const conditional = child();
    (conditional.Parameters as any).Open = { Type: 'String', Default: 'no' };
    (conditional as any).Conditions = { IsOpen: { 'Fn::Equals': [ref('Open'), 'yes'] } };
    (conditional.Resources.Workload.Properties as any).SecurityGroupEgress = {
      'Fn::If': ['IsOpen', [https({ CidrIp: '0.0.0.0/0' })], [https({ CidrIp: '10.0.0.0/16' })]],
    };
    const internet = (parameters?: Record<string, string>) => EgressAnalyzer
      .fromTemplate(parent(), { nestedStacks: { Child: conditional }, parameters })
      .check({ source: EgressSource.workloadLogicalId('Child/Notebook'), destination: EgressDestination.internet(443) }).outcome;
    expect(internet()).toBe(EgressOutcome.BLOCKED);
    expect(internet({ 'Child/Open': 'yes' })).toBe(EgressOutcome.REACHABLE);
  });

  test('Fn::Sub in a nested stack: names renamed, a parameter passed becomes a variable', () => {
    const top = {
      Resources: {
        Child: { Type: 'AWS::CloudFormation::Stack', Properties: { Parameters: { Prefix: 'team', Vpc: ref('Vpc') } } },
        Vpc: { Type: 'AWS::EC2::VPC' },
      },
    };
    const nested = {
      Parameters: { Prefix: { Type: 'String' }, Vpc: { Type: 'String' } },
      Resources: {
        Sg: {
          Type: 'AWS::EC2::SecurityGroup',
          Properties: {
            GroupDescription: { 'Fn::Sub': '${Prefix}-${AWS::Region}-${Other.Arn}-${!Literal}' },
            VpcId: { 'Fn::Sub': ['${Id}', { Id: ref('Vpc') }] },
          },
        },
      },
    };
    const { template: inlined, nestedPaths } = inlineNestedStacks(top, { Child: nested });
    expect(nestedPaths).toEqual(['Child']);
    expect(inlined.Resources['Child/Sg'].Properties).toEqual({
      GroupDescription: { 'Fn::Sub': ['${Child/Prefix}-${AWS::Region}-${Child/Other.Arn}-${!Literal}', { 'Child/Prefix': 'team' }] },
      VpcId: { 'Fn::Sub': ['${Id}', { Id: ref('Vpc') }] },
    });
  });

  test('a nested template that is not a template is refused, naming the stack', () => {
    expect(() => EgressAnalyzer.fromTemplate(parent(), { nestedStacks: { Child: { nothing: true } } })).toThrow(/nestedStacks\['Child'\]/);
  });

  test('fromStack() follows CDK nested stacks in the cloud assembly', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-nested-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Parent', { env: { region: 'eu-west-1' } });
      const network = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1 });
      const nested = new NestedStack(new NestedStack(stack, 'Child'), 'Grand');
      const group = new ec2.SecurityGroup(nested, 'Sg', { vpc: network, allowAllOutbound: true });
      new sagemaker.CfnNotebookInstance(nested, 'Notebook', {
        instanceType: 'ml.t3.medium',
        roleArn: 'arn:aws:iam::123456789012:role/x',
        directInternetAccess: 'Disabled',
        subnetId: network.privateSubnets[0].subnetId,
        securityGroupIds: [group.securityGroupId],
      });
      const analyzer = EgressAnalyzer.fromStack(stack);
      expect(analyzer.workloads).toHaveLength(1);
      const [source] = analyzer.workloads;
      expect(source.description).toMatch(/^ChildNestedStack\w+\/GrandNestedStack\w+\/Notebook$/);
      expect(analyzer.check({ source, destination: EgressDestination.internet(443) }).outcome).toBe(EgressOutcome.REACHABLE);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
