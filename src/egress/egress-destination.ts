import * as ipaddr from 'ipaddr.js';
import { DestinationSpec } from './evaluation';
import { PROTOCOL_TCP, PROTOCOL_UDP } from './rules';
import { parseServiceName, THIS_REGION } from '../private/cfn-values';
import { invalid, validateIntegerInRange } from '../private/validation';

/** Transport protocol of a destination. */
export enum EgressProtocol {
  /** TCP. */
  TCP = 'TCP',
  /** UDP (DNS, NTP...). */
  UDP = 'UDP',
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const SHORT_SERVICE = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Where a workload might send traffic: an address and port, the internet at large, S3, an AWS service,
 * a host name known to the template's address sets, or the Amazon-provided DNS resolver.
 */
export class EgressDestination {
  /**
   * An IPv4 address and port.
   *
   * @param address dotted-quad IPv4 address
   * @param port destination port
   * @param protocol the transport protocol; when omitted, TCP
   */
  public static ipv4(address: string, port: number, protocol?: EgressProtocol): EgressDestination {
    if (!ipaddr.IPv4.isValidFourPartDecimal(address)) {
      invalid('address', 'be a dotted-quad IPv4 address', address, 'use an address such as 8.8.8.8 (CIDRs and IPv6 are not destinations)');
    }
    validatePort(port);
    const proto = protocol ?? EgressProtocol.TCP;
    return new EgressDestination(`${address}:${port}${proto === EgressProtocol.UDP ? '/udp' : ''}`, () => ({
      kind: 'address', address: { cidr: `${address}/32`, tags: [], label: address }, protocol: protocolOf(proto), port,
    }));
  }

  /**
   * The internet at large: an arbitrary public address that is in none of the sets the template names
   * (no S3 range, no package index address). Reachable means that such an address is reachable, so a
   * rule that opens only specific ranges does not make the internet reachable.
   *
   * @param port the destination port; when omitted, 443
   * @param protocol the transport protocol; when omitted, TCP
   */
  public static internet(port?: number, protocol?: EgressProtocol): EgressDestination {
    const p = port ?? 443;
    validatePort(p);
    const proto = protocol ?? EgressProtocol.TCP;
    return new EgressDestination(`internet:${p}${proto === EgressProtocol.UDP ? '/udp' : ''}`, () => ({
      kind: 'address', address: { tags: ['internet'], label: 'an arbitrary internet address' }, protocol: protocolOf(proto), port: p,
    }));
  }

  /**
   * An Elastic IP address in the region, such as the public side of a NAT gateway.
   *
   * @param port the destination port; when omitted, 443
   */
  public static elasticIp(port?: number): EgressDestination {
    const p = port ?? 443;
    validatePort(p);
    return new EgressDestination(`Elastic IP (NAT public side):${p}`, () => ({
      kind: 'address', address: { tags: ['eip'], label: 'an Elastic IP address (such as a NAT gateway\'s public side)' }, protocol: PROTOCOL_TCP, port: p,
    }));
  }

  /**
   * HTTPS to Amazon S3.
   *
   * @param region the region of the buckets; when omitted, the region of the stack
   */
  public static s3(region?: string): EgressDestination {
    if (region !== undefined && !REGION.test(region)) invalid('region', 'be a region name', region, 'use a name such as eu-west-1, or no region for the stack\'s own');
    return new EgressDestination(region ? `S3 (${region})` : 'S3 (this region)', (analyzerRegion, notes) => {
      const same = region === undefined || region === analyzerRegion;
      if (!same && analyzerRegion === THIS_REGION) {
        notes.push(`The stack's region is not known (environment-agnostic stack): ${region} is treated as another region`);
      }
      return { kind: 'service', service: 's3', region: same ? THIS_REGION : region!, protocol: PROTOCOL_TCP, port: 443 };
    });
  }

