import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aws, CfnResource, Duration, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as codeartifact from 'aws-cdk-lib/aws-codeartifact';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { DataPerimeter } from './data-perimeter';
import { IPipConfigurable, PipEnvironment } from './pip-configurable';
import { acknowledgeNagFindings, cfnResourceOf } from './private/acknowledge';
import { closedSecurityGroup } from './private/closed-security-group';
import { endpointPolicyStatements } from './private/endpoint-policies';
import { createKey } from './private/kms-key';
import {
  invalid, KINDS, requireConstructKind, requireKinds, validateCodeArtifactDomainName, validateCodeArtifactRepositoryName,
  validatePythonPackagePattern,
} from './private/validation';
import { placementOf, workloadSubnetSelection } from './private/workload-access';
import { IWorkloadNetwork } from './workload-network';

/**
 * Regions with CodeArtifact, from "AWS CodeArtifact endpoints and quotas" (AWS General Reference,
 * https://docs.aws.amazon.com/general/latest/gr/codeartifact.html, as read in 2026-12). A warning only:
 * the list grows.
 */
const CODEARTIFACT_REGIONS = [
  'us-east-2', 'us-east-1', 'us-west-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1',
  'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-south-1', 'eu-west-3', 'eu-north-1',
];
/** CodeArtifact's authorization tokens live at most 12 hours (GetAuthorizationToken, durationSeconds). */
const TOKEN_LIFETIME = Duration.hours(12);
/** How often the installed schedule checks whether the login is due (the script's --check-every). */
const CHECK_EVERY = Duration.minutes(5);
/** Refresh intervals allowed: a refresh is due at most CHECK_EVERY late, and may need a retry or two. */
const MIN_REFRESH = Duration.minutes(15);
const MAX_REFRESH = Duration.hours(11);
/** The external connection of the Python Package Index (AssociateExternalConnection API). */
const PYPI_EXTERNAL_CONNECTION = 'public:pypi';
/** The login script, shipped in the package beside this file and written onto the workload by its lifecycle script. */
const PIP_LOGIN_SCRIPT = path.join(__dirname, 'codeartifact-pypi-mirror.pip-login.sh');
const HEREDOC_MARKER = 'CDK_SAGEMAKER_EGRESS_PIP_LOGIN_SCRIPT';

/**
 * Properties of a `CodeArtifactPypiMirror`.
 */
export interface CodeArtifactPypiMirrorProps {
  /**
   * The network whose workloads install packages: the CodeArtifact endpoints are added to it (or
   * reused) behind its endpoint security group.
   *
   * @default - none: `vpc` must be given
   */
  readonly network?: IWorkloadNetwork;

  /**
   * A VPC without a network object: the mirror then creates its endpoints with a security group of its
   * own. Prefer `network`.
   *
   * @default - the network's VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of the CodeArtifact interface endpoints, with a bare `vpc` (a network places them itself).
   *
   * @default - the VPC's isolated subnets, or its private subnets when it has no isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The data perimeter of the two endpoints the mirror creates with a bare `vpc`: only principals of the
   * perimeter may call CodeArtifact through them, on resources of the perimeter (and the mirror's domain
   * when `existingDomainOwner` is another account). With a `network`, its own perimeter applies.
   *
   * @default DataPerimeter.account() - principals and resources of the stack's account
   */
  readonly perimeter?: DataPerimeter;

  /**
   * Name of the CodeArtifact domain to create: 2 to 50 lowercase letters, digits and hyphens, starting
   * with a letter. The name is part of the repository's public DNS name: put nothing sensitive in it.
   *
   * A fixed name collides, on a redeploy after the stack was deleted, with the domain the removal policy
   * kept: then pass that domain as `existingDomainName` instead.
   *
   * @default - a name from the construct path and the stack's id, which is new each time the stack is
   * created, so that deleting and redeploying the stack never collides with a kept domain
   */
  readonly domainName?: string;

