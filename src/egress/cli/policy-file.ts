/**
 * The command line's policy file: a JSON file that mirrors EgressPolicyProps, with destinations written
 * as objects named after the EgressDestination factories. Not part of the public API.
 *
 *   {
 *     "required": [{ "awsService": "sagemaker.api" }, { "s3": true }],
 *     "allowed":  [{ "host": "pypi.org" }, { "host": "files.pythonhosted.org", "port": 443 }],
 *     "probes":   [{ "internet": 443 }, { "ipv4": "8.8.8.8", "port": 53, "protocol": "udp" }],
 *     "importedVpcs": [...], "importedSubnets": [...]
 *   }
 */
import * as fs from 'fs';
import { EgressAnalyzer } from '../egress-analyzer';
import { EgressDestination, EgressProtocol } from '../egress-destination';
import { EgressPolicy } from '../egress-policy';
import { EgressOutcome, EgressVerdict } from '../egress-verdict';
import { EgressImportedSubnet, EgressImportedVpc } from '../imported-network';

/** A policy file's content, checked. */
export interface PolicyFile {
  readonly file: string;
  readonly required: EgressDestination[];
  readonly allowed: EgressDestination[];
  readonly probes?: EgressDestination[];
  readonly importedVpcs?: EgressImportedVpc[];
  readonly importedSubnets?: EgressImportedSubnet[];
}

/** A problem the command line reports as bad usage or unreadable input (exit code 2). */
export class UsageError extends Error {}

const KEYS = ['required', 'allowed', 'probes', 'importedVpcs', 'importedSubnets', '$schema', 'description'];

/** Reads and checks a policy file. */
export function readPolicyFile(file: string): PolicyFile {
  let data: any;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`policy file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`policy file ${file}: must be a JSON object`);
  const unknown = Object.keys(data).filter((k) => !KEYS.includes(k));
  if (unknown.length) throw new UsageError(`policy file ${file}: unknown key ${unknown[0]} (expected one of ${KEYS.slice(0, 5).join(', ')})`);
  const list = (key: string) => {
    if (data[key] === undefined) return undefined;
    if (!Array.isArray(data[key])) throw new UsageError(`policy file ${file}: ${key} must be an array of destinations`);
    return (data[key] as unknown[]).map((d, i) => destinationOf(d, `${file}: ${key}[${i}]`));
  };
  return {
    file,
    required: list('required') ?? [],
    allowed: list('allowed') ?? [],
    probes: list('probes'),
    importedVpcs: data.importedVpcs,
    importedSubnets: data.importedSubnets,
  };
}

/** One destination object of a policy file. */
export function destinationOf(d: unknown, where: string): EgressDestination {
  const fail = (why: string): never => {
    throw new UsageError(`policy file ${where}: ${why}`);
  };
  if (!d || typeof d !== 'object' || Array.isArray(d)) fail('a destination is an object such as { "awsService": "sagemaker.api" }');
  const o = d as Record<string, unknown>;
  const kinds = ['awsService', 'otherAccount', 's3', 'host', 'ipv4', 'internet', 'elasticIp', 'amazonDns'].filter((k) => k in o);
  if (kinds.length !== 1) fail(`name exactly one of awsService, otherAccount, s3, host, ipv4, internet, elasticIp, amazonDns (got ${Object.keys(o).join(', ') || 'none'})`);
  const port = o.port === undefined ? undefined : typeof o.port === 'number' ? o.port : fail('port must be a number');
  const protocol = o.protocol === undefined ? undefined : o.protocol === 'tcp' ? EgressProtocol.TCP : o.protocol === 'udp' ? EgressProtocol.UDP : fail('protocol must be "tcp" or "udp"');
  const text = (v: unknown) => typeof v === 'string' && v ? v : fail(`${kinds[0]} must be a non-empty string`);
  const portOr = (v: unknown) => v === true ? port : typeof v === 'number' ? v : fail(`${kinds[0]} must be true or a port number`);
  try {
    switch (kinds[0]) {
      case 'awsService': return EgressDestination.awsService(text(o.awsService));
      case 'otherAccount': return EgressDestination.otherAccount(text(o.otherAccount));
      case 's3': return o.s3 === true ? EgressDestination.s3() : EgressDestination.s3(text(o.s3));
      case 'host': return EgressDestination.host(text(o.host), port);
      case 'ipv4': return EgressDestination.ipv4(text(o.ipv4), port ?? fail('ipv4 needs a port'), protocol);
      case 'internet': return EgressDestination.internet(portOr(o.internet), protocol);
      case 'elasticIp': return EgressDestination.elasticIp(portOr(o.elasticIp));
      default: return o.amazonDns === true ? EgressDestination.amazonDns() : fail('amazonDns must be true');
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    return fail((e as Error).message);
  }
}

/** A finding: a workload reaching beyond the policy, an UNKNOWN verdict, or a required destination it does not reach. */
export interface Finding {
  readonly rule: string;
  /** `error` for a policy violation; `warning` for a probe reachable when no policy is given. */
  readonly level: 'error' | 'warning';
  readonly workload: string;
  readonly destination: string;
  readonly outcome: EgressOutcome;
  readonly message: string;
  readonly verdict: EgressVerdict;
}

/**
 * The findings of one analyzer, with the rules of EgressPolicy: a required destination that is not
 * REACHABLE; a probe neither required nor allowed that is REACHABLE, PARTIAL or UNKNOWN. With no
 * policy, the analyzer's probes() (destinations a restricted workload must not reach) that are not
 * BLOCKED, as warnings.
 */
export function findingsOf(analyzer: EgressAnalyzer, policy: PolicyFile | undefined): Finding[] {
  const found: Finding[] = [];
  const required = policy?.required ?? [];
  const permitted = new Set([...required, ...(policy?.allowed ?? [])].map((d) => analyzer._keyOf(d)));
  const probes = !policy ? analyzer.probes()
    : (policy.probes ?? [...analyzer.expectedDestinations(), ...analyzer.probes()].filter((d) => analyzer._keyOf(d) !== 'dns'));
  const level = policy ? 'error' : 'warning';
  for (const source of analyzer.workloads) {
    for (const destination of required) {
      const verdict = analyzer.check({ source, destination });
      if (verdict.outcome === EgressOutcome.REACHABLE) continue;
      found.push({
        rule: EgressPolicy.RULE_REQUIRED_UNREACHABLE,
        level,
        workload: source.description,
        destination: destination.description,
        outcome: verdict.outcome,
        verdict,
        message: `${source.description} must reach ${destination.description}, but it is ${verdict.outcome}: ${EgressAnalyzer.describeVerdict(verdict)}`,
      });
    }
    for (const destination of probes.filter((p) => !permitted.has(analyzer._keyOf(p)))) {
      const verdict = analyzer.check({ source, destination });
      if (verdict.outcome === EgressOutcome.BLOCKED) continue;
      const how = verdict.outcome === EgressOutcome.UNKNOWN ? 'might reach' : 'can reach';
      found.push({
        rule: EgressPolicy.RULE_BEYOND_POLICY,
        level,
        workload: source.description,
        destination: destination.description,
        outcome: verdict.outcome,
        verdict,
        message: `${source.description} ${how} ${destination.description}, which ${policy ? 'the policy does not allow' : 'a restricted workload must not reach'} (${verdict.outcome}): ` +
          `${[EgressAnalyzer.describeVerdict(verdict), ...verdict.notes].join('; ')}`,
      });
    }
  }
  return found;
}
