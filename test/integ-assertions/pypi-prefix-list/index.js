'use strict';
/**
 * Assertion of test/integ.nat-pypi.ts: the package-index prefix list of a PypiAllowlistSecurityGroup
 * has entries, and they cover every IPv4 address the package-index host names resolve to now (resolved
 * here, from the Lambda service's network in the same region, independently of the construct).
 *
 * Event: { "prefixListId": "pl-...", "hostnames": ["pypi.org", "files.pythonhosted.org"] }
 * Returns "OK: ..." or throws an error listing every failed check.
 */
const dns = require('node:dns').promises;
const { EC2Client, GetManagedPrefixListEntriesCommand } = require('@aws-sdk/client-ec2');

const ec2 = new EC2Client({});

function ipToInt(ip) {
  const parts = ip.split('.').map(Number);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function contains(cidr, address) {
  const [ip, lengthText] = cidr.split('/');
  const size = 2 ** (32 - Number(lengthText ?? 32));
  const first = Math.floor(ipToInt(ip) / size) * size;
  const a = ipToInt(address);
  return a >= first && a < first + size;
}

exports.handler = async (event) => {
  console.log(JSON.stringify(event));
  const { prefixListId, hostnames } = event;
  if (!prefixListId || !Array.isArray(hostnames) || hostnames.length === 0) throw new Error('prefixListId and hostnames are required');
  const cidrs = [];
  let NextToken;
  do {
    const page = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: prefixListId, NextToken }));
    cidrs.push(...(page.Entries ?? []).map((e) => e.Cidr).filter(Boolean));
    NextToken = page.NextToken;
  } while (NextToken);
  const failures = [];
  if (cidrs.length === 0) failures.push(`prefix list ${prefixListId} has no entries`);
  const resolved = {};
  for (const host of hostnames) {
    try {
      resolved[host] = await dns.resolve4(host);
    } catch (error) {
      failures.push(`${host}: cannot be resolved here (${error.code ?? error.message}), nothing to compare`);
      continue;
    }
    for (const address of resolved[host]) {
      if (!cidrs.some((cidr) => contains(cidr, address))) failures.push(`${host} resolves to ${address}, which no entry of ${prefixListId} covers`);
    }
  }
  const summary = `${prefixListId} has ${cidrs.length} entries (${cidrs.join(', ')}); resolved: ${JSON.stringify(resolved)}`;
  if (failures.length > 0) throw new Error(`package-index prefix list does not match DNS (${summary}):\n${failures.join('\n')}`);
  return `OK: ${summary}`;
};