  /**
   * Name of an existing CodeArtifact domain to create the repositories in, instead of creating a domain.
   *
   * @default - a domain is created
   */
  readonly existingDomainName?: string;

  /**
   * Account that owns `existingDomainName`.
   *
   * @default - this stack's account
   */
  readonly existingDomainOwner?: string;

  /**
   * Customer-managed key encrypting the domain's packages (symmetric; the deploying role needs
   * kms:DescribeKey and kms:CreateGrant on it). Only for a domain this construct creates.
   *
   * @default - a new key with automatic rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Name of the repository pip installs from.
   *
   * @default 'pypi'
   */
  readonly repositoryName?: string;

  /**
   * Name of the repository holding the `public:pypi` external connection, upstream of `repositoryName`.
   *
   * @default 'pypi-store'
   */
  readonly upstreamRepositoryName?: string;

  /**
   * Internal Python packages whose versions must never come from the public index (protection against
   * dependency confusion): normalized names such as `acme-utils`, or prefixes such as `acme*`. Each
   * becomes a CodeArtifact package group that blocks the external upstream and allows publishing.
   *
   * @default - none: every package may come from PyPI
   */
  readonly internalPackages?: string[];

  /**
   * How often workloads configured with `configurePip()` renew their CodeArtifact token (valid 12
   * hours), from 15 minutes to 11 hours.
   *
   * @default Duration.hours(1)
   */
  readonly tokenRefreshInterval?: Duration;

  /**
   * What happens to the domain (if created), the repositories and the package groups when they leave
   * the stack. Their names are fixed, so a resource kept after a failed first deployment would block the
   * next one: by default they are kept on update and delete, but not when their creation is rolled back.
   *
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE - published packages outlive the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A PyPI mirror inside the AWS network: an AWS CodeArtifact repository with the public PyPI as its
 * upstream, reached only through the `codeartifact.api` and `codeartifact.repositories` interface
 * endpoints (private DNS), with pip configured on notebooks and Studio apps by their lifecycle scripts.
 *
 * No internet route, IP allowlist or S3 access is needed: CodeArtifact fetches from PyPI on its side,
 * and serves Python packages without the S3 endpoint.
 */
export class CodeArtifactPypiMirror extends Construct implements ec2.IConnectable {
  /** The domain's name. */
  public readonly domainName: string;
  /** The account that owns the domain. */
  public readonly domainOwner: string;
  /** The domain's ARN. */
  public readonly domainArn: string;
  /** The key encrypting the domain, when this construct created the domain. */
  public readonly encryptionKey?: kms.IKey;
  /** Name of the repository pip installs from. */
  public readonly repositoryName: string;
  /** ARN of the repository pip installs from. */
  public readonly repositoryArn: string;
  /** Name of the upstream repository with the PyPI external connection. */
  public readonly upstreamRepositoryName: string;
  /** The `codeartifact.api` interface endpoint (tokens and repository endpoints). */
  public readonly apiEndpoint: ec2.IInterfaceVpcEndpoint;
  /** The `codeartifact.repositories` interface endpoint (package downloads). */
  public readonly repositoriesEndpoint: ec2.IInterfaceVpcEndpoint;
  /**
   * The mirror's endpoints as a network peer (port 443): `workload.connections.allowTo(mirror)`. With a
   * network they sit behind its endpoint security group, with a bare VPC behind a group of their own.
   */
  public readonly connections: ec2.Connections;
  /** The VPC the endpoints are in. */
  public readonly vpc: ec2.IVpc;
  /** How often configured workloads renew their token. */
  public readonly tokenRefreshInterval: Duration;
  /** The network of the mirror, when it was given one. */
  public readonly network?: IWorkloadNetwork;

  /** Workloads already configured by `configurePip()`. */
  private readonly configured = new Set<string>();
  private readonly domainDependency?: CfnResource;
  private readonly createdDomainName?: string;
  private readonly repositoryResource: CfnResource;
  /** The names as the login script receives them: literal where known, so a change of name changes the script. */
  private readonly scriptNames: { domain: string; owner: string; repository: string };

