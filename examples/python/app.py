#!/usr/bin/env python3
"""The reference configurations, written in Python against the built wheel.

CI synthesizes this app and checks that its templates equal those of the TypeScript app
(test/scenarios/reference-configurations.ts), so the Python bindings are proved to build the same
infrastructure.

    pip install cdk-sagemaker-egress
    python app.py            # templates go to ./cdk.out (or $CDK_OUTDIR)
"""
import os
import sys

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from cdk_sagemaker_egress import (
    AllowedEgress,
    CodeArtifactPypiMirror,
    DataPerimeter,
    DeployedEgressCheck,
    DnsEgressAllowlist,
    EndpointSet,
    InternetEgress,
    NaclTightening,
    NoInternetNotebook,
    NoInternetStudio,
    PypiAllowlistSecurityGroup,
    RestrictedEgressVpc,
    S3EndpointKind,
)
from cdk_sagemaker_egress.egress import (
    EgressAnalyzer,
    EgressDestination,
    EgressHopKind,
    EgressOutcome,
    EgressPolicy,
    EgressProtocol,
)


class NotebookNatEgressStack(cdk.Stack):
    """Configuration 1: notebook behind a NAT gateway; egress only through what security groups allow."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(
            self, "Network", internet_egress=InternetEgress.nat_gateway(nat_gateways=1)
        )
        self.notebook = NoInternetNotebook(self, "Notebook", network=self.network)


class NotebookIsolatedStack(cdk.Stack):
    """Configuration 2: notebook in a VPC with no internet gateway and no NAT; AWS only through endpoints."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # The data perimeter is the default (principals and resources of this account), spelled out here;
        # DataPerimeter.organization("o-...") widens it to the organization.
        self.network = RestrictedEgressVpc(
            self, "Network", internet_egress=InternetEgress.none(), perimeter=DataPerimeter.account()
        )
        self.notebook = NoInternetNotebook(self, "Notebook", network=self.network)


class NotebookPypiAllowlistStack(cdk.Stack):
    """Configuration 3: notebook behind a NAT gateway whose only internet egress is HTTPS to PyPI."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(
            self, "Network", internet_egress=InternetEgress.nat_gateway(nat_gateways=1)
        )
        self.pypi = PypiAllowlistSecurityGroup(self, "PypiAllowlist", network=self.network)
        self.notebook = NoInternetNotebook(
            self, "Notebook", network=self.network, security_groups=[self.pypi.security_group]
        )
        # Run time: the only way out of the VPC the deployed network may have is HTTPS to the package index.
        self.egress_check = DeployedEgressCheck(
            self,
            "EgressCheck",
            network=self.network,
            workloads=[self.notebook],
            allowed_destinations=[AllowedEgress.to(ec2.Peer.prefix_list(self.pypi.prefix_list_id), ec2.Port.tcp(443))],
        )


class NotebookIsolatedTightenedStack(cdk.Stack):
    """Configurations 4 and 5: no internet route, NACL tightened to the VPC, without breaking S3.

    With the S3 gateway endpoint the NACL also carries the region's S3 ranges (kept current); with the
    S3 interface endpoint it needs none.
    """

    def __init__(self, scope: Construct, construct_id: str, *, s3_endpoint: S3EndpointKind, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(
            self,
            "Network",
            internet_egress=InternetEgress.none(),
            s3_endpoint=s3_endpoint,
            nacl_tightening=NaclTightening.tightened(),
        )
        self.notebook = NoInternetNotebook(self, "Notebook", network=self.network)


class NotebookPypiAllowlistTightenedStack(cdk.Stack):
    """Configuration 6: configuration 3 with tightened NACLs (VPC, S3 ranges, package index only)."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(
            self,
            "Network",
            internet_egress=InternetEgress.nat_gateway(nat_gateways=1),
            nacl_tightening=NaclTightening.tightened(),
        )
        self.pypi = PypiAllowlistSecurityGroup(self, "PypiAllowlist", network=self.network)
        self.notebook = NoInternetNotebook(
            self, "Notebook", network=self.network, security_groups=[self.pypi.security_group]
        )
        # Run time: the only way out of the VPC the deployed network may have is HTTPS to the package index.
        self.egress_check = DeployedEgressCheck(
            self,
            "EgressCheck",
            network=self.network,
            workloads=[self.notebook],
            allowed_destinations=[AllowedEgress.to(ec2.Peer.prefix_list(self.pypi.prefix_list_id), ec2.Port.tcp(443))],
        )


