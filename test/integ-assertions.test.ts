/**
 * The integration tests' assertion functions (test/integ-assertions/) against mocked AWS answers: each
 * passes on a network that meets the policy and fails, naming the check, on one that does not.
 */
import * as dns from 'dns';
import {
  DescribeManagedPrefixListsCommand, DescribeNetworkAclsCommand, EC2Client, GetManagedPrefixListEntriesCommand, NetworkAclEntry,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';

/* eslint-disable @typescript-eslint/no-require-imports */
const naclS3Ranges = require('./integ-assertions/nacl-s3-ranges/index.js') as { handler: (event: unknown) => Promise<string> };
const pypiPrefixList = require('./integ-assertions/pypi-prefix-list/index.js') as { handler: (event: unknown) => Promise<string> };
const dnsProbe = require('./integ-assertions/dns-probe/index.js') as { handler: (event: unknown) => Promise<string> };
/* eslint-enable @typescript-eslint/no-require-imports */

const ec2 = mockClient(EC2Client);
const S3_RANGES = ['3.5.0.0/19', '16.182.0.0/16', '52.216.0.0/15'];

beforeEach(() => {
  ec2.reset();
  jest.restoreAllMocks();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  process.env.AWS_REGION = 'us-east-1';
});

function entry(ruleNumber: number, egress: boolean, cidr: string, action: 'allow' | 'deny', ports?: [number, number]): NetworkAclEntry {
  return {
    RuleNumber: ruleNumber,
    Egress: egress,
    CidrBlock: cidr,
    RuleAction: action,
    Protocol: ports ? '6' : '-1',
    PortRange: ports ? { From: ports[0], To: ports[1] } : undefined,
  };
}

/** The tightened NACL the library writes: the VPC both ways, HTTPS out to each range, return traffic in, default deny. */
function tightenedAcl(ranges: string[]): NetworkAclEntry[] {
  return [
    entry(100, true, '10.0.0.0/16', 'allow'), entry(100, false, '10.0.0.0/16', 'allow'),
    ...ranges.flatMap((cidr, i) => [entry(200 + i, true, cidr, 'allow', [443, 443]), entry(200 + i, false, cidr, 'allow', [1024, 65535])]),
    entry(32767, true, '0.0.0.0/0', 'deny'), entry(32767, false, '0.0.0.0/0', 'deny'),
  ];
}

function mockS3PrefixList(cidrs = S3_RANGES): void {
  ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [{ PrefixListId: 'pl-63a5400a', PrefixListName: 'com.amazonaws.us-east-1.s3' }] });
  ec2.on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-63a5400a' }).resolves({ Entries: cidrs.map((Cidr) => ({ Cidr })) });
}

describe('nacl-s3-ranges', () => {
  const event = { subnetIds: ['subnet-1', 'subnet-2'], probeOutsideAddress: '1.1.1.1' };

  test('passes when every workload subnet NACL carries every S3 range', async () => {
    mockS3PrefixList();
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: tightenedAcl(S3_RANGES) }] });
    await expect(naclS3Ranges.handler(event)).resolves.toMatch(/^OK: 2 subnet\(s\), 3 S3 range\(s\) of pl-63a5400a/);
    // The prefix list is looked up by its name, in the function's region.
    expect(ec2.commandCalls(DescribeManagedPrefixListsCommand)[0].args[0].input.Filters)
      .toEqual([{ Name: 'prefix-list-name', Values: ['com.amazonaws.us-east-1.s3'] }]);
  });

  test('fails on a range the NACL lacks, in both directions', async () => {
    mockS3PrefixList();
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: tightenedAcl(S3_RANGES.slice(0, 2)) }] });
    const error = await naclS3Ranges.handler(event).catch((e: Error) => e.message);
    expect(error).toMatch(/outbound TCP 443 to 52\.216\.0\.0 \(S3 range 52\.216\.0\.0\/15\) is deny \(rule 32767\)/);
    expect(error).toMatch(/inbound TCP from 52\.217\.255\.255 \(S3 range 52\.216\.0\.0\/15\) to port 60999 is deny/);
  });

  test('fails on a deny rule that comes before the allow rule', async () => {
    mockS3PrefixList();
    const entries = [entry(50, true, '16.182.0.0/16', 'deny'), ...tightenedAcl(S3_RANGES)];
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: entries }] });
    await expect(naclS3Ranges.handler(event)).rejects.toThrow(/outbound TCP 443 to 16\.182\.0\.0 .* is deny \(rule 50\)/);
  });

  test("fails on AWS's default NACL, which allows everything", async () => {
    mockS3PrefixList();
    const allowAll = [entry(100, true, '0.0.0.0/0', 'allow'), entry(100, false, '0.0.0.0/0', 'allow'),
      entry(32767, true, '0.0.0.0/0', 'deny'), entry(32767, false, '0.0.0.0/0', 'deny')];
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ NetworkAclId: 'acl-default', Entries: allowAll }] });
    await expect(naclS3Ranges.handler(event)).rejects.toThrow(/outbound TCP 443 to 1\.1\.1\.1 .* is allow \(rule 100\); the NACL is not tightened/);
  });

  test('fails on a subnet with no NACL found and on an empty S3 prefix list', async () => {
    mockS3PrefixList();
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [] });
    await expect(naclS3Ranges.handler(event)).rejects.toThrow(/subnet-1: no network ACL associated/);
    ec2.reset();
    mockS3PrefixList([]);
    await expect(naclS3Ranges.handler(event)).rejects.toThrow(/has no entries/);
  });
});

