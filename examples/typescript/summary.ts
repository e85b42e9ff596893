/** One short, human-readable summary of a synthesized template. */

interface CfnTemplate {
  readonly Resources?: Record<string, { Type: string; Properties?: Record<string, any> }>;
}

/** 'com.amazonaws.' + region + '.sagemaker.api' (region-agnostic Fn::Join) -> 'sagemaker.api' */
function serviceName(name: unknown): string {
  if (typeof name === 'string') return name.replace(/^com\.amazonaws\.[a-z0-9-]+\./, '');
  const join = (name as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join'];
  if (join) return String(join[1][join[1].length - 1]).replace(/^\./, '');
  return JSON.stringify(name);
}

export function summarize(stackName: string, template: CfnTemplate): string {
  const resources = Object.values(template.Resources ?? {});
  const ofType = (type: string) => resources.filter((r) => r.Type === type);
  const endpoints = ofType('AWS::EC2::VPCEndpoint');
  const interfaces = endpoints.filter((e) => e.Properties?.VpcEndpointType === 'Interface');
  const gateways = endpoints.filter((e) => e.Properties?.VpcEndpointType === 'Gateway');
  const lines = [
    `${stackName}`,
    `  resources:           ${resources.length}`,
    `  internet gateways:   ${ofType('AWS::EC2::InternetGateway').length}`,
    `  NAT gateways:        ${ofType('AWS::EC2::NatGateway').length}`,
    `  gateway endpoints:   ${gateways.map((e) => serviceName(e.Properties?.ServiceName)).join(', ') || 'none'}`,
    `  interface endpoints: ${interfaces.length} (${interfaces.map((e) => `${serviceName(e.Properties?.ServiceName)} x${(e.Properties?.SubnetIds ?? []).length} AZ`).sort().join(', ')})`,
  ];
  const acls = ofType('AWS::EC2::NetworkAcl');
  const syncs = ofType('Custom::NaclRangeSync');
  lines.push(`  network ACLs:        ${acls.length === 0 ? 'AWS default (allow all)' : `${acls.length} tightened to the VPC CIDR + ${syncs.length} synchronised destination set(s), budget ${syncs[0]?.Properties?.MaxEntriesPerDirection ?? '-'} rules/direction`}`);
  const policies = endpoints.filter((e) => serviceName(e.Properties?.ServiceName) === 's3').map((e) => (e.Properties?.PolicyDocument?.Statement ?? []).map((st: { Sid?: string }) => st.Sid).join('+') || 'allow all');
  lines.push(`  S3 endpoint policy:  ${[...new Set(policies)].join('; ') || '-'}`);
  for (const set of ofType('Custom::ResolvedAddressSet')) {
    const p = set.Properties ?? {};
    lines.push(`  egress allowlist:    443 to ${(p.Hostnames ?? []).join(', ')} (prefix list, max ${p.MaxEntries} entries, refreshed)`);
  }
  for (const notebook of ofType('AWS::SageMaker::NotebookInstance')) {
    const p = notebook.Properties ?? {};
    lines.push(`  notebook:            ${p.InstanceType}, ${p.VolumeSizeInGB} GB, ${p.PlatformIdentifier}, ` +
      `direct internet ${p.DirectInternetAccess}, root ${p.RootAccess}, ` +
      `IMDSv${p.InstanceMetadataServiceConfiguration?.MinimumInstanceMetadataServiceVersion ?? '1'}, ` +
      `volume key ${p.KmsKeyId ? 'customer-managed' : 'AWS-owned'}`);
  }
  for (const domain of ofType('AWS::SageMaker::Domain')) {
    const p = domain.Properties ?? {};
    const profiles = ofType('AWS::SageMaker::UserProfile');
    const retention = ofType('Custom::StudioDomainDeletion')[0]?.Properties?.HomeEfsFileSystem ?? 'Retain';
    lines.push(`  Studio domain:       ${p.AppNetworkAccessType}, auth ${p.AuthMode}, ${(p.SubnetIds ?? []).length} subnets, ` +
      `${profiles.length} user profile(s) with their own security group, home file system key ${p.KmsKeyId ? 'customer-managed' : 'AWS-managed'}, ` +
      `home file system on delete: ${retention}`);
  }
  const repositories = ofType('AWS::CodeArtifact::Repository');
  if (repositories.length > 0) {
    const domains = ofType('AWS::CodeArtifact::Domain');
    const upstream = repositories.find((r) => (r.Properties?.ExternalConnections ?? []).length > 0);
    const pip = repositories.find((r) => r !== upstream);
    const groups = ofType('AWS::CodeArtifact::PackageGroup').map((g) => g.Properties?.Pattern);
    lines.push(`  PyPI mirror:         CodeArtifact ${domains.length ? `domain ${domains[0].Properties?.DomainName} (key ${domains[0].Properties?.EncryptionKey ? 'customer-managed' : 'AWS-managed'})` : 'existing domain'}, ` +
      `pip installs from "${pip?.Properties?.RepositoryName}" <- "${upstream?.Properties?.RepositoryName}" (${(upstream?.Properties?.ExternalConnections ?? []).join(', ')}); ` +
      `internal packages never from PyPI: ${groups.join(', ') || 'none'}`);
  }
  for (const association of ofType('AWS::Route53Resolver::FirewallRuleGroupAssociation')) {
    const lists = ofType('AWS::Route53Resolver::FirewallDomainList').map((l) => l.Properties?.Domains ?? []);
    const allowed = lists.filter((d) => !d.includes('*')).reduce((n, d) => n + d.length, 0);
    const rules = ofType('AWS::Route53Resolver::FirewallRuleGroup')[0]?.Properties?.FirewallRules ?? [];
    const catchAll = rules[rules.length - 1];
    const logging = ofType('AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation').length > 0;
    lines.push(`  DNS allowlist:       ${allowed} allowed names, any other name ${catchAll?.Action}${catchAll?.BlockResponse ? ` (${catchAll.BlockResponse})` : ''}, ` +
      `priority ${association.Properties?.Priority}, query log ${logging ? 'on' : 'off'}`);
  }
  return lines.join('\n');
}