class StudioIsolatedStack(cdk.Stack):
    """Configuration 7, "isolated Studio": Studio and JumpStart with no internet, in two AZs."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(
            self,
            "Network",
            internet_egress=InternetEgress.none(),
            max_azs=2,
            endpoint_azs=2,
            endpoint_sets=[],
        )
        self.studio = NoInternetStudio(
            self,
            "Studio",
            network=self.network,
            endpoints=EndpointSet.studio(studio_ui=True),
            user_profiles=["data-scientist"],
        )


class NotebookIsolatedMirrorStack(cdk.Stack):
    """Configuration 8, "isolated notebook with mirror": pip through a CodeArtifact PyPI mirror, no internet."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(self, "Network", internet_egress=InternetEgress.none())
        self.mirror = CodeArtifactPypiMirror(
            self, "PypiMirror", network=self.network, internal_packages=["acme*"]
        )
        self.notebook = NoInternetNotebook(self, "Notebook", network=self.network)
        self.mirror.configure_pip(self.notebook)


class NotebookIsolatedDnsAllowlistStack(NotebookIsolatedMirrorStack):
    """Configuration 9: configuration 8 with a DNS Firewall allowlist derived from the configuration."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.dns = DnsEgressAllowlist(self, "DnsAllowlist", vpc=self.network.vpc)


app = cdk.App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
# The egress the workloads are meant to have: synthesis fails if any of them can reach more, or less.
cdk.Validations.of(app).add_plugins(
    EgressPolicy(
        required=[EgressDestination.aws_service(s) for s in ["sagemaker.api", "sagemaker.runtime", "sts", "logs"]]
        + [EgressDestination.s3()],
        allowed=[
            EgressDestination.aws_service("studio"),
            EgressDestination.host("pypi.org"),
            EgressDestination.host("files.pythonhosted.org"),
            EgressDestination.aws_service("codeartifact.api"),
            EgressDestination.aws_service("codeartifact.repositories"),
        ],
    )
)
NotebookNatEgressStack(
    app, "NotebookNatEgress", description="cdk-sagemaker-egress reference: notebook behind a NAT gateway"
)
NotebookIsolatedStack(
    app, "NotebookIsolated", description="cdk-sagemaker-egress reference: notebook with no internet route"
)
NotebookPypiAllowlistStack(
    app, "NotebookPypiAllowlist", description="cdk-sagemaker-egress reference: notebook with HTTPS to PyPI only"
)
NotebookIsolatedTightenedStack(
    app,
    "NotebookIsolatedNaclS3Gateway",
    description="cdk-sagemaker-egress reference: no internet route, tightened NACL, S3 gateway endpoint",
    s3_endpoint=S3EndpointKind.GATEWAY,
)
NotebookIsolatedTightenedStack(
    app,
    "NotebookIsolatedNaclS3Interface",
    description="cdk-sagemaker-egress reference: no internet route, tightened NACL, S3 interface endpoint",
    s3_endpoint=S3EndpointKind.INTERFACE,
)
NotebookPypiAllowlistTightenedStack(
    app, "NotebookPypiAllowlistNacl", description="cdk-sagemaker-egress reference: HTTPS to PyPI only, tightened NACLs"
)
StudioIsolatedStack(
    app,
    "StudioIsolated",
    description="cdk-sagemaker-egress reference: SageMaker Studio and JumpStart with no internet route",
)
NotebookIsolatedMirrorStack(
    app,
    "NotebookIsolatedMirror",
    description="cdk-sagemaker-egress reference: no internet route, pip through a CodeArtifact PyPI mirror",
)
NotebookIsolatedDnsAllowlistStack(
    app,
    "NotebookIsolatedDnsAllowlist",
    description="cdk-sagemaker-egress reference: no internet route, PyPI mirror, DNS Firewall allowlist",
)
assembly = app.synth()

# The analyzer from Python: the isolated notebook reaches its endpoints and S3, and nothing else.
analyzer = EgressAnalyzer.from_template(assembly.get_stack_by_name("NotebookIsolated").template)
notebook = analyzer.workloads[0]
expected = {
    "sagemaker.api": EgressOutcome.REACHABLE,
    "S3 (this region)": EgressOutcome.REACHABLE,
    "internet:443": EgressOutcome.BLOCKED,
    "8.8.8.8:53/udp": EgressOutcome.BLOCKED,
}
for destination in [
    EgressDestination.aws_service("sagemaker.api"),
    EgressDestination.s3(),
    EgressDestination.internet(),
    EgressDestination.ipv4("8.8.8.8", 53, EgressProtocol.UDP),
]:
    verdict = analyzer.check(source=notebook, destination=destination)
    blocked_by = f" at {verdict.blocked_by.kind.name} {verdict.blocked_by.component}" if verdict.blocked_by else ""
    print(f"NotebookIsolated {notebook.description} -> {verdict.destination}: {verdict.outcome.name}{blocked_by}")
    if verdict.outcome != expected[verdict.destination]:
        sys.exit(f"unexpected egress verdict for {verdict.destination}: {verdict.outcome.name}")

# The data perimeter: another account's credentials or resources are refused at each endpoint's policy.
for service in ["sagemaker.api", "sagemaker.runtime", "sts", "logs", "s3"]:
    verdict = analyzer.check(source=notebook, destination=EgressDestination.other_account(service))
    blocked_by = f" at {verdict.blocked_by.kind.name} {verdict.blocked_by.component}" if verdict.blocked_by else ""
    print(f"NotebookIsolated {notebook.description} -> {verdict.destination}: {verdict.outcome.name}{blocked_by}")
    if verdict.outcome != EgressOutcome.BLOCKED or verdict.blocked_by.kind != EgressHopKind.ENDPOINT_POLICY:
        sys.exit(f"unexpected egress verdict for {verdict.destination}: {verdict.outcome.name}{blocked_by}")

# With the mirror: pip's repository is reachable through its endpoint, PyPI itself is not.
analyzer = EgressAnalyzer.from_template(assembly.get_stack_by_name("NotebookIsolatedMirror").template)
notebook = analyzer.workloads[0]
for destination, outcome in [
    (EgressDestination.aws_service("codeartifact.repositories"), EgressOutcome.REACHABLE),
    (EgressDestination.aws_service("codeartifact.api"), EgressOutcome.REACHABLE),
    (EgressDestination.host("pypi.org"), EgressOutcome.BLOCKED),
    (EgressDestination.host("files.pythonhosted.org"), EgressOutcome.BLOCKED),
]:
    verdict = analyzer.check(source=notebook, destination=destination)
    print(f"NotebookIsolatedMirror {notebook.description} -> {verdict.destination}: {verdict.outcome.name}")
    if verdict.outcome != outcome:
        sys.exit(f"unexpected egress verdict for {verdict.destination}: {verdict.outcome.name}")

# DNS: with the allowlist the notebook may resolve only the derived names; without it, any name.
for stack_name, filtered in [("NotebookIsolatedDnsAllowlist", True), ("NotebookIsolatedMirror", False)]:
    analyzer = EgressAnalyzer.from_template(assembly.get_stack_by_name(stack_name).template)
    dns = analyzer.dns_filter(analyzer.workloads[0])
    print(f"{stack_name} DNS: {dns.description[:120]}")
    if dns.filtered != filtered or (filtered and dns.other_names != "BLOCK"):
        sys.exit(f"unexpected DNS filter for {stack_name}: {dns.description}")
