'use strict';
/**
 * Assertion of test/integ.isolated-notebook.ts: the network ACL of every workload subnet carries the
 * region's S3 ranges. The S3 ranges are read here, independently of the construct under test, from
 * the AWS-managed prefix list `com.amazonaws.<region>.s3` (DescribeManagedPrefixLists,
 * GetManagedPrefixListEntries). The NACL of each subnet is found through its association
 * (DescribeNetworkAcls, filter `association.subnet-id`) and evaluated as EC2 does: the entries of one
 * direction in rule-number order, the first entry that matches decides.
 *
 * Checks, for each subnet and each S3 range (its first and last address):
 * - outbound TCP 443 to the address is allowed;
 * - inbound TCP from the address to the client's ephemeral ports (Linux: 32768-60999) is allowed;
 * and, so that an allow-everything NACL cannot pass: outbound TCP 443 to `probeOutsideAddress` (an
 * internet address outside the VPC and S3) is denied.
 *
 * Event: { "subnetIds": ["subnet-..."], "probeOutsideAddress": "1.1.1.1" }
 * Returns "OK: ..." or throws an error listing every failed check.
 */
const {
  EC2Client, DescribeManagedPrefixListsCommand, GetManagedPrefixListEntriesCommand, DescribeNetworkAclsCommand,
} = require('@aws-sdk/client-ec2');

const ec2 = new EC2Client({});
const EPHEMERAL_PORTS = [32768, 60999];

function ipToInt(ip) {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function intToIp(n) {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** First and last address of an IPv4 CIDR, as integers. */
function range(cidr) {
  const [ip, lengthText] = cidr.split('/');
  const length = Number(lengthText ?? 32);
  const size = 2 ** (32 - length);
  const first = Math.floor(ipToInt(ip) / size) * size;
  return { first, last: first + size - 1 };
}

function contains(cidr, address) {
  const r = range(cidr);
  const a = ipToInt(address);
  return a >= r.first && a <= r.last;
}

/** EC2's evaluation of one direction of a NACL for a TCP packet; returns 'allow', 'deny' and the deciding rule. */
function evaluate(entries, egress, address, port) {
  const ordered = entries.filter((e) => e.Egress === egress && e.CidrBlock).sort((a, b) => a.RuleNumber - b.RuleNumber);
  for (const e of ordered) {
    const protocolMatches = e.Protocol === '-1' || e.Protocol === '6';
    const portMatches = e.Protocol === '-1' || !e.PortRange || (port >= e.PortRange.From && port <= e.PortRange.To);
    if (protocolMatches && portMatches && contains(e.CidrBlock, address)) return { action: e.RuleAction, rule: e.RuleNumber };
  }
  return { action: 'deny', rule: 'none' };
}

async function s3Ranges(region) {
  const name = `com.amazonaws.${region}.s3`;
  const lists = await ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [name] }] }));
  const list = (lists.PrefixLists ?? [])[0];
  if (!list) throw new Error(`managed prefix list ${name} not found`);
  const cidrs = [];
  let NextToken;
  do {
    const page = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: list.PrefixListId, NextToken }));
    cidrs.push(...(page.Entries ?? []).map((e) => e.Cidr).filter(Boolean));
    NextToken = page.NextToken;
  } while (NextToken);
  if (cidrs.length === 0) throw new Error(`managed prefix list ${name} (${list.PrefixListId}) has no entries`);
  return { prefixListId: list.PrefixListId, cidrs };
}

exports.handler = async (event) => {
  console.log(JSON.stringify(event));
  const region = process.env.AWS_REGION;
  const subnetIds = event.subnetIds ?? [];
  if (subnetIds.length === 0) throw new Error('no subnetIds given');
  const outside = event.probeOutsideAddress ?? '1.1.1.1';
  const s3 = await s3Ranges(region);
  const failures = [];
  for (const subnetId of subnetIds) {
    const out = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }));
    const acl = (out.NetworkAcls ?? [])[0];
    if (!acl) { failures.push(`${subnetId}: no network ACL associated`); continue; }
    const entries = acl.Entries ?? [];
    for (const cidr of s3.cidrs) {
      const r = range(cidr);
      for (const address of new Set([intToIp(r.first), intToIp(r.last)])) {
        const out443 = evaluate(entries, true, address, 443);
        if (out443.action !== 'allow') failures.push(`${subnetId} (${acl.NetworkAclId}): outbound TCP 443 to ${address} (S3 range ${cidr}) is ${out443.action} (rule ${out443.rule})`);
        for (const port of EPHEMERAL_PORTS) {
          const back = evaluate(entries, false, address, port);
          if (back.action !== 'allow') failures.push(`${subnetId} (${acl.NetworkAclId}): inbound TCP from ${address} (S3 range ${cidr}) to port ${port} is ${back.action} (rule ${back.rule})`);
        }
      }
    }
    const probe = evaluate(entries, true, outside, 443);
    if (probe.action !== 'deny') failures.push(`${subnetId} (${acl.NetworkAclId}): outbound TCP 443 to ${outside} (outside the VPC and S3) is ${probe.action} (rule ${probe.rule}); the NACL is not tightened`);
  }
  const summary = `${subnetIds.length} subnet(s), ${s3.cidrs.length} S3 range(s) of ${s3.prefixListId}: ${s3.cidrs.join(', ')}`;
  if (failures.length > 0) throw new Error(`NACLs do not carry the S3 ranges (${summary}):\n${failures.join('\n')}`);
  return `OK: ${summary}`;
};
