import * as fs from 'fs';
import * as path from 'path';
import { App, IPolicyValidationContext, IPolicyValidationPlugin, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { InternetEgress, NoInternetNotebook, PypiAllowlistSecurityGroup, RestrictedEgressVpc, WorkloadNetwork } from '../../src';
import { EgressAnalyzer, EgressDestination, EgressPolicy, EgressSource, EgressPolicyEnforcement, EgressPolicyProps } from '../../src/egress';

const NOTEBOOK_NEEDS = ['sagemaker.api', 'sagemaker.runtime', 'sts', 'logs'].map((s) => EgressDestination.awsService(s));

function app(policy: EgressPolicy, withPypi: boolean): App {
  const a = new App();
  Validations.of(a).addPlugins(policy);
  const stack = new Stack(a, 'Stack', { env: { region: 'eu-west-1', account: '111111111111' } });
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway() });
  const pypi = withPypi ? new PypiAllowlistSecurityGroup(stack, 'Pypi', { network }) : undefined;
  new NoInternetNotebook(stack, 'Notebook', { network, securityGroups: pypi ? [pypi.securityGroup] : undefined });
  return a;
}

describe('EgressPolicy (policy-validation plugin)', () => {
  test('a notebook that reaches exactly what the policy declares synthesizes', () => {
    const policy = new EgressPolicy({ required: [...NOTEBOOK_NEEDS, EgressDestination.s3()] });
    expect(() => app(policy, false).synth()).not.toThrow();
  });

  test('destinations are compared as the same question, however written: awsService(\'s3\') is s3(), a full name in the stack\'s region is the short one', () => {
    const policy = new EgressPolicy({
      required: [
        EgressDestination.awsService('s3'), EgressDestination.awsService('com.amazonaws.eu-west-1.sts'),
        EgressDestination.awsService('sagemaker.api'), EgressDestination.awsService('sagemaker.runtime'), EgressDestination.awsService('logs'),
      ],
    });
    expect(() => app(policy, false).synth()).not.toThrow();
  });

  test('egress beyond the policy fails synthesis, naming the workload, the destination and the rule that lets it through', () => {
    const policy = new EgressPolicy({ required: [...NOTEBOOK_NEEDS, EgressDestination.s3()] });
    let message = '';
    try {
      app(policy, true).synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/cdk-sagemaker-egress-beyond-policy/);
    expect(message).toMatch(/Notebook\w+ can reach pypi\.org:443, which the policy does not allow \(REACHABLE\)/);
    expect(message).toMatch(/HTTPS to the package index/);
    expect(message).not.toMatch(/can reach 8\.8\.8\.8/);
  });

  test('allowing the package index makes the same app pass', () => {
    const policy = new EgressPolicy({
      required: [...NOTEBOOK_NEEDS, EgressDestination.s3()],
      allowed: [EgressDestination.host('pypi.org'), EgressDestination.host('files.pythonhosted.org')],
    });
    expect(() => app(policy, true).synth()).not.toThrow();
  });

  test('a required destination the workload cannot reach fails synthesis with the blocking component', () => {
    const policy = new EgressPolicy({ required: [EgressDestination.awsService('ecr.dkr')] });
    expect(() => app(policy, false).synth()).toThrow(/must reach ecr\.dkr, but it is BLOCKED: no egress rule of NotebookSecurityGroup\w+ allows tcp\/443[\s\S]*cdk-sagemaker-egress-required-unreachable/);
  });

  test('a violation acknowledged on the workload, with a reason, no longer fails synthesis', () => {
    const policy = new EgressPolicy({ required: [...NOTEBOOK_NEEDS, EgressDestination.s3()] });
    const a = app(policy, true);
    const notebook = a.node.findAll().find((c) => c instanceof NoInternetNotebook)!;
    Validations.of(notebook).acknowledge({ id: `cdk-sagemaker-egress::${EgressPolicy.RULE_BEYOND_POLICY}`, reason: 'PyPI through the refreshed allowlist is this team\'s accepted risk' });
    expect(() => a.synth()).not.toThrow();
  });

  test('a notebook in another stack than its VPC is proved across the stacks', () => {
    const a = new App();
    Validations.of(a).addPlugins(new EgressPolicy({ required: [...NOTEBOOK_NEEDS, EgressDestination.s3()] }));
    const env = { region: 'eu-west-1', account: '111111111111' };
    const network = new RestrictedEgressVpc(new Stack(a, 'Network', { env }), 'Network', { internetEgress: InternetEgress.none() });
    new NoInternetNotebook(new Stack(a, 'Notebooks', { env }), 'Notebook', { network });
    expect(() => a.synth()).not.toThrow();
  });

  test('enforcement WARN reports the same violations without failing synthesis', () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => { errors.push(String(m)); });
    try {
      const policy = new EgressPolicy({ required: [EgressDestination.awsService('ecr.dkr')], enforcement: EgressPolicyEnforcement.WARN });
      expect(() => app(policy, false).synth()).not.toThrow();
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('\n')).toMatch(/cdk-sagemaker-egress-required-unreachable/);
  });

  describe('a notebook on an imported VPC', () => {
    const subnets = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'];
    const tables = ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'];
    function importedApp(props: EgressPolicyProps): string {
      const a = new App();
      Validations.of(a).addPlugins(new EgressPolicy(props));
      const stack = new Stack(a, 'Stack', { env: { region: 'eu-west-1', account: '111111111111' } });
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlock: '10.20.0.0/16',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        isolatedSubnetIds: subnets,
        isolatedSubnetRouteTableIds: tables,
      });
      new NoInternetNotebook(stack, 'Notebook', { network: new WorkloadNetwork(stack, 'Network', { vpc }) });
      try {
        a.synth();
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    }

    test('an UNKNOWN required destination asks for the imported network to be described, not for a component to be opened', () => {
      const message = importedApp({ required: [...NOTEBOOK_NEEDS, EgressDestination.s3()] });
      expect(message).toMatch(/must reach S3 \(this region\), but it is UNKNOWN: subnet subnet-0aaaaaaaaaaaaaaa1 is not defined in this template/);
      expect(message).toMatch(/The analyzer cannot decide: resolve route table of subnet-0aaaaaaaaaaaaaaa1 \(route\): if it is part of an imported VPC, describe it with the policy's importedVpcs and importedSubnets/);
      expect(message).not.toMatch(/Open the blocking component/);
      // The probes the notebook's security group blocks are proved blocked, and so are other accounts at the
      // interface endpoints' policies; S3 of other accounts stays unknown with the route to S3 (which endpoint, if any).
      const beyond = message.split('\n').filter((l) => /^\s*ERROR .*(can|might) reach /.test(l) && !/ must reach /.test(l));
      expect(beyond).toEqual([expect.stringMatching(/might reach s3 \(another account\), which the policy does not allow: the analyzer cannot tell \(UNKNOWN\): subnet subnet-0aaaaaaaaaaaaaaa1/)]);
    });

    test('an UNKNOWN destination beyond the policy is reported as unresolved, not as a rule to remove', () => {
      const message = importedApp({ required: [] });
      expect(message).toMatch(/might reach sts, which the policy does not allow: the analyzer cannot tell \(UNKNOWN\)/);
      expect(message).toMatch(/describe it with the policy's importedVpcs and importedSubnets .*or add the destination to the policy's `allowed` list/);
      expect(message).not.toMatch(/Remove the rule that lets it through/);
    });

    test('described through the policy, the same app is proved', () => {
      expect(importedApp({
        required: [...NOTEBOOK_NEEDS, EgressDestination.s3()],
        importedVpcs: [{ vpcId: 'vpc-0123456789abcdef0', cidrBlocks: ['10.20.0.0/16'] }],
        importedSubnets: subnets.map((subnetId, i) => ({ subnetId, cidr: `10.20.${i}.0/24`, routeTableId: tables[i], routes: [] })),
      })).toBe('');
    });
  });
});

