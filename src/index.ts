export * from './endpoint-set';
export * from './restricted-egress-vpc';
export * from './no-internet-notebook';
export * from './pypi-allowlist-security-group';
