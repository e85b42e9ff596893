/**
 * The reference configurations, defined once and used by the tests, the TypeScript example app and
 * the main job (`npm run examples`). examples/python/app.py builds the same stacks with the same ids,
 * and CI checks that both produce the same templates.
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { InternetEgress, NoInternetNotebook, PypiAllowlistSecurityGroup, RestrictedEgressVpc } from '../../src';

/** Configuration 1: notebook behind a NAT gateway; egress only through what security groups allow. */
export class NotebookNatEgressStack extends Stack {
  public readonly network: RestrictedEgressVpc;
  public readonly notebook: NoInternetNotebook;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.network = new RestrictedEgressVpc(this, 'Network', {
      internetEgress: InternetEgress.natGateway({ natGateways: 1 }),
    });
    this.notebook = new NoInternetNotebook(this, 'Notebook', { vpc: this.network.vpc });
  }
}

/** Configuration 2: notebook in a VPC with no internet gateway and no NAT; AWS only through endpoints. */
export class NotebookIsolatedStack extends Stack {
  public readonly network: RestrictedEgressVpc;
  public readonly notebook: NoInternetNotebook;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.network = new RestrictedEgressVpc(this, 'Network', {
      internetEgress: InternetEgress.none(),
    });
    this.notebook = new NoInternetNotebook(this, 'Notebook', { vpc: this.network.vpc });
  }
}

/**
 * Configuration 3: notebook behind a NAT gateway whose only internet egress is HTTPS to PyPI, through a
 * prefix list resolved from pypi.org and files.pythonhosted.org and kept current.
 */
export class NotebookPypiAllowlistStack extends Stack {
  public readonly network: RestrictedEgressVpc;
  public readonly pypi: PypiAllowlistSecurityGroup;
  public readonly notebook: NoInternetNotebook;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.network = new RestrictedEgressVpc(this, 'Network', {
      internetEgress: InternetEgress.natGateway({ natGateways: 1 }),
    });
    this.pypi = new PypiAllowlistSecurityGroup(this, 'PypiAllowlist', { vpc: this.network.vpc });
    this.notebook = new NoInternetNotebook(this, 'Notebook', {
      vpc: this.network.vpc,
      securityGroups: [this.pypi.securityGroup],
    });
  }
}

/** Stack names of the reference configurations, in the order they are built. */
export const REFERENCE_STACK_NAMES = ['NotebookNatEgress', 'NotebookIsolated', 'NotebookPypiAllowlist'];

/** Adds every reference configuration to `app`. */
export function addReferenceConfigurations(app: App): Stack[] {
  return [
    new NotebookNatEgressStack(app, 'NotebookNatEgress', { description: 'cdk-sagemaker-egress reference: notebook behind a NAT gateway' }),
    new NotebookIsolatedStack(app, 'NotebookIsolated', { description: 'cdk-sagemaker-egress reference: notebook with no internet route' }),
    new NotebookPypiAllowlistStack(app, 'NotebookPypiAllowlist', { description: 'cdk-sagemaker-egress reference: notebook with HTTPS to PyPI only' }),
  ];
}
