#!/usr/bin/env python3
"""The reference configurations, written in Python against the built wheel.

CI synthesizes this app and checks that its templates equal those of the TypeScript app
(test/scenarios/reference-configurations.ts), so the Python bindings are proved to build the same
infrastructure.

    pip install cdk-sagemaker-egress
    python app.py            # templates go to ./cdk.out (or $CDK_OUTDIR)
"""
import os

import aws_cdk as cdk
from constructs import Construct

from cdk_sagemaker_egress import (
    InternetEgress,
    NoInternetNotebook,
    PypiAllowlistSecurityGroup,
    RestrictedEgressVpc,
)


class NotebookNatEgressStack(cdk.Stack):
    """Configuration 1: notebook behind a NAT gateway; egress only through what security groups allow."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(
            self, "Network", internet_egress=InternetEgress.nat_gateway(nat_gateways=1)
        )
        self.notebook = NoInternetNotebook(self, "Notebook", vpc=self.network.vpc)


class NotebookIsolatedStack(cdk.Stack):
    """Configuration 2: notebook in a VPC with no internet gateway and no NAT; AWS only through endpoints."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(self, "Network", internet_egress=InternetEgress.none())
        self.notebook = NoInternetNotebook(self, "Notebook", vpc=self.network.vpc)


class NotebookPypiAllowlistStack(cdk.Stack):
    """Configuration 3: notebook behind a NAT gateway whose only internet egress is HTTPS to PyPI."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = RestrictedEgressVpc(
            self, "Network", internet_egress=InternetEgress.nat_gateway(nat_gateways=1)
        )
        self.pypi = PypiAllowlistSecurityGroup(self, "PypiAllowlist", vpc=self.network.vpc)
        self.notebook = NoInternetNotebook(
            self, "Notebook", vpc=self.network.vpc, security_groups=[self.pypi.security_group]
        )


app = cdk.App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
NotebookNatEgressStack(
    app, "NotebookNatEgress", description="cdk-sagemaker-egress reference: notebook behind a NAT gateway"
)
NotebookIsolatedStack(
    app, "NotebookIsolated", description="cdk-sagemaker-egress reference: notebook with no internet route"
)
NotebookPypiAllowlistStack(
    app, "NotebookPypiAllowlist", description="cdk-sagemaker-egress reference: notebook with HTTPS to PyPI only"
)
app.synth()