describe('pypi-prefix-list', () => {
  const event = { prefixListId: 'pl-pypi', hostnames: ['pypi.org', 'files.pythonhosted.org'] };
  const resolved: Record<string, string[]> = { 'pypi.org': ['151.101.0.223', '151.101.64.223'], 'files.pythonhosted.org': ['151.101.128.223'] };

  test('passes when the entries cover every resolved address', async () => {
    jest.spyOn(dns.promises, 'resolve4').mockImplementation(async (host: string) => resolved[host] as never);
    ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: ['151.101.0.223/32', '151.101.64.223/32', '151.101.128.0/24'].map((Cidr) => ({ Cidr })) });
    await expect(pypiPrefixList.handler(event)).resolves.toMatch(/^OK: pl-pypi has 3 entries/);
  });

  test('fails on an address no entry covers, and on an empty list', async () => {
    jest.spyOn(dns.promises, 'resolve4').mockImplementation(async (host: string) => resolved[host] as never);
    ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [{ Cidr: '151.101.0.223/32' }] });
    await expect(pypiPrefixList.handler(event)).rejects.toThrow(/pypi\.org resolves to 151\.101\.64\.223, which no entry of pl-pypi covers/);
    ec2.reset();
    ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [] });
    await expect(pypiPrefixList.handler(event)).rejects.toThrow(/prefix list pl-pypi has no entries/);
  });

  test('fails when a host name cannot be resolved (nothing to compare)', async () => {
    jest.spyOn(dns.promises, 'resolve4').mockRejectedValue(Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' }));
    ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [{ Cidr: '151.101.0.223/32' }] });
    await expect(pypiPrefixList.handler(event)).rejects.toThrow(/pypi\.org: cannot be resolved here \(ENOTFOUND\)/);
  });
});

describe('dns-probe', () => {
  const event = { blocked: ['example.com'], allowed: ['sts.us-east-1.amazonaws.com'] };
  const fail = (code: string) => Object.assign(new Error(code), { code });

  test('passes when the unlisted name gets no address (NODATA) and the listed one does', async () => {
    jest.spyOn(dns.promises, 'resolve4').mockImplementation(async (host: string) => {
      if (host === 'example.com') throw fail('ENODATA');
      return ['10.0.0.12'] as never;
    });
    await expect(dnsProbe.handler(event)).resolves.toMatch(/^OK: .*"example\.com":\{"outcome":"ENODATA"\}/);
  });

  test('fails when the unlisted name resolves (the firewall does not block it)', async () => {
    jest.spyOn(dns.promises, 'resolve4').mockResolvedValue(['93.184.215.14'] as never);
    await expect(dnsProbe.handler(event)).rejects.toThrow(/example\.com is not on the allowlist but resolved to 93\.184\.215\.14/);
  });

  test('fails when the listed name gets no answer, or the resolver does not answer', async () => {
    jest.spyOn(dns.promises, 'resolve4').mockRejectedValue(fail('ETIMEOUT'));
    const error = await dnsProbe.handler(event).catch((e: Error) => e.message);
    expect(error).toMatch(/example\.com: the resolver did not answer \(ETIMEOUT\)/);
    expect(error).toMatch(/sts\.us-east-1\.amazonaws\.com is on the allowlist but got ETIMEOUT/);
  });

  test('refuses to run without a listed name (a probe with no control proves nothing)', async () => {
    await expect(dnsProbe.handler({ blocked: ['example.com'] })).rejects.toThrow(/both blocked and allowed names are required/);
  });
});
