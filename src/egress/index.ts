export * from './egress-analyzer';
export * from './egress-destination';
export * from './egress-source';
export * from './egress-verdict';
export * from './egress-policy';
export * from './egress-dns-filter';
export * from './imported-network';
export * from './egress-cost';
