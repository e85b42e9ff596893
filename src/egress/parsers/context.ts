/**
 * What every resource parser of the network model reads: the template's resources by type, the
 * region, and the values common to several families (CIDRs, protocols).
 */
import { describe, THIS_REGION } from '../../private/cfn-values';
import { ipv4RangeOf } from '../../private/cidr';
import { PROTOCOL_ALL, PROTOCOL_ICMP, PROTOCOL_TCP, PROTOCOL_UDP } from '../rules';

/** One resource of a template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

/** The template being parsed. */
export class ParseContext {
  /** The region the analysis is for: a region name, or `${AWS::Region}` for a region-agnostic one. */
  public readonly region: string;
  /** The resources by type, in template order: built once, as every parser asks for several types. */
  private byType?: Map<string, Array<[string, CfnResource]>>;

  constructor(public readonly resources: Record<string, CfnResource>, region?: string) {
    this.region = region ?? THIS_REGION;
  }

  /** The resources of one type, with their logical ids, in template order. */
  public ofType(type: string): Array<[string, CfnResource]> {
    if (!this.byType) {
      this.byType = new Map();
      for (const entry of Object.entries(this.resources)) {
        const t = entry[1]?.Type;
        if (typeof t !== 'string') continue;
        const list = this.byType.get(t);
        if (list) list.push(entry);
        else this.byType.set(t, [entry]);
      }
    }
    return [...(this.byType.get(type) ?? [])];
  }

  /** Whether a region named in the template is the one of the analysis. */
  public isThisRegion(region: string): boolean {
    return region === this.region || region === THIS_REGION || this.region === THIS_REGION;
  }

  /**
   * A CIDR value of the template: a literal, or the CIDR of a VPC of the template; anything else (a
   * parameter, an import, a condition, a malformed literal) is unknown, with the reason.
   */
  public cidrValue(value: unknown): { cidr?: string; unknown?: string } {
    let literal = value;
    const getAtt = (value as Record<string, unknown> | undefined)?.['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'CidrBlock' && this.resources[getAtt[0]]?.Type === 'AWS::EC2::VPC') {
      literal = this.resources[getAtt[0]].Properties?.CidrBlock;
    }
    if (typeof literal !== 'string') return { unknown: `${describe(value)} is resolved only at deploy time` };
    try {
      if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(literal)) throw new Error('no prefix length');
      ipv4RangeOf(literal);
      return { cidr: literal };
    } catch {
      return { unknown: `${JSON.stringify(literal)} is not an IPv4 CIDR` };
    }
  }
}

/** The IP protocol number of a rule's protocol (`tcp`, `-1`, `17`...); NaN when it is not one. */
export function protocolNumber(value: unknown): number {
  const text = String(value).toLowerCase();
  switch (text) {
    case '-1': case 'all': return PROTOCOL_ALL;
    case 'tcp': case '6': return PROTOCOL_TCP;
    case 'udp': case '17': return PROTOCOL_UDP;
    case 'icmp': case '1': return PROTOCOL_ICMP;
    default: return Number.isFinite(Number(text)) ? Number(text) : NaN;
  }
}
