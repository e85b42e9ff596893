/**
 * The analyzer on templates written the way public SageMaker network templates are written (our own,
 * in fixtures/published-style/): YAML with short-form tags, parameters with defaults and AllowedValues,
 * Conditions, Mappings, nested stacks, `!Sub '${AWS::StackName}-X'` exports with Fn::ImportValue, and
 * DirectInternetAccess, AppNetworkAccessType, ServiceName and subnet CIDRs as parameters.
 *
 * For each template and parameter set, the verdicts are written by hand from what the deployed network
 * would do. A verdict is never a firm wrong answer (REACHABLE where the network blocks, or BLOCKED where
 * it lets through); UNKNOWN is expected only where the answer depends on what the template leaves open,
 * and the case says what.
 */
import * as path from 'path';
import { EgressAnalyzer, EgressAnalyzerOptions, EgressDestination, EgressOutcome } from '../../src/egress';
import { readTemplateFile } from '../../src/egress/template-file';

const fixture = (file: string) => path.join(__dirname, 'fixtures', 'published-style', file);

const DESTINATIONS = {
  api: EgressDestination.awsService('sagemaker.api'),
  runtime: EgressDestination.awsService('sagemaker.runtime'),
  sts: EgressDestination.awsService('sts'),
  logs: EgressDestination.awsService('logs'),
  s3: EgressDestination.s3(),
  https: EgressDestination.ipv4('8.8.8.8', 443),
  ssh: EgressDestination.ipv4('8.8.8.8', 22),
};
type Destination = keyof typeof DESTINATIONS;

type Firm = 'REACHABLE' | 'BLOCKED';
/** What the analyzer must answer: the deployed network's answer, or UNKNOWN with why and the note that says so. */
type Expected = Firm | { readonly unknown: string; readonly notes: RegExp };

interface Case {
  readonly name: string;
  readonly file: string;
  readonly options: EgressAnalyzerOptions;
  /** The verdicts of every workload (the domain and its profile share them). */
  readonly expected: Partial<Record<Destination, Expected>>;
}

const R: Firm = 'REACHABLE';
const B: Firm = 'BLOCKED';

