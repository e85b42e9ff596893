/**
 * The reference configurations, defined once and used by the tests, the TypeScript example app and
 * the main job (`npm run examples`). examples/python/app.py builds the same stacks with the same ids,
 * and CI checks that both produce the same templates.
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import {
  AllowedEgress, CodeArtifactPypiMirror, DataPerimeter, DeployedEgressCheck, DnsEgressAllowlist, EndpointSet, InternetEgress, NaclTightening,
  NoInternetNotebook, NoInternetStudio,
  PypiAllowlistSecurityGroup,
  RestrictedEgressVpc, S3EndpointKind,
} from '../../src';
import { EgressDestination, EgressPolicy } from '../../src/egress';

/** Configuration 1: notebook behind a NAT gateway; egress only through what security groups allow. */
export class NotebookNatEgressStack extends Stack {
  public readonly network: RestrictedEgressVpc;
  public readonly notebook: NoInternetNotebook;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.network = new RestrictedEgressVpc(this, 'Network', {
      internetEgress: InternetEgress.natGateway({ natGateways: 1 }),
    });
    this.notebook = new NoInternetNotebook(this, 'Notebook', { network: this.network });
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
      // The default, spelled out: endpoint policies for principals and resources of this account.
      perimeter: DataPerimeter.account(),
    });
    this.notebook = new NoInternetNotebook(this, 'Notebook', { network: this.network });
  }
}

/**
 * Configuration 3: notebook behind a NAT gateway whose only internet egress is HTTPS to PyPI, through a
 * prefix list resolved from pypi.org and files.pythonhosted.org and kept current. The deployed network
 * is checked against the same allowance daily and after each deployment (Network Access Analyzer).
 */
export class NotebookPypiAllowlistStack extends Stack {
  public readonly network: RestrictedEgressVpc;
  public readonly pypi: PypiAllowlistSecurityGroup;
  public readonly notebook: NoInternetNotebook;
  public readonly egressCheck: DeployedEgressCheck;

  /** With `naclTightening`, configuration 6: the workload and NAT subnets' NACLs let through only the VPC, the S3 ranges and the package index. */
  constructor(scope: Construct, id: string, props?: StackProps & { readonly naclTightening?: NaclTightening }) {
    super(scope, id, props);
    this.network = new RestrictedEgressVpc(this, 'Network', {
      internetEgress: InternetEgress.natGateway({ natGateways: 1 }),
      naclTightening: props?.naclTightening,
    });
    this.pypi = new PypiAllowlistSecurityGroup(this, 'PypiAllowlist', { network: this.network });
    this.notebook = new NoInternetNotebook(this, 'Notebook', {
      network: this.network,
      securityGroups: [this.pypi.securityGroup],
    });
    // Run time: the only way out of the VPC the deployed network may have is HTTPS to the package index.
    this.egressCheck = new DeployedEgressCheck(this, 'EgressCheck', {
      network: this.network,
      workloads: [this.notebook],
      allowedDestinations: [AllowedEgress.to(ec2.Peer.prefixList(this.pypi.prefixListId), ec2.Port.tcp(443))],
    });
  }
}

/** Options of the tightened-NACL configurations. */
export interface TightenedStackProps extends StackProps {
  /** How the notebook reaches S3. */
  readonly s3Endpoint: S3EndpointKind;
}

/**
 * Configurations 4 and 5: the second source document's setup with its NACL tightened to the VPC,
 * without its trap. With the S3 gateway endpoint the NACL also carries the region's S3 ranges (kept
 * current); with the S3 interface endpoint it needs none.
 */
export class NotebookIsolatedTightenedStack extends Stack {
  public readonly network: RestrictedEgressVpc;
  public readonly notebook: NoInternetNotebook;

  constructor(scope: Construct, id: string, props: TightenedStackProps) {
    super(scope, id, props);
    this.network = new RestrictedEgressVpc(this, 'Network', {
      internetEgress: InternetEgress.none(),
      s3Endpoint: props.s3Endpoint,
      naclTightening: NaclTightening.tightened(),
    });
    this.notebook = new NoInternetNotebook(this, 'Notebook', { network: this.network });
  }
}

/**
 * Configuration 7, "isolated Studio": the second source document's Studio + JumpStart setup with no
 * internet (two AZs, VpcOnly domain, one user profile, the Studio UI endpoint for private access), built
 * with least-privilege roles, endpoint policies and security groups, and only the endpoints Studio uses.
 */
export class StudioIsolatedStack extends Stack {
  public readonly network: RestrictedEgressVpc;
  public readonly studio: NoInternetStudio;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.network = new RestrictedEgressVpc(this, 'Network', {
      internetEgress: InternetEgress.none(),
      maxAzs: 2,
      endpointAzs: 2,
      endpointSets: [],
    });
    this.studio = new NoInternetStudio(this, 'Studio', {
      network: this.network,
      endpoints: EndpointSet.studio({ studioUi: true }),
      userProfiles: ['data-scientist'],
    });
  }
}

