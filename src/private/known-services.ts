import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { closestMatch, invalid } from './validation';

/** The interface endpoint services aws-cdk-lib names (`ec2.InterfaceVpcEndpointAwsService.*`). */
const KNOWN_SERVICES: string[] = Object.values(ec2.InterfaceVpcEndpointAwsService)
  .filter((v): v is ec2.InterfaceVpcEndpointAwsService => v instanceof ec2.InterfaceVpcEndpointAwsService)
  .map((service) => service.shortName);

/**
 * An AWS service named by hand (`new ec2.InterfaceVpcEndpointAwsService('sagemakerr.api')`) must be one
 * aws-cdk-lib knows: a misspelt one synthesizes an endpoint CloudFormation cannot create. A service the
 * library does not know yet is given by its full name as `ec2.InterfaceVpcEndpointService`, which is
 * taken as it is.
 */
export function validateEndpointService(prop: string, service: ec2.IInterfaceVpcEndpointService): void {
  if (!(service instanceof ec2.InterfaceVpcEndpointAwsService) || Token.isUnresolved(service.shortName)) return;
  if (KNOWN_SERVICES.includes(service.shortName)) return;
  const suggestion = closestMatch(service.shortName, KNOWN_SERVICES);
  invalid(prop, 'name an interface endpoint service aws-cdk-lib knows', service.shortName,
    `${suggestion ? `did you mean "${suggestion}"? ` : ''}For a service it does not know yet, pass ` +
    'new ec2.InterfaceVpcEndpointService(\'com.amazonaws.<region>.<service>\') with its full name');
}

/** A warning when the stack's region is not one aws-cdk-lib knows (a typo such as `eu-west-9`). */
export function warnUnknownRegion(scope: IConstruct): void {
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region)) return;
  const regions = RegionInfo.regions.map((r) => r.name);
  if (regions.includes(region)) return;
  const suggestion = closestMatch(region, regions);
  Annotations.of(scope).addWarningV2('cdk-sagemaker-egress:unknownRegion',
    `The stack's region "${region}" is not a region aws-cdk-lib knows${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: ` +
    'endpoint service names, S3 ranges and the DNS allowlist are derived from it. Check the stack\'s env.');
}