  constructor(scope: Construct, id: string, props: CodeArtifactPypiMirrorProps) {
    super(scope, id);
    requireKinds({ encryptionKey: [props.encryptionKey, KINDS.key] });
    const placement = placementOf(props);
    this.vpc = placement.vpc;
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region) && !CODEARTIFACT_REGIONS.includes(region)) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-egress:codeArtifactRegion',
        `CodeArtifact is not listed for the stack's region "${region}" (its endpoints page lists ${CODEARTIFACT_REGIONS.join(', ')}): ` +
        'the domain, the repositories and the endpoints would fail to deploy. Put the mirror in a listed region, or check that the page lists it now.');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    this.tokenRefreshInterval = props.tokenRefreshInterval ?? Duration.hours(1);
    validateRefreshInterval(this.tokenRefreshInterval);

    const repositoryName = props.repositoryName ?? 'pypi';
    const upstreamName = props.upstreamRepositoryName ?? 'pypi-store';
    validateCodeArtifactRepositoryName('repositoryName', repositoryName);
    validateCodeArtifactRepositoryName('upstreamRepositoryName', upstreamName);
    if (!Token.isUnresolved(repositoryName) && !Token.isUnresolved(upstreamName) && repositoryName.toLowerCase() === upstreamName.toLowerCase()) {
      invalid('upstreamRepositoryName', 'differ from repositoryName (pip installs from one repository; PyPI is connected to the other, upstream of it)',
        upstreamName, 'leave upstreamRepositoryName unset (default "pypi-store") or choose another name');
    }
    for (const pattern of props.internalPackages ?? []) validatePythonPackagePattern('internalPackages', pattern);
    const duplicate = (props.internalPackages ?? []).find((p, i, all) => all.indexOf(p) !== i);
    if (duplicate !== undefined) invalid('internalPackages', 'name each package or prefix once', duplicate, 'remove the duplicate');
    if (props.existingDomainOwner !== undefined && !Token.isUnresolved(props.existingDomainOwner) && !/^\d{12}$/.test(props.existingDomainOwner)) {
      invalid('existingDomainOwner', 'be a 12-digit AWS account id', props.existingDomainOwner, 'give the id of the account that owns the domain');
    }

    if (props.existingDomainName !== undefined) {
      for (const [prop, value] of [['domainName', props.domainName], ['encryptionKey', props.encryptionKey]] as const) {
        if (value !== undefined) {
          invalid(prop, 'be left unset with existingDomainName (it configures a domain this construct creates)', prop === 'encryptionKey' ? '(a key)' : value,
            `remove ${prop}, or remove existingDomainName to create a domain`);
        }
      }
      validateCodeArtifactDomainName('existingDomainName', props.existingDomainName);
      this.domainName = props.existingDomainName;
      this.domainOwner = props.existingDomainOwner ?? Stack.of(this).account;
      this.domainArn = Stack.of(this).formatArn({
        service: 'codeartifact', account: this.domainOwner, resource: 'domain', resourceName: this.domainName,
      });
    } else {
      if (props.existingDomainOwner !== undefined) {
        invalid('existingDomainOwner', 'be given only with existingDomainName', props.existingDomainOwner,
          'name the existing domain with existingDomainName, or remove existingDomainOwner');
      }
      const domainName = props.domainName ?? generatedDomainName(this);
      this.createdDomainName = domainName;
      validateCodeArtifactDomainName('domainName', domainName);
      if (props.domainName !== undefined && removalPolicy !== RemovalPolicy.DESTROY) {
        Annotations.of(this).addWarningV2('cdk-sagemaker-egress:fixedDomainNameKept',
          `The domain "${props.domainName}" is kept when the stack is deleted (removalPolicy), so redeploying the stack after a delete fails: the name is taken. ` +
          'Then deploy with existingDomainName set to it, or leave domainName unset (a name unique to each creation of the stack).');
      }
      this.encryptionKey = props.encryptionKey ?? createKey(this, 'Key', {
        description: 'Encrypts the packages of a CodeArtifact domain (PyPI mirror)',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const domain = new codeartifact.CfnDomain(this, 'Domain', {
        domainName,
        encryptionKey: this.encryptionKey.keyArn,
      });
      domain.applyRemovalPolicy(removalPolicy);
      // The repositories name the domain by its attribute, so CloudFormation creates the domain first
      // (with the plain name they race it: aws/aws-cdk#15746).
      this.domainName = domain.attrName;
      this.domainOwner = domain.attrOwner;
      this.domainArn = domain.attrArn;
      this.domainDependency = domain;
    }
    const literalDomain = props.existingDomainName ?? this.createdDomainName;
    this.scriptNames = {
      domain: literalDomain ?? this.domainName,
      owner: props.existingDomainOwner ?? Stack.of(this).account,
      repository: repositoryName,
    };

    const domainOwner = props.existingDomainOwner;
    const upstream = new codeartifact.CfnRepository(this, 'UpstreamRepository', {
      domainName: this.domainName,
      domainOwner,
      repositoryName: upstreamName,
      description: 'PyPI, fetched by CodeArtifact on first request and kept (upstream of the repository pip uses)',
      externalConnections: [PYPI_EXTERNAL_CONNECTION],
    });
    const repository = new codeartifact.CfnRepository(this, 'Repository', {
      domainName: this.domainName,
      domainOwner,
      repositoryName,
      description: 'The package index of workloads without internet access: internal packages, and PyPI through its upstream',
      upstreams: [upstream.attrName],
    });
    upstream.applyRemovalPolicy(removalPolicy);
    repository.applyRemovalPolicy(removalPolicy);
    this.repositoryName = repository.attrName;
    this.repositoryResource = repository;
    this.repositoryArn = repository.attrArn;
    this.upstreamRepositoryName = upstream.attrName;

    for (const pattern of props.internalPackages ?? []) {
      const group = new codeartifact.CfnPackageGroup(this, `InternalPackages[${pattern}]`, {
        domainName: this.domainName,
        domainOwner,
        // Python has no namespace: /pypi//<name>$ matches one name, /pypi//<prefix>~ every name it begins.
        pattern: pattern.endsWith('*') ? `/pypi//${pattern.slice(0, -1)}~` : `/pypi//${pattern}$`,
        description: 'Internal packages: never taken from the public upstream (dependency confusion)',
        originConfiguration: {
          restrictions: {
            externalUpstream: { restrictionMode: 'BLOCK' },
            internalUpstream: { restrictionMode: 'ALLOW' },
            publish: { restrictionMode: 'ALLOW' },
          },
        },
      });
      group.applyRemovalPolicy(removalPolicy);
      // Origin controls are in place before the repositories can fetch anything from PyPI.
      upstream.node.addDependency(group);
    }

    const network = props.network;
    this.network = network;
    // A domain of another account is outside an account perimeter: its ARNs are allowed by name. (Its
    // repositories and packages are named `repository/<domain>/...` and `package/<domain>/...`.)
    const domainArns = props.existingDomainOwner !== undefined && props.existingDomainOwner !== Stack.of(this).account
      ? ['domain', 'repository', 'package'].map((type) => Stack.of(this).formatArn({
        service: 'codeartifact', account: this.domainOwner, resource: type, resourceName: type === 'domain' ? this.domainName : `${this.domainName}/*`,
      }))
      : [];
    if (network) {
      if (props.vpcSubnets) {
        invalid('vpcSubnets', 'be left out with a network (its endpoints go in the network\'s workload subnets)', JSON.stringify(props.vpcSubnets),
          'remove vpcSubnets');
      }
      if (props.perimeter) {
        invalid('perimeter', 'be left out with a network (the network\'s perimeter applies to the endpoints it holds)', props.perimeter.name,
          'remove perimeter, or set it on the network (RestrictedEgressVpc or WorkloadNetwork perimeter)');
      }
      this.apiEndpoint = network.addInterfaceEndpoint('CodeartifactApiEndpoint', {
        service: ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_API, allowedResourceArns: domainArns,
      });
      this.repositoriesEndpoint = network.addInterfaceEndpoint('CodeartifactRepositoriesEndpoint', {
        service: ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_REPOSITORIES, allowedResourceArns: domainArns,
      });
      this.connections = new ec2.Connections({ securityGroups: network.connections.securityGroups, defaultPort: ec2.Port.tcp(443) });
    } else {
      const group = closedSecurityGroup(this, 'EndpointSecurityGroup', this.vpc,
        'CodeArtifact interface endpoints: HTTPS from workloads configured for the PyPI mirror');
      const subnets = workloadSubnetSelection(placement, props.vpcSubnets);
      const perimeter = props.perimeter ?? DataPerimeter.account();
      if (!perimeter.enabled) {
        Annotations.of(this).addWarningV2('cdk-sagemaker-egress:noDataPerimeter',
          'perimeter is DataPerimeter.none(): the CodeArtifact endpoints keep AWS\'s default policy (any principal, any resource), so code with another account\'s credentials can publish packages to that account\'s repositories through them. ' +
          'Use DataPerimeter.account() (the default) or DataPerimeter.organization(orgId).');
      }
      const endpoint = (endpointId: string, service: ec2.InterfaceVpcEndpointAwsService) => {
        const created = new ec2.InterfaceVpcEndpoint(this, endpointId, {
          vpc: this.vpc, service, subnets, securityGroups: [group], privateDnsEnabled: true, open: false,
        });
        if (perimeter.enabled) {
          for (const statement of endpointPolicyStatements(this, service, perimeter, domainArns)) created.addToPolicy(statement);
        }
        return created;
      };
      this.apiEndpoint = endpoint('ApiEndpoint', ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_API);
      this.repositoriesEndpoint = endpoint('RepositoriesEndpoint', ec2.InterfaceVpcEndpointAwsService.CODEARTIFACT_REPOSITORIES);
      this.connections = new ec2.Connections({ securityGroups: [group], defaultPort: ec2.Port.tcp(443) });
    }
    // The api endpoint's private zone (codeartifact.<region>.amazonaws.com) contains the repositories
    // endpoint's (*.d.codeartifact.<region>.amazonaws.com). AWS's current guide creates both with private
    // DNS and names no order, but its earlier edition could not serve both names, and concurrent creation
    // was reported to fail with "conflicting DNS domain" (hashicorp/terraform-provider-aws#17269): create
    // them one after the other, the api endpoint first.
    this.repositoriesEndpoint.node.addDependency(this.apiEndpoint);
  }

  /**
   * Lets `grantee` install packages: a CodeArtifact token for the domain (with the STS bearer-token
   * permission, only for CodeArtifact), the repository's endpoint, and reading from it. The upstream
   * repository needs no grant: CodeArtifact reads it on the repository's behalf.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grantActions(grantee, []);
  }

  /**
   * Lets `grantee` publish Python packages to the repository (for example with twine), in addition to
   * reading it.
   */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.grantActions(grantee, ['codeartifact:PublishPackageVersion']);
  }

  /**
   * Configures pip on a workload (a `NoInternetNotebook` or a `NoInternetStudio`) to install from the
   * repository only, and grants it `grantRead()` and HTTPS to the endpoints.
   *
   * - A notebook: at every start its lifecycle script installs the login script, logs pip in for all of
   *   the notebook's users and Python environments (`/etc/pip.conf`, the repository as the only index),
   *   and renews the token every `tokenRefreshInterval` (cron, checked every 5 minutes) without a restart.
   * - Studio: at every JupyterLab app start (private and shared spaces), the built-in lifecycle script
   *   logs pip in as the app's user (`~/.config/pip/pip.conf`) and keeps the token fresh with a
   *   background loop. Profiles with their own execution role need `grantRead()` on that role.
   *
   * Idempotent: configuring a workload again changes nothing.
   */
  public configurePip(workload: IPipConfigurable): void {
    requireConstructKind('workload', workload, (x) => typeof (x as any)?.addStartCommands === 'function' && typeof (x as any)?.pipEnvironment === 'string',
      'a NoInternetNotebook or NoInternetStudio (an IPipConfigurable)', 'pass the notebook or Studio construct itself');
    if (this.configured.has(workload.node.path)) return;
    this.configured.add(workload.node.path);
    this.configureWorkload(workload, PIP_TARGETS[workload.pipEnvironment]);
  }

  /** Read access, HTTPS to the endpoints, the lifecycle commands, and a start after the mirror exists. */
  private configureWorkload(workload: IPipConfigurable, target: PipTarget): void {
    this.checkSameVpc('workload', workload.vpc, workload.node.path);
    this.grantRead(workload);
    if (this.network) {
      // Registered with the network: idempotent, and the same rule the network gives every workload.
      this.network.allowWorkload(workload);
    } else {
      workload.connections.allowTo(this, ec2.Port.tcp(443), 'HTTPS to the CodeArtifact endpoints (PyPI mirror)');
    }
    workload.addStartCommands(...this.pipCommands(target));
    this.startAfterEndpoints(workload);
  }

  private grantActions(grantee: iam.IGrantable, extraActions: string[]): iam.Grant {
    const token = iam.Grant.addToPrincipal({ grantee, actions: ['codeartifact:GetAuthorizationToken'], resourceArns: [this.domainArn] });
    const repository = iam.Grant.addToPrincipal({
      grantee,
      actions: ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'],
      resourceArns: [this.repositoryArn],
    });
    let grant = token.combine(repository);
    if (extraActions.length > 0) {
      grant = grant.combine(iam.Grant.addToPrincipal({
        grantee,
        actions: extraActions,
        // Package ARNs: package/<domain>/<repository>/<format>/<namespace>/<name>; Python has no namespace.
        resourceArns: [Stack.of(this).formatArn({
          service: 'codeartifact',
          account: this.domainOwner,
          resource: 'package',
          resourceName: `${this.domainName}/${this.repositoryName}/pypi//*`,
        })],
      }));
    }
    // GetAuthorizationToken also needs sts:GetServiceBearerToken, which has no resource type: scope it to CodeArtifact.
    const statement = new iam.PolicyStatement({
      actions: ['sts:GetServiceBearerToken'],
      resources: ['*'],
      conditions: { StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } },
    });
    const result = grantee.grantPrincipal.addToPrincipalPolicy(statement);
    const policy = result.policyDependable && isConstruct(result.policyDependable) ? cfnResourceOf(result.policyDependable) : undefined;
    if (policy) {
      acknowledgeNagFindings(policy, [{
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'sts:GetServiceBearerToken supports no resource type; the statement is limited to CodeArtifact by the sts:AWSServiceName condition (CodeArtifact User Guide, "Provision a user").',
      }]);
    }
    return grant;
  }

  private pipCommands(target: PipTarget): string[] {
    const script = fs.readFileSync(PIP_LOGIN_SCRIPT, 'utf8').trimEnd();
    if (script.split('\n').includes(HEREDOC_MARKER)) throw new Error(`${PIP_LOGIN_SCRIPT} must not contain the line ${HEREDOC_MARKER}`);
    // Values are checked at synth (names) or come from CloudFormation (account, region); quoted all the same.
    const quote = (value: string) => `'${value}'`;
    const options = [
      '--domain', quote(this.scriptNames.domain), '--domain-owner', quote(this.scriptNames.owner),
      '--repository', quote(this.scriptNames.repository), '--region', quote(Stack.of(this).region),
      '--pip-config', target.pipConfig, '--mode', target.mode, '--state-dir', target.stateDir,
      '--max-age', `${this.tokenRefreshInterval.toSeconds()}`, '--check-every', `${CHECK_EVERY.toSeconds()}`,
      '--scheduler', target.scheduler,
    ];
    return [
      `mkdir -p "$(dirname ${target.script})"`,
      `cat > ${target.script} <<'${HEREDOC_MARKER}'\n${script}\n${HEREDOC_MARKER}`,
      `chmod 0755 ${target.script}`,
      `${target.script} start ${options.join(' ')}`,
    ];
  }

  private checkSameVpc(prop: string, vpc: ec2.IVpc, workloadPath: string): void {
    const sameId = !Token.isUnresolved(vpc.vpcId) && !Token.isUnresolved(this.vpc.vpcId) && vpc.vpcId === this.vpc.vpcId;
    if (vpc !== this.vpc && !sameId) {
      invalid(prop, `be in the mirror's VPC (${this.vpc.node.path}): its endpoints are reachable only from there`, workloadPath,
        'create the mirror with the workload\'s VPC, or a second mirror for that VPC (existingDomainName shares one domain)');
    }
  }

  /**
   * The workload starts (and runs its lifecycle script) only once the endpoints, the domain and the
   * repository exist: the script names them literally, not by reference.
   */
  private startAfterEndpoints(workload: IConstruct): void {
    const resource = workload.node.defaultChild;
    if (!resource) return;
    resource.node.addDependency(this.apiEndpoint, this.repositoriesEndpoint, this.repositoryResource);
    if (this.domainDependency) resource.node.addDependency(this.domainDependency);
  }
}

