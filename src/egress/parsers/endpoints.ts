/** VPC endpoints: gateway endpoints as routes to their service's prefix list, interface endpoints. */
import { describe, flatten, parseServiceName, referencedId, THIS_REGION, toArray, unresolvedWhy, valueKey } from '../../private/cfn-values';
import { otherAccountAccess } from '../endpoint-policy';
import type { AddressSet, EndpointPolicyModel, InterfaceEndpointModel, RouteTableModel } from '../template-model';
import { ParseContext } from './context';

/** A service's short name (`sagemaker.api`), as EgressDestination.awsService() accepts it. */
const SERVICE = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;

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
    const flat = flatten(p.ServiceName, THIS_REGION);
    let serviceUnknown: string | undefined;
    if (flat === undefined) serviceUnknown = `the service name of endpoint ${id} (${describe(p.ServiceName)}) is known only at deploy time`;
    else if (!parsed || !SERVICE.test(parsed.service)) serviceUnknown = `the service name of endpoint ${id} (${JSON.stringify(flat)}) is not an endpoint service name (com.amazonaws.<region>.<service>)`;
    const type = p.VpcEndpointType ?? 'Gateway';
    if (type === 'Gateway') {
      // A gateway endpoint adds a route to the service's AWS-managed prefix list in each of its route tables.
      const tag = `aws:${service}:${parsed && !ctx.isThisRegion(parsed.region) ? parsed.region : THIS_REGION}`;
      const set: AddressSet = { key: `${id}.prefixList`, label: `AWS-managed prefix list of ${serviceName}`, cidrs: [], memberTags: [tag], opaque: false };
      const route = { id, destinationSet: set, target: { kind: 'gatewayEndpoint' as const, id, service }, destinationUnknown: serviceUnknown };
      const elsewhere: string[] = [];
      const tableRefs = unresolvedWhy(p.RouteTableIds) !== undefined ? [p.RouteTableIds] : toArray(p.RouteTableIds);
      for (const tableRef of tableRefs) {
        const table = routeTables.get(valueKey(tableRef));
        const why = unresolvedWhy(tableRef);
        if (why !== undefined) {
          // A route table known only at deploy time may be any of them.
          for (const t of routeTables.values()) t.routes.push({ ...route, presenceUnknown: `gateway endpoint ${id}'s route tables: ${why}` });
        } else if (table) {
          table.routes.push(route);
        } else if (typeof tableRef === 'string') {
          elsewhere.push(tableRef);
        }
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
        serviceUnknown,
        subnets: toArray(p.SubnetIds).map(valueKey),
        securityGroups: toArray(p.SecurityGroupIds).map(valueKey),
        privateDns: p.PrivateDnsEnabled === true || p.PrivateDnsEnabled === 'true',
        privateDnsOnlyForInboundResolver: p.DnsOptions?.PrivateDnsOnlyForInboundResolverEndpoint === 'OnlyInboundResolver',
      });
    }
  }
  return interfaceEndpoints;
}
