/**
 * Integration test: the isolated notebook with tightened NACLs and the S3 gateway endpoint (reference
 * configuration 4, NotebookIsolatedNaclS3Gateway). After deployment it asserts that
 * - the notebook instance reaches InService, with direct internet access disabled;
 * - the NACL of every workload subnet lets HTTPS out to, and return traffic in from, every range of the
 *   region's S3 managed prefix list (com.amazonaws.<region>.s3, read independently of the construct),
 *   and denies HTTPS to an internet address outside the VPC and S3;
 * - the VPC has no internet gateway (DescribeInternetGateways filtered on the VPC finds none).
 *
 * Run: see docs/integration-tests.md. The snapshot (integ.isolated-notebook.ts.snapshot/) is checked
 * offline by `npm test`.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { InternetEgress, NaclTightening, NoInternetNotebook, RestrictedEgressVpc, S3EndpointKind } from '../src';
import { TEST_CASE_OPTIONS, integApp, synthesize } from './integ-support/app';
import { assertionFunction, destroyEverything, expectNotebookInService, expectOk } from './integ-support/assertions';

const app = integApp();
const stack = new Stack(app, 'IntegIsolatedNotebook', {
  description: 'cdk-sagemaker-egress integration test: isolated notebook, tightened NACLs, S3 gateway endpoint',
});
const network = new RestrictedEgressVpc(stack, 'Network', {
  internetEgress: InternetEgress.none(),
  s3Endpoint: S3EndpointKind.GATEWAY,
  naclTightening: NaclTightening.tightened(),
});
const notebook = new NoInternetNotebook(stack, 'Notebook', { network });

const naclCheck = assertionFunction(stack, 'NaclS3RangesCheck', 'nacl-s3-ranges');
naclCheck.addToRolePolicy(new iam.PolicyStatement({
  // Read-only EC2 actions without resource-level permissions.
  actions: ['ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries', 'ec2:DescribeNetworkAcls'],
  resources: ['*'],
}));
destroyEverything(stack);

const integ = new IntegTest(app, 'IsolatedNotebook', {
  testCases: [stack],
  ...TEST_CASE_OPTIONS,
});

expectNotebookInService(integ, notebook);

const workloadSubnetIds = network.vpc.selectSubnets(network.workloadSubnets).subnetIds;
expectOk(integ, naclCheck, {
  subnetIds: workloadSubnetIds,
  // An internet address outside the VPC and S3: HTTPS to it must be denied by the tightened NACL.
  probeOutsideAddress: '1.1.1.1',
});

integ.assertions.awsApiCall('EC2', 'describeInternetGateways', {
  Filters: [{ Name: 'attachment.vpc-id', Values: [network.vpc.vpcId] }],
}).expect(ExpectedResult.objectLike({ InternetGateways: [] }));

// The VPC really is isolated: the construct created no internet gateway at all.
if ((network.vpc as ec2.Vpc).internetGatewayId !== undefined) {
  throw new Error('IntegIsolatedNotebook: InternetEgress.none() created an internet gateway');
}

synthesize(app);
