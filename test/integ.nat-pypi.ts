/**
 * Integration test: the notebook behind a NAT gateway whose only internet egress is HTTPS to PyPI
 * (reference configuration 3, NotebookPypiAllowlist). After deployment it asserts that
 * - the notebook instance reaches InService;
 * - the package-index prefix list has entries, and they cover every address pypi.org and
 *   files.pythonhosted.org resolve to now (resolved by an assertion function, independently of the
 *   construct's refresh function);
 * - VPC Reachability Analyzer, from the notebook's network interface to the VPC's internet gateway:
 *   TCP 22 to any address: no path; TCP 443 to an address outside the allowlist (1.1.1.1): no path;
 *   TCP 443 to a package-index address (the prefix list's first entry): a path IS found. The last is
 *   the control that makes the first two mean something: the analyzer sees the route through the NAT
 *   gateway, and finds nothing only where the security groups allow nothing.
 * - the DeployedEgressCheck over the notebook's network, with the PyPI prefix list allowed on 443: the
 *   check's function, started by the stack's CREATE_COMPLETE event (EventBridge), runs a Network
 *   Access Analyzer analysis of its access scope, which succeeds and finds no path the policy does
 *   not allow (FindingsFound "false").
 *
 * Run: see docs/integration-tests.md. The snapshot (integ.nat-pypi.ts.snapshot/) is checked offline
 * by `npm test`.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AllowedEgress, DeployedEgressCheck, InternetEgress, NoInternetNotebook, PypiAllowlistSecurityGroup, RestrictedEgressVpc } from '../src';
import { TEST_CASE_OPTIONS, integApp, synthesize } from './integ-support/app';
import { WAIT, assertionFunction, destroyEverything, expectNotebookInService, expectOk } from './integ-support/assertions';

const app = integApp();
const stack = new Stack(app, 'IntegNatPypi', {
  description: 'cdk-sagemaker-egress integration test: notebook behind a NAT gateway, HTTPS to PyPI only',
});
const network = new RestrictedEgressVpc(stack, 'Network', {
  internetEgress: InternetEgress.natGateway({ natGateways: 1 }),
});
const pypi = new PypiAllowlistSecurityGroup(stack, 'PypiAllowlist', { network });
const notebook = new NoInternetNotebook(stack, 'Notebook', { network, securityGroups: [pypi.securityGroup] });

// The run-time check of the same policy: the network's endpoints, and HTTPS to the package index.
const check = new DeployedEgressCheck(stack, 'EgressCheck', {
  network,
  workloads: [notebook],
  allowedDestinations: [AllowedEgress.to(ec2.Peer.prefixList(pypi.prefixListId), ec2.Port.tcp(443))],
});

const prefixListCheck = assertionFunction(stack, 'PypiPrefixListCheck', 'pypi-prefix-list');
prefixListCheck.addToRolePolicy(new iam.PolicyStatement({
  actions: ['ec2:GetManagedPrefixListEntries'],
  resources: [pypi.prefixListArn],
}));
destroyEverything(stack);

const internetGatewayId = (network.vpc as ec2.Vpc).internetGatewayId;
if (!internetGatewayId) throw new Error('IntegNatPypi: the NAT configuration has no internet gateway to analyze paths to');

const integ = new IntegTest(app, 'NatPypi', {
  testCases: [stack],
  ...TEST_CASE_OPTIONS,
});

// 1. The notebook is in service.
const inService = expectNotebookInService(integ, notebook);

// 2. The prefix list has entries that match what the package index resolves to.
expectOk(integ, prefixListCheck, { prefixListId: pypi.prefixListId, hostnames: pypi.hostnames });

// 3. Reachability Analyzer paths from the notebook's network interface to the internet gateway. The
// paths and analyses are resources of the assertion stack, so the runner deletes them with it.
const eni = integ.assertions.awsApiCall('SageMaker', 'describeNotebookInstance', {
  NotebookInstanceName: notebook.notebookInstanceName,
});
inService.next(eni);
const notebookInterfaceId = eni.getAttString('NetworkInterfaceId');
const firstEntry = integ.assertions.awsApiCall('EC2', 'getManagedPrefixListEntries', { PrefixListId: pypi.prefixListId, MaxResults: 5 });
const pypiAddress = Fn.select(0, Fn.split('/', firstEntry.getAttString('Entries.0.Cidr')));

const assertStack = Stack.of(eni);
function expectPath(id: string, port: number, destinationIp: string | undefined, found: boolean): void {
  const path = new ec2.CfnNetworkInsightsPath(assertStack, `${id}Path`, {
    source: notebookInterfaceId,
    destination: internetGatewayId!,
    destinationIp,
    protocol: 'tcp',
    destinationPort: port,
    tags: [{ key: 'Name', value: `cdk-sagemaker-egress integ: notebook to IGW, tcp/${port}${destinationIp ? ' to one address' : ''}` }],
  });
  const analysis = new ec2.CfnNetworkInsightsAnalysis(assertStack, `${id}Analysis`, {
    networkInsightsPathId: path.attrNetworkInsightsPathId,
  });
  integ.assertions.awsApiCall('EC2', 'describeNetworkInsightsAnalyses', {
    NetworkInsightsAnalysisIds: [analysis.attrNetworkInsightsAnalysisId],
  }).expect(ExpectedResult.objectLike({
    NetworkInsightsAnalyses: [{ Status: 'succeeded', NetworkPathFound: found }],
  })).waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) });
}
// PyPI is allowed on 443 only: SSH to anywhere on the internet has no path.
expectPath('Ssh', 22, undefined, false);
// HTTPS to an internet address outside the allowlist has no path.
expectPath('HttpsOutsideAllowlist', 443, '1.1.1.1', false);
// The control: HTTPS to a package-index address has a path (notebook -> NAT gateway -> internet gateway).
expectPath('HttpsToPypi', 443, pypiAddress, true);

// 4. The deployed egress check: the analysis its function starts after the stack's CREATE_COMPLETE
// (the check's AfterDeployment rule) succeeds and finds no path the policy does not allow. Polled after
// the notebook is in service, so its network interface exists by then; an analysis takes minutes.
const analyses = integ.assertions.awsApiCall('EC2', 'describeNetworkInsightsAccessScopeAnalyses', {
  NetworkInsightsAccessScopeId: check.accessScopeId,
}).expect(ExpectedResult.objectLike({
  NetworkInsightsAccessScopeAnalyses: Match.arrayWith([Match.objectLike({ Status: 'succeeded', FindingsFound: 'false' })]),
})).waitForAssertions(WAIT);
inService.next(analyses);

synthesize(app);
