export * from './endpoint-set';
export * from './nacl-tightening';
export * from './s3-endpoint-strategy';
export * from './restricted-egress-vpc';
export * from './no-internet-notebook';
export * from './pypi-allowlist-security-group';
export * from './no-internet-studio';
export * from './egress';
