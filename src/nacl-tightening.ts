import { Duration, Token } from 'aws-cdk-lib';
import { invalid, validateIntegerInRange } from './private/validation';

/** The VPC quota "Rules per network ACL" (per direction and address family, default deny rule included). */
const DEFAULT_NACL_RULE_QUOTA = 20;
/** The highest value AWS raises that quota to. */
const MAX_NACL_RULE_QUOTA = 40;

/** Options of `NaclTightening.tightened()`. */
export interface TightenedNaclOptions {
  /**
   * IPv4 rules per direction each NACL may hold, default deny rule included: the account's "Rules per
   * network ACL" quota (20 unless raised; at most 40). Destinations are checked against it before they
   * are written, and a deployment fails instead of leaving a NACL without them.
   *
   * @default 20
   */
  readonly maxEntriesPerDirection?: number;

  /**
   * How often the NACL entries that follow run-time destinations (S3 ranges, package-index addresses)
   * are re-read and repaired.
   *
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
}

/**
 * Whether the subnets of a `RestrictedEgressVpc` get network ACLs tighter than AWS's default (which
 * allows all traffic both ways).
 */
export abstract class NaclTightening {
  /** The VPC's default NACL: security groups alone decide. */
  public static off(): NaclTightening {
    return new NaclOff();
  }

  /**
   * Custom NACLs on the workload subnets (and on the NAT subnets in NAT mode) that allow all traffic
   * within the VPC CIDR both ways, HTTPS out to each allowed external destination with its return
   * traffic (TCP 1024-65535) in, and nothing else. The external destinations are the region's S3 ranges
   * when S3 goes through a gateway endpoint, and the package-index addresses of a
   * `PypiAllowlistSecurityGroup`; they are written at deploy time and kept current.
   */
  public static tightened(options: TightenedNaclOptions = {}): NaclTightening {
    const maxEntries = options.maxEntriesPerDirection ?? DEFAULT_NACL_RULE_QUOTA;
    const interval = options.refreshInterval ?? Duration.hours(1);
    if (Token.isUnresolved(maxEntries)) {
      invalid('naclTightening.maxEntriesPerDirection', 'be known at synth time (the rule budget is checked with it)', maxEntries, 'pass a literal number');
    }
    // 3: the default deny rule, the VPC-internal rule, and one destination.
    validateIntegerInRange('naclTightening.maxEntriesPerDirection', maxEntries, 3, MAX_NACL_RULE_QUOTA,
      `AWS allows at most ${MAX_NACL_RULE_QUOTA} rules per NACL and direction (after a quota increase); the default deny and VPC rules take 2`);
    const seconds = interval.toSeconds();
    if (!Token.isUnresolved(seconds) && (seconds < 300 || seconds > 86400)) {
      invalid('naclTightening.refreshInterval', 'be from 5 minutes to 1 day', interval.toHumanString(), 'use a Duration from Duration.minutes(5) to Duration.days(1)');
    }
    return new NaclTightened(maxEntries, interval);
  }

  /** Whether custom NACLs are created. */
  public abstract readonly enabled: boolean;
  /** IPv4 rules per direction each NACL may hold (0 when off). */
  public abstract readonly maxEntriesPerDirection: number;
  /** Refresh interval of the run-time destinations. */
  public abstract readonly refreshInterval: Duration;

  protected constructor() {}
}

class NaclOff extends NaclTightening {
  public readonly enabled = false;
  public readonly maxEntriesPerDirection = 0;
  public readonly refreshInterval = Duration.hours(1);
  constructor() {
    super();
  }
}

class NaclTightened extends NaclTightening {
  public readonly enabled = true;
  constructor(public readonly maxEntriesPerDirection: number, public readonly refreshInterval: Duration) {
    super();
  }
}