/** Where the login script and its files go on a workload, and how it schedules renewals. */
interface PipTarget {
  readonly script: string;
  readonly pipConfig: string;
  readonly mode: string;
  readonly stateDir: string;
  readonly scheduler: string;
}

const PIP_TARGETS: Record<PipEnvironment, PipTarget> = {
  [PipEnvironment.NOTEBOOK_INSTANCE]: {
    script: '/usr/local/bin/codeartifact-pip-login',
    pipConfig: '/etc/pip.conf',
    mode: '644',
    stateDir: '/var/lib/codeartifact-pip-login',
    scheduler: 'auto',
  },
  [PipEnvironment.STUDIO_JUPYTERLAB]: {
    script: '"$HOME/.local/bin/codeartifact-pip-login"',
    pipConfig: '"$HOME/.config/pip/pip.conf"',
    mode: '600',
    stateDir: '"$HOME/.local/state/codeartifact-pip-login"',
    scheduler: 'loop',
  },
};

function validateRefreshInterval(interval: Duration): void {
  const seconds = interval.toSeconds();
  if (Token.isUnresolved(seconds)) return;
  if (seconds < MIN_REFRESH.toSeconds() || seconds > MAX_REFRESH.toSeconds()) {
    invalid('tokenRefreshInterval', `be from ${MIN_REFRESH.toHumanString()} to ${MAX_REFRESH.toHumanString()}: CodeArtifact tokens live ${TOKEN_LIFETIME.toHumanString()}, ` +
      `and a refresh is checked every ${CHECK_EVERY.toHumanString()} and may have to be retried`, interval.toHumanString(),
    'use Duration.hours(1) (the default), or at most Duration.hours(11)');
  }
}

/**
 * A domain name from the construct path and the first group of the stack id's UUID (8 hex digits, new
 * each time the stack is created, stable across updates): lowercase, starting with a letter, at most
 * 50 characters. Domains are kept when the stack is deleted, and names are unique per account and region.
 */
function generatedDomainName(scope: Construct): string {
  const unique = Names.uniqueResourceName(scope, { maxLength: 41, separator: '-' }).toLowerCase().replace(/[^a-z0-9-]/g, '');
  const base = /^[a-z]/.test(unique) ? unique : `d${unique.slice(0, 40)}`;
  // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  return Fn.join('-', [base, Fn.select(0, Fn.split('-', stackUuid))]);
}

function isConstruct(x: unknown): x is IConstruct {
  return typeof x === 'object' && x !== null && 'node' in x;
}