/** notebook-vpc.yaml: one template, a notebook VPC with an optional NAT gateway. */
const NOTEBOOK_VPC: Case[] = [
  {
    name: 'defaults (dev, no NAT, no direct internet); the extra endpoint\'s service not given',
    file: 'notebook-vpc.yaml',
    options: {},
    expected: {
      // dev: HTTPS anywhere; both SageMaker endpoints in the notebook's subnet; S3 by the gateway endpoint.
      api: R,
      runtime: R,
      s3: R,
      // The private route table has no default route (the NAT gateway's condition is false).
      https: B,
      ssh: B,
      sts: {
        unknown: 'the extra endpoint is sts\'s only if ExtraEndpointService names it; without a NAT, nothing else reaches sts',
        notes: /service name of endpoint ExtraEndpoint \(parameter ExtraEndpointService has no value.*if it is sts's, REACHABLE; if not, BLOCKED/,
      },
    },
  },
  {
    name: 'the extra endpoint is sts\'s, in eu-west-1 (the region mapping resolves)',
    file: 'notebook-vpc.yaml',
    options: { region: 'eu-west-1', parameters: { ExtraEndpointService: 'com.amazonaws.eu-west-1.sts' } },
    expected: { api: R, runtime: R, s3: R, https: B, ssh: B, sts: R, logs: B },
  },
  {
    name: 'a region the region mapping lacks: only the Availability Zone is unknown',
    file: 'notebook-vpc.yaml',
    options: { region: 'ap-south-1', parameters: { ExtraEndpointService: 'com.amazonaws.ap-south-1.logs' } },
    expected: { api: R, runtime: R, s3: R, https: B, ssh: B, sts: B, logs: R },
  },
  {
    name: 'CreateNatGateway=true (the NAT, its address and its route exist)',
    file: 'notebook-vpc.yaml',
    options: { parameters: { CreateNatGateway: 'true' } },
    // sts: through the NAT gateway, whether or not the extra endpoint is sts's.
    expected: { api: R, runtime: R, s3: R, https: R, ssh: B, sts: R },
  },
  {
    name: 'prod with a NAT: the notebook\'s group allows HTTPS within the VPC only',
    file: 'notebook-vpc.yaml',
    options: { region: 'eu-west-1', parameters: { CreateNatGateway: 'true', EnvType: 'prod', ExtraEndpointService: 'com.amazonaws.eu-west-1.sts' } },
    // S3's addresses are outside the VPC: the security group blocks them, gateway endpoint or not.
    expected: { api: R, runtime: R, s3: B, https: B, ssh: B, sts: R, logs: B },
  },
  {
    name: 'NotebookDirectInternet=Enabled: SageMaker\'s own network reaches everything',
    file: 'notebook-vpc.yaml',
    options: { parameters: { NotebookDirectInternet: 'Enabled', EnvType: 'prod' } },
    expected: { api: R, runtime: R, s3: R, https: R, ssh: R, sts: R, logs: R },
  },
];

const nestedStacks = () => ({ Network: readTemplateFile(fixture('nested/network.yaml')), Notebook: readTemplateFile(fixture('nested/notebook.yaml')) });

/** nested/parent.yaml: the notebook in one nested stack, its network in another. */
const NESTED: Case[] = [
  {
    name: 'EnvType not given (no Default): each of its AllowedValues is tried',
    file: 'nested/parent.yaml',
    options: { nestedStacks: nestedStacks() },
    expected: {
      // The API endpoint is in the VPC, which both environments' egress CIDRs cover.
      api: R,
      // 22 is closed by the notebook's group in both.
      ssh: B,
      https: {
        unknown: 'dev has a NAT gateway and HTTPS anywhere, prod neither',
        notes: /REACHABLE when .*parameter EnvType is 'dev'; BLOCKED when .*parameter EnvType is 'prod'/,
      },
      s3: {
        unknown: 'dev allows HTTPS to S3\'s addresses, prod only within the VPC',
        notes: /REACHABLE when .*parameter EnvType is 'dev'; BLOCKED when .*parameter EnvType is 'prod'/,
      },
      sts: {
        unknown: 'no sts endpoint: through the NAT gateway in dev, not at all in prod',
        notes: /REACHABLE when .*parameter EnvType is 'dev'; BLOCKED when .*parameter EnvType is 'prod'/,
      },
    },
  },
  {
    name: 'EnvType=dev: the mapping gives a NAT gateway and HTTPS anywhere',
    file: 'nested/parent.yaml',
    options: { nestedStacks: nestedStacks(), parameters: { EnvType: 'dev' } },
    expected: { api: R, s3: R, https: R, ssh: B, sts: R },
  },
  {
    name: 'EnvType=prod: no NAT gateway, HTTPS within the VPC',
    file: 'nested/parent.yaml',
    options: { nestedStacks: nestedStacks(), parameters: { EnvType: 'prod' }, region: 'eu-west-1' },
    expected: { api: R, s3: B, https: B, ssh: B, sts: B },
  },
  {
    name: 'EnvType=prod, the network stack\'s endpoint parameter (not passed by the parent) set to sts',
    file: 'nested/parent.yaml',
    options: { nestedStacks: nestedStacks(), parameters: { 'EnvType': 'prod', 'Network/ApiEndpointService': 'sts' } },
    expected: { api: B, sts: R, https: B, s3: B },
  },
  {
    name: 'NotebookDirectInternet=Enabled, passed down to the notebook stack',
    file: 'nested/parent.yaml',
    options: { nestedStacks: nestedStacks(), parameters: { EnvType: 'prod', NotebookDirectInternet: 'Enabled' } },
    expected: { api: R, s3: R, https: R, ssh: R, sts: R },
  },
];

const network = () => readTemplateFile(fixture('exports/network.yaml'));
const withNetwork = (parameters?: Record<string, string>, stackName = 'sagemaker-network') => [{ stackName, template: network(), parameters }];

/** exports/studio.yaml: a Studio domain importing a shared network stack's `${AWS::StackName}-X` exports. */
const EXPORTS: Case[] = [
  {
    name: 'defaults: VpcOnly, HTTPS within the VPC, no NAT; the private subnet\'s CIDR not given',
    file: 'exports/studio.yaml',
    options: { otherTemplates: withNetwork() },
    // The endpoints' interfaces are in the VPC whatever the subnet's CIDR; everything else is outside it.
    expected: { api: R, sts: R, logs: B, s3: B, https: B, ssh: B },
  },
  {
    name: 'EgressMode=nat and OpenHttps=yes: the internet through the NAT, S3 through the gateway endpoint',
    file: 'exports/studio.yaml',
    options: { parameters: { OpenHttps: 'yes' }, otherTemplates: withNetwork({ EgressMode: 'nat', PrivateSubnetCidr: '10.50.1.0/24' }) },
    expected: { api: R, sts: R, logs: R, s3: R, https: R, ssh: B },
  },
  {
    name: 'OpenHttps=yes without a NAT: S3 through the gateway endpoint only',
    file: 'exports/studio.yaml',
    options: { parameters: { OpenHttps: 'yes' }, otherTemplates: withNetwork({ PrivateSubnetCidr: '10.50.1.0/24' }) },
    expected: { api: R, sts: R, logs: B, s3: R, https: B, ssh: B },
  },
  {
    name: 'the network stack\'s endpoint list (CommaDelimitedList) gives logs instead of sts',
    file: 'exports/studio.yaml',
    options: { parameters: { OpenHttps: 'yes' }, otherTemplates: withNetwork({ EndpointServices: 'sagemaker.api,logs' }) },
    expected: { api: R, sts: B, logs: R, s3: R, https: B },
  },
  {
    name: 'AppNetworkAccess=PublicInternetOnly: SageMaker\'s own network reaches everything',
    file: 'exports/studio.yaml',
    options: { parameters: { AppNetworkAccess: 'PublicInternetOnly' }, otherTemplates: withNetwork() },
    expected: { api: R, sts: R, logs: R, s3: R, https: R, ssh: R },
  },
  {
    name: 'an existing VPC (the Fn::If picks the ExistingVpcId branch): the subnets are still the template\'s',
    file: 'exports/studio.yaml',
    options: { otherTemplates: withNetwork({ ExistingVpcId: 'vpc-0abc', PrivateSubnetCidr: '10.50.1.0/24' }) },
    // The endpoints share the domain's subnet (no NACL between them); the group decides the rest.
    expected: { api: R, sts: R, s3: B, https: B, ssh: B },
  },
  {
    name: 'the network stack deployed under another name: the imports do not resolve',
    file: 'exports/studio.yaml',
    options: { otherTemplates: withNetwork(undefined, 'other-network') },
    expected: {
      api: { unknown: 'the domain\'s subnet is imported from a stack not given: its address is unknown', notes: /sagemaker-network-PrivateSubnetId \(Fn::ImportValue\)/ },
      sts: { unknown: 'as for the API', notes: /sagemaker-network-PrivateSubnetId \(Fn::ImportValue\)/ },
      // The security group alone decides: HTTPS within 10.50.0.0/16 only.
      s3: B,
      https: B,
      ssh: B,
      logs: B,
    },
  },
];

const CASES = [...NOTEBOOK_VPC, ...NESTED, ...EXPORTS];

function verdicts(c: Case) {
  const analyzer = EgressAnalyzer.fromFile(fixture(c.file), c.options);
  expect(() => analyzer.report()).not.toThrow();
  return analyzer.workloads.map((source) => ({
    workload: source.description,
    verdicts: Object.entries(c.expected).map(([key, expected]) => ({
      key,
      expected: expected!,
      verdict: analyzer.check({ source, destination: DESTINATIONS[key as Destination] }),
    })),
  }));
}

describe.each(CASES)('$file: $name', (c) => {
  test('the verdicts written by hand', () => {
    const results = verdicts(c);
    expect(results.length).toBeGreaterThan(0);
    for (const { workload, verdicts: vs } of results) {
      for (const { key, expected, verdict } of vs) {
        const want = typeof expected === 'string' ? expected : EgressOutcome.UNKNOWN;
        expect(`${workload} ${key} ${verdict.outcome}`).toBe(`${workload} ${key} ${want}`);
        if (typeof expected !== 'string') expect(verdict.notes.join('\n') + (verdict.blockedBy?.detail ?? '')).toMatch(expected.notes);
      }
    }
  });

  test('no verdict is a firm wrong answer', () => {
    // A firm verdict (REACHABLE or BLOCKED) must be the network's answer; where the answer depends on
    // what the template leaves open (an UNKNOWN expected), any firm verdict is wrong.
    const wrong = verdicts(c).flatMap(({ workload, verdicts: vs }) => vs
      .filter(({ expected, verdict }) => (verdict.outcome === EgressOutcome.REACHABLE || verdict.outcome === EgressOutcome.BLOCKED)
        && verdict.outcome !== expected)
      .map(({ key, verdict }) => `${workload} ${key}: ${verdict.outcome}`));
    expect(wrong).toEqual([]);
  });
});

test('every UNKNOWN expected says why', () => {
  for (const c of CASES) {
    for (const e of Object.values(c.expected)) if (typeof e !== 'string') expect(e!.unknown.length).toBeGreaterThan(10);
  }
});

test('the nested template layout: workloads of the nested stacks, under their stack\'s logical id', () => {
  const analyzer = EgressAnalyzer.fromFile(fixture('nested/parent.yaml'), { nestedStacks: nestedStacks(), parameters: { EnvType: 'dev' } });
  expect(analyzer.workloads.map((w) => w.description)).toEqual(['Notebook/Notebook']);
  const withoutNotebook = EgressAnalyzer.fromFile(fixture('nested/parent.yaml'), { nestedStacks: { Network: nestedStacks().Network } });
  expect(withoutNotebook.workloads).toEqual([]);
});