describe('EgressPolicy and CDK nested stacks', () => {
  /** A VPC with no route out in the stack, and a notebook in a nested stack of it. */
  function nestedApp(direct: 'Enabled' | 'Disabled', policy?: EgressPolicy): { app: App; stack: Stack } {
    const a = new App();
    if (policy) Validations.of(a).addPlugins(policy);
    const stack = new Stack(a, 'Parent', { env: { region: 'eu-west-1', account: '111111111111' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const nested = new NestedStack(stack, 'Notebooks');
    const group = new ec2.SecurityGroup(nested, 'Sg', { vpc, allowAllOutbound: true });
    new sagemaker.CfnNotebookInstance(nested, 'Notebook', {
      instanceType: 'ml.t3.medium',
      roleArn: 'arn:aws:iam::111111111111:role/x',
      directInternetAccess: direct,
      subnetId: vpc.isolatedSubnets[0].subnetId,
      securityGroupIds: [group.securityGroupId],
    });
    return { app: a, stack };
  }

  test('the plugin gets only the top-level stack\'s template; the nested stack is a file of the assembly', () => {
    let seen: string[] = [];
    const spy: IPolicyValidationPlugin = {
      name: 'spy',
      validate: (context) => { seen = context.templatePaths.map((p) => path.basename(p)); return { success: true, violations: [] }; },
    };
    const { app: a } = nestedApp('Disabled');
    Validations.of(a).addPlugins(spy);
    const assembly = a.synth();
    expect(seen).toEqual(['Parent.template.json']);
    expect(fs.readdirSync(assembly.directory).filter((f) => /nested\.template\.json$/.test(f))).toHaveLength(1);
  });

  test('a notebook in a nested stack is checked with the parent\'s network, and located in the nested template', () => {
    const policy = new EgressPolicy({ enforcement: EgressPolicyEnforcement.WARN });
    const { app: a } = nestedApp('Enabled');
    const assembly = a.synth();
    const parentFile = path.join(assembly.directory, 'Parent.template.json');
    const context = (paths: string[]): IPolicyValidationContext => ({
      templatePaths: paths,
      stackTemplates: [{ stackConstructPath: 'Parent', templatePath: parentFile }],
      appConstruct: a,
      accountId: '111111111111',
      region: 'eu-west-1',
    });
    const report = policy.validate(context([parentFile]));
    const internet = report.violations.filter((v) => /can reach 8\.8\.8\.8:443/.test(v.description));
    expect(internet).toHaveLength(1);
    expect(internet[0].description).toMatch(/NotebooksNestedStack\w+\/Notebook can reach 8\.8\.8\.8:443.*\(REACHABLE\).*DirectInternetAccess is Enabled/);
    const where = internet[0].violatingResources[0];
    expect(where.resourceLogicalId).toBe('Notebook');
    expect(where.templatePath).toMatch(/ParentNotebooks\w+\.nested\.template\.json$/);
    // A nested template among the paths is not analyzed alone (it would be a stack without its network).
    const nestedFile = path.join(assembly.directory, fs.readdirSync(assembly.directory).find((f) => /nested\.template\.json$/.test(f))!);
    expect(policy.validate(context([parentFile, nestedFile])).violations).toEqual(report.violations);
  });

  test('synthesis fails for a nested notebook with direct internet access, and passes without it', () => {
    expect(() => nestedApp('Enabled', new EgressPolicy()).app.synth()).toThrow(/Notebook can reach 8\.8\.8\.8:443/);
    expect(() => nestedApp('Disabled', new EgressPolicy()).app.synth()).not.toThrow();
  });

  test('fromStack() joins the nested stacks of the app\'s other stacks too (a VPC in a nested stack of another stack)', () => {
    const a = new App();
    const env = { region: 'eu-west-1', account: '111111111111' };
    const network = new NestedStack(new Stack(a, 'Network', { env }), 'Vpc');
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const workloads = new Stack(a, 'Workloads', { env });
    const group = new ec2.SecurityGroup(workloads, 'Sg', { vpc, allowAllOutbound: true });
    new sagemaker.CfnNotebookInstance(workloads, 'Notebook', {
      instanceType: 'ml.t3.medium',
      roleArn: 'arn:aws:iam::111111111111:role/x',
      directInternetAccess: 'Disabled',
      subnetId: vpc.isolatedSubnets[0].subnetId,
      securityGroupIds: [group.securityGroupId],
    });
    const analyzer = EgressAnalyzer.fromStack(workloads);
    // The subnet's route table (no route out) is known: BLOCKED, not UNKNOWN.
    const internet = analyzer.check({ source: EgressSource.workloadLogicalId('Notebook'), destination: EgressDestination.internet(443) });
    expect(internet.outcome).toBe('BLOCKED');
  });
});
