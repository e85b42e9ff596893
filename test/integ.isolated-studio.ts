/**
 * Integration test: isolated SageMaker Studio (reference configuration 7, StudioIsolated): VpcOnly
 * domain in a VPC with no internet route, one user profile, the Studio UI endpoint. After deployment
 * it asserts that
 * - the domain is InService, its AppNetworkAccessType is VpcOnly, in the test's VPC, with the home
 *   file system the stack reports;
 * - the user profile is InService;
 * - the home file system (EFS) is available and encrypted.
 * Deletion settings: the domain is deployed with HomeFileSystemRetention.DELETE (in the snapshot: the
 * Custom::StudioDomainDeletion resource with HomeEfsFileSystem "Delete"). The runner's destroy is the
 * check: with the home file system kept, its mount targets and SageMaker's NFS security groups stay in
 * the workload subnets and the stack's deletion fails at the subnets.
 *
 * Run: see docs/integration-tests.md. The snapshot (integ.isolated-studio.ts.snapshot/) is checked
 * offline by `npm test`.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Stack } from 'aws-cdk-lib';
import { EndpointSet, HomeFileSystemRetention, InternetEgress, NoInternetStudio, RestrictedEgressVpc } from '../src';
import { TEST_CASE_OPTIONS, integApp, synthesize } from './integ-support/app';
import { WAIT, destroyEverything } from './integ-support/assertions';

const app = integApp();
const stack = new Stack(app, 'IntegIsolatedStudio', {
  description: 'cdk-sagemaker-egress integration test: SageMaker Studio (VpcOnly) with no internet route',
});
const network = new RestrictedEgressVpc(stack, 'Network', {
  internetEgress: InternetEgress.none(),
  maxAzs: 2,
  endpointAzs: 2,
  endpointSets: [],
});
const studio = new NoInternetStudio(stack, 'Studio', {
  network,
  endpoints: EndpointSet.studio({ studioUi: true }),
  userProfiles: ['data-scientist'],
  // The runner destroys the stack: the home file system (and what SageMaker leaves in the VPC) must go too.
  homeFileSystemRetention: HomeFileSystemRetention.DELETE,
});
destroyEverything(stack);

const integ = new IntegTest(app, 'IsolatedStudio', {
  testCases: [stack],
  ...TEST_CASE_OPTIONS,
});

// 1. The domain: in service, VPC only, in this VPC, with this home file system.
const domain = integ.assertions.awsApiCall('SageMaker', 'describeDomain', { DomainId: studio.domainId })
  .expect(ExpectedResult.objectLike({
    Status: 'InService',
    AppNetworkAccessType: 'VpcOnly',
    VpcId: network.vpc.vpcId,
    HomeEfsFileSystemId: studio.homeEfsFileSystemId,
  })).waitForAssertions(WAIT);

// 2. The user profile is in service.
domain.next(integ.assertions.awsApiCall('SageMaker', 'describeUserProfile', {
  DomainId: studio.domainId,
  UserProfileName: 'data-scientist',
}).expect(ExpectedResult.objectLike({ Status: 'InService' })).waitForAssertions(WAIT));

// 3. The home file system is available and encrypted (with the domain's key: SageMaker creates it so).
const efs = integ.assertions.awsApiCall('EFS', 'describeFileSystems', { FileSystemId: studio.homeEfsFileSystemId })
  .expect(ExpectedResult.objectLike({ FileSystems: [{ LifeCycleState: 'available', Encrypted: true }] }));
efs.provider.addToRolePolicy({ Effect: 'Allow', Action: ['elasticfilesystem:DescribeFileSystems'], Resource: ['*'] });

synthesize(app);