  /**
   * HTTPS to an AWS service, by the name of its VPC endpoint service: the short form (`sagemaker.api`,
   * `sts`, `logs`, `ecr.dkr`, `studio` for `aws.sagemaker.<region>.studio`) means the stack's region;
   * the full form (`com.amazonaws.us-east-1.sts`) names a region.
   */
  public static awsService(name: string): EgressDestination {
    const full = parseServiceName(name);
    if (!full && !SHORT_SERVICE.test(name)) {
      invalid('name', 'be an endpoint service name', name, 'use a name such as sagemaker.api or com.amazonaws.eu-west-1.sts');
    }
    const service = full?.service ?? name;
    return new EgressDestination(full ? `${service} (${full.region})` : service, (analyzerRegion) => {
      const region = !full || full.region === analyzerRegion ? THIS_REGION : full.region;
      return { kind: 'service', service, region, protocol: PROTOCOL_TCP, port: 443 };
    });
  }

  /**
   * An AWS service used with another account's credentials, or on another account's resources: what a
   * VPC endpoint policy decides (a data perimeter), beyond the network path. `service` is named as for
   * `awsService()` (`sts`, `logs`, `sagemaker.api`, `s3`...).
   *
   * REACHABLE when the network reaches the service and, where it goes through a VPC endpoint (interface
   * or gateway), the endpoint's policy is absent or admits another account's principal (on resources
   * outside this account) or this account's principals on another account's resources; BLOCKED at an
   * `ENDPOINT_POLICY` hop when the policy refuses both, or where the network blocks the service;
   * UNKNOWN when the policy depends on a value known only at deploy time. Through the service's public
   * endpoint (a NAT gateway) no endpoint policy applies.
   */
  public static otherAccount(service: string): EgressDestination {
    const full = parseServiceName(service);
    if (!full && !SHORT_SERVICE.test(service)) {
      invalid('service', 'be an endpoint service name', service, 'use a name such as sts, logs, sagemaker.api or s3');
    }
    const name = full?.service ?? service;
    return new EgressDestination(`${name}${full ? ` (${full.region})` : ''} (another account)`, (analyzerRegion) => {
      const region = !full || full.region === analyzerRegion ? THIS_REGION : full.region;
      return { kind: 'service', service: name, region, protocol: PROTOCOL_TCP, port: 443, otherAccount: true };
    });
  }

  /**
   * A public host name, such as a package index. Its addresses are known only at deploy time, so it is
   * reachable where a rule names an address set resolved from this host name (a
   * `PypiAllowlistSecurityGroup`) or opens the internet at large.
   *
   * @param port the destination port; when omitted, 443
   */
  public static host(hostname: string, port?: number): EgressDestination {
    const name = hostname.toLowerCase();
    if (!HOSTNAME.test(name)) invalid('hostname', 'be a fully qualified host name', hostname, 'use a name such as pypi.org');
    const p = port ?? 443;
    validatePort(p);
    return new EgressDestination(`${name}:${p}`, () => ({
      kind: 'address', address: { tags: [`host:${name}`], label: name }, protocol: PROTOCOL_TCP, port: p,
    }));
  }

  /**
   * DNS queries to the Amazon-provided resolver (VPC+2, 169.254.169.253). Security groups and network
   * ACLs do not filter it, so it is reachable wherever the VPC has DNS support: a channel for data in
   * query names that only Route 53 Resolver DNS Firewall closes.
   */
  public static amazonDns(): EgressDestination {
    return new EgressDestination('DNS (Amazon-provided resolver)', () => ({ kind: 'dns' }));
  }

  /**
   * A short text for reports, e.g. `8.8.8.8:443` or `S3 (this region)`.
   */
  public readonly description: string;

  private constructor(description: string, private readonly resolver: (region: string, notes: string[]) => DestinationSpec) {
    this.description = description;
  }

  /** The destination as reports name it, e.g. `8.8.8.8:53/udp`, `S3 (this region)` or `pypi.org:443`. */
  public toString(): string {
    return this.description;
  }

  /** @internal */
  public _resolve(region: string, notes: string[]): DestinationSpec {
    return this.resolver(region, notes);
  }
}

function validatePort(port: number): void {
  validateIntegerInRange('port', port, 0, 65535);
}

function protocolOf(protocol: EgressProtocol): number {
  return protocol === EgressProtocol.UDP ? PROTOCOL_UDP : PROTOCOL_TCP;
}
