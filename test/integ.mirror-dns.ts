/**
 * Integration test: the isolated notebook with the CodeArtifact PyPI mirror and the DNS allowlist
 * (reference configuration 9, NotebookIsolatedDnsAllowlist). After deployment it asserts that
 * - the DNS Firewall rule group is associated with the VPC and the association is COMPLETE;
 * - an unlisted name is blocked: a function placed in the workload subnets resolves example.com (no
 *   address: the firewall's NODATA answer) and, as the control, sts.<region>.amazonaws.com (listed,
 *   answered by the STS interface endpoint's private DNS);
 * - the notebook instance reaches InService (its lifecycle configuration logs pip in to the mirror
 *   through the CodeArtifact endpoints, under the DNS allowlist).
 *
 * Run: see docs/integration-tests.md. The snapshot (integ.mirror-dns.ts.snapshot/) is checked offline
 * by `npm test`.
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  CodeArtifactPypiMirror, DnsEgressAllowlist, InternetEgress, NoInternetNotebook, RestrictedEgressVpc,
} from '../src';
import { TEST_CASE_OPTIONS, integApp, synthesize } from './integ-support/app';
import { WAIT, assertionFunction, destroyEverything, expectNotebookInService, expectOk } from './integ-support/assertions';

const app = integApp();
const stack = new Stack(app, 'IntegMirrorDns', {
  description: 'cdk-sagemaker-egress integration test: isolated notebook, CodeArtifact PyPI mirror, DNS Firewall allowlist',
});
const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.none() });
const mirror = new CodeArtifactPypiMirror(stack, 'PypiMirror', {
  network,
  internalPackages: ['acme*'],
  // The test's domain and repositories go with the stack (the default keeps them).
  removalPolicy: RemovalPolicy.DESTROY,
});
const notebook = new NoInternetNotebook(stack, 'Notebook', { network });
mirror.configurePip(notebook);
const dns = new DnsEgressAllowlist(stack, 'DnsAllowlist', { vpc: network.vpc });

// The probe runs where the workloads run. It only sends DNS queries to the VPC's resolver (VPC+2),
// which security groups do not filter: its group allows no traffic at all.
const probeGroup = new ec2.SecurityGroup(stack, 'DnsProbeSecurityGroup', {
  vpc: network.vpc,
  description: 'Integration-test DNS probe: no traffic (resolver queries are not filtered by security groups)',
  allowAllOutbound: false,
});
const probe = assertionFunction(stack, 'DnsProbe', 'dns-probe', {
  vpc: network.vpc,
  vpcSubnets: network.workloadSubnets,
  securityGroups: [probeGroup],
});
destroyEverything(stack);

const integ = new IntegTest(app, 'MirrorDns', {
  testCases: [stack],
  ...TEST_CASE_OPTIONS,
});

// 1. The rule group's association with the VPC is complete.
const association = integ.assertions.awsApiCall('Route53Resolver', 'listFirewallRuleGroupAssociations', {
  VpcId: network.vpc.vpcId,
  FirewallRuleGroupId: dns.firewallRuleGroupId,
}).expect(ExpectedResult.objectLike({
  FirewallRuleGroupAssociations: [{ Status: 'COMPLETE', VpcId: network.vpc.vpcId, FirewallRuleGroupId: dns.firewallRuleGroupId }],
})).waitForAssertions(WAIT);

// 2. Once it is: an unlisted name gets no address inside the VPC, a listed one does.
association.next(expectOk(integ, probe, {
  blocked: ['example.com'],
  allowed: [`sts.${Aws.REGION}.amazonaws.com`],
}));

// 3. The notebook is in service.
expectNotebookInService(integ, notebook);

synthesize(app);