/**
 * Configuration 8, "isolated notebook with mirror": configuration 2 plus pip through a CodeArtifact
 * PyPI mirror, reached only through the CodeArtifact interface endpoints. Packages whose names begin
 * with "acme" are internal: never taken from PyPI (dependency confusion).
 */
export class NotebookIsolatedMirrorStack extends Stack {
  public readonly network: RestrictedEgressVpc;
  public readonly mirror: CodeArtifactPypiMirror;
  public readonly notebook: NoInternetNotebook;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.network = new RestrictedEgressVpc(this, 'Network', {
      internetEgress: InternetEgress.none(),
    });
    this.mirror = new CodeArtifactPypiMirror(this, 'PypiMirror', {
      network: this.network,
      internalPackages: ['acme*'],
    });
    this.notebook = new NoInternetNotebook(this, 'Notebook', { network: this.network });
    this.mirror.configurePip(this.notebook);
  }
}

/**
 * Configuration 9, "isolated notebook with mirror and DNS allowlist": configuration 8 with DNS closed
 * too. A Route 53 Resolver DNS Firewall answers only the names derived from the VPC's endpoints and S3
 * (and its internal host names), blocks every other lookup, and logs queries for a year.
 */
export class NotebookIsolatedDnsAllowlistStack extends NotebookIsolatedMirrorStack {
  public readonly dns: DnsEgressAllowlist;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.dns = new DnsEgressAllowlist(this, 'DnsAllowlist', { vpc: this.network.vpc });
  }
}

/** Stack names of the reference configurations, in the order they are built. */
export const REFERENCE_STACK_NAMES = [
  'NotebookNatEgress',
  'NotebookIsolated',
  'NotebookPypiAllowlist',
  'NotebookIsolatedNaclS3Gateway',
  'NotebookIsolatedNaclS3Interface',
  'NotebookPypiAllowlistNacl',
  'StudioIsolated',
  'NotebookIsolatedMirror',
  'NotebookIsolatedDnsAllowlist',
];

/** Adds every reference configuration to `app`. */
export function addReferenceConfigurations(app: App): Stack[] {
  return [
    new NotebookNatEgressStack(app, 'NotebookNatEgress', { description: 'cdk-sagemaker-egress reference: notebook behind a NAT gateway' }),
    new NotebookIsolatedStack(app, 'NotebookIsolated', { description: 'cdk-sagemaker-egress reference: notebook with no internet route' }),
    new NotebookPypiAllowlistStack(app, 'NotebookPypiAllowlist', { description: 'cdk-sagemaker-egress reference: notebook with HTTPS to PyPI only' }),
    new NotebookIsolatedTightenedStack(app, 'NotebookIsolatedNaclS3Gateway', {
      description: 'cdk-sagemaker-egress reference: no internet route, tightened NACL, S3 gateway endpoint',
      s3Endpoint: S3EndpointKind.GATEWAY,
    }),
    new NotebookIsolatedTightenedStack(app, 'NotebookIsolatedNaclS3Interface', {
      description: 'cdk-sagemaker-egress reference: no internet route, tightened NACL, S3 interface endpoint',
      s3Endpoint: S3EndpointKind.INTERFACE,
    }),
    new NotebookPypiAllowlistStack(app, 'NotebookPypiAllowlistNacl', {
      description: 'cdk-sagemaker-egress reference: HTTPS to PyPI only, tightened NACLs',
      naclTightening: NaclTightening.tightened(),
    }),
    new StudioIsolatedStack(app, 'StudioIsolated', { description: 'cdk-sagemaker-egress reference: SageMaker Studio and JumpStart with no internet route' }),
    new NotebookIsolatedMirrorStack(app, 'NotebookIsolatedMirror', { description: 'cdk-sagemaker-egress reference: no internet route, pip through a CodeArtifact PyPI mirror' }),
    new NotebookIsolatedDnsAllowlistStack(app, 'NotebookIsolatedDnsAllowlist', {
      description: 'cdk-sagemaker-egress reference: no internet route, PyPI mirror, DNS Firewall allowlist',
    }),
  ];
}

/**
 * The egress every reference configuration's workloads are meant to have, as a synth-time policy: the
 * SageMaker, STS and CloudWatch Logs endpoints and S3 are required; the Studio UI endpoint and the
 * Python package index are allowed (where a configuration opens them); anything else fails synthesis.
 */
export function referenceEgressPolicy(): EgressPolicy {
  return new EgressPolicy({
    required: ['sagemaker.api', 'sagemaker.runtime', 'sts', 'logs'].map((s) => EgressDestination.awsService(s)).concat(EgressDestination.s3()),
    allowed: [
      EgressDestination.awsService('studio'), EgressDestination.host('pypi.org'), EgressDestination.host('files.pythonhosted.org'),
      EgressDestination.awsService('codeartifact.api'), EgressDestination.awsService('codeartifact.repositories'),
    ],
  });
}
