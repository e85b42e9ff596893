'use strict';
/**
 * Assertion of test/integ.mirror-dns.ts. Runs in the workload subnets, so its queries go to the VPC's
 * Route 53 Resolver and through the DNS Firewall rule group associated with the VPC: each name of
 * `blocked` must get no address (the firewall's NODATA or NXDOMAIN answer, or a refusal), each name of
 * `allowed` must get at least one.
 *
 * Event: { "blocked": ["example.com"], "allowed": ["sts.us-east-1.amazonaws.com"] }
 * Returns "OK: ..." or throws an error listing every failed check, with the outcome of every query.
 */
const dns = require('node:dns').promises;

/** 'answer' with the addresses, or the resolver's error code (ENODATA for NODATA, ENOTFOUND for NXDOMAIN). */
async function lookup(name) {
  try {
    return { outcome: 'answer', addresses: await dns.resolve4(name) };
  } catch (error) {
    return { outcome: error.code ?? String(error) };
  }
}

exports.handler = async (event) => {
  console.log(JSON.stringify(event));
  const blocked = event.blocked ?? [];
  const allowed = event.allowed ?? [];
  if (blocked.length === 0 || allowed.length === 0) throw new Error('both blocked and allowed names are required (an allowed name proves the resolver answers at all)');
  const outcomes = {};
  const failures = [];
  for (const name of blocked) {
    outcomes[name] = await lookup(name);
    if (outcomes[name].outcome === 'answer') failures.push(`${name} is not on the allowlist but resolved to ${outcomes[name].addresses.join(', ')}`);
    // A timeout says nothing about the firewall: the resolver did not answer.
    if (outcomes[name].outcome === 'ETIMEOUT') failures.push(`${name}: the resolver did not answer (ETIMEOUT)`);
  }
  for (const name of allowed) {
    outcomes[name] = await lookup(name);
    if (outcomes[name].outcome !== 'answer') failures.push(`${name} is on the allowlist but got ${outcomes[name].outcome}`);
  }
  const summary = JSON.stringify(outcomes);
  if (failures.length > 0) throw new Error(`DNS allowlist does not hold: ${failures.join('; ')} (outcomes: ${summary})`);
  return `OK: ${summary}`;
};
