/** VPC endpoints: gateway endpoints as routes to their service's prefix list, interface endpoints. */
import { flatten, parseServiceName, referencedId, THIS_REGION, toArray, valueKey } from '../../private/cfn-values';
import { otherAccountAccess } from '../endpoint-policy';
import type { AddressSet, EndpointPolicyModel, InterfaceEndpointModel, RouteTableModel } from '../template-model';
import { ParseContext } from './context';

/** The policies of the template's VPC endpoints (interface and gateway), by logical id. */
export function parseEndpointPolicies(ctx: ParseContext): Map<string, EndpointPolicyModel> {
  const policies = new Map<string, EndpointPolicyModel>();
  const isTemplateResource = (id: string) => ctx.resources[id] !== undefined;
  for (const [id, r] of ctx.ofType('AWS::EC2::VPCEndpoint')) {
    const p = r.Properties ?? {};
    const serviceName = flatten(p.ServiceName, THIS_REGION) ?? valueKey(p.ServiceName);
    policies.set(id, {
      id,
      service: parseServiceName(serviceName)?.service ?? serviceName,
      type: p.VpcEndpointType ?? 'Gateway',
      vpc: referencedId(p.VpcId) ?? (typeof p.VpcId === 'string' ? valueKey(p.VpcId) : undefined),
      access: otherAccountAccess(p.PolicyDocument, { isTemplateResource }),
    });
  }
  return policies;
}

/**
 * AWS::EC2::VPCEndpoint: a gateway endpoint adds a route to its route tables (in `routeTables`); the
 * interface endpoints are returned.
 */
export function parseEndpoints(ctx: ParseContext, routeTables: Map<string, RouteTableModel>): InterfaceEndpointModel[] {
  const interfaceEndpoints: InterfaceEndpointModel[] = [];
  for (const [id, r] of ctx.ofType('AWS::EC2::VPCEndpoint')) {
    const p = r.Properties ?? {};
    const serviceName = flatten(p.ServiceName, THIS_REGION) ?? valueKey(p.ServiceName);
    const parsed = parseServiceName(serviceName);
    const service = parsed?.service ?? serviceName;
    const type = p.VpcEndpointType ?? 'Gateway';
    if (type === 'Gateway') {
      // A gateway endpoint adds a route to the service's AWS-managed prefix list in each of its route tables.
      const tag = `aws:${service}:${parsed && !ctx.isThisRegion(parsed.region) ? parsed.region : THIS_REGION}`;
      const set: AddressSet = { key: `${id}.prefixList`, label: `AWS-managed prefix list of ${serviceName}`, cidrs: [], memberTags: [tag], opaque: false };
      const route = { id, destinationSet: set, target: { kind: 'gatewayEndpoint' as const, id, service } };
      const elsewhere: string[] = [];
      for (const tableRef of toArray(p.RouteTableIds)) {
        const table = routeTables.get(valueKey(tableRef));
        if (table) table.routes.push(route);
        else if (typeof tableRef === 'string') elsewhere.push(tableRef);
      }
      // An imported table described without its id may be one of the imported tables named.
      if (elsewhere.length > 0) {
        for (const table of [...routeTables.values()].filter((t) => t.unnamed)) {
          table.routes.push({ ...route, presenceUnknown: `gateway endpoint ${id} adds it to ${elsewhere.join(', ')}, and ${table.id} is described without its id (give routeTableId)` });
        }
      }
    } else if (type === 'Interface') {
      interfaceEndpoints.push({
        id,
        // A literal id (an imported VPC) is kept, to be told from another VPC's.
        vpc: referencedId(p.VpcId) ?? (typeof p.VpcId === 'string' ? valueKey(p.VpcId) : undefined),
        service,
        serviceName,
        subnets: toArray(p.SubnetIds).map(valueKey),
        securityGroups: toArray(p.SecurityGroupIds).map(valueKey),
        privateDns: p.PrivateDnsEnabled === true || p.PrivateDnsEnabled === 'true',
        privateDnsOnlyForInboundResolver: p.DnsOptions?.PrivateDnsOnlyForInboundResolverEndpoint === 'OnlyInboundResolver',
      });
    }
  }
  return interfaceEndpoints;
}
