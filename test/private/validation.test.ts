import { Lazy, Token } from 'aws-cdk-lib';
import { validateIntegerInRange, validateIpv4Cidr, validateMlInstanceType, validateSageMakerName } from '../../src/private/validation';

const VPC = { minPrefix: 16, maxPrefix: 28 };

describe('validateIpv4Cidr', () => {
  test.each(['10.0.0.0/16', '172.16.0.0/20', '192.168.10.16/28'])('accepts %s', (cidr) => {
    expect(() => validateIpv4Cidr('p', cidr, VPC)).not.toThrow();
  });
  test('names the prop, the value and the aligned block', () => {
    expect(() => validateIpv4Cidr('ipAddresses', '10.0.0.1/16', VPC))
      .toThrow('ipAddresses must be aligned to its prefix length (the address must be the network address), got: "10.0.0.1/16" — did you mean "10.0.0.0/16"?');
    expect(() => validateIpv4Cidr('p', '192.168.10.17/28', VPC)).toThrow(/did you mean "192\.168\.10\.16\/28"/);
  });
  test.each(['10.0.0.0', '10.0.0.0/', '10.0.0/16', '256.0.0.0/16', '10.0.0.0/40', 'fd00::/16', ' 10.0.0.0/16', '010.0.0.0/16'])('rejects malformed %s', (cidr) => {
    expect(() => validateIpv4Cidr('p', cidr, VPC)).toThrow(/p must be an IPv4 CIDR block/);
  });
  test.each(['10.0.0.0/15', '10.0.0.0/29'])('rejects prefix outside the limits: %s', (cidr) => {
    expect(() => validateIpv4Cidr('p', cidr, VPC)).toThrow(/p must have a prefix length from \/16 to \/28/);
  });
  test('skips tokens and undefined', () => {
    expect(() => validateIpv4Cidr('p', Token.asString({ Ref: 'Cidr' }), VPC)).not.toThrow();
    expect(() => validateIpv4Cidr('p', undefined, VPC)).not.toThrow();
  });
});

describe('validateIntegerInRange', () => {
  test('accepts the bounds, rejects outside and fractions', () => {
    expect(() => validateIntegerInRange('n', 1, 1, 3)).not.toThrow();
    expect(() => validateIntegerInRange('n', 3, 1, 3)).not.toThrow();
    expect(() => validateIntegerInRange('n', 4, 1, 3)).toThrow('n must be an integer from 1 to 3, got: 4 — use a value from 1 to 3');
    expect(() => validateIntegerInRange('n', 1.5, 1, 3, 'fix it')).toThrow('n must be an integer from 1 to 3, got: 1.5 — fix it');
  });
  test('skips a token value and ignores a token bound', () => {
    expect(() => validateIntegerInRange('n', Lazy.number({ produce: () => 99 }), 1, 3)).not.toThrow();
    expect(() => validateIntegerInRange('n', 99, 1, Lazy.number({ produce: () => 3 }))).not.toThrow();
    expect(() => validateIntegerInRange('n', 0, 1, Lazy.number({ produce: () => 3 }))).toThrow(/n must be an integer from 1 to Infinity, got: 0/);
  });
});

describe('validateMlInstanceType', () => {
  test.each(['ml.t3.medium', 'ml.g5.12xlarge', 'ml.p4d.24xlarge', 'ml.c7i.large'])('accepts %s', (t) => {
    expect(() => validateMlInstanceType('instanceType', t)).not.toThrow();
  });
  test.each(['t3.medium', 'ml.t3', 'ml..large', 'ML.t3.medium', ''])('rejects %s', (t) => {
    expect(() => validateMlInstanceType('instanceType', t)).toThrow(/instanceType must be a SageMaker ML instance type/);
  });
});

describe('validateSageMakerName', () => {
  test.each(['a', 'notebook-1', 'a--b', 'x'.repeat(63)])('accepts %s', (n) => {
    expect(() => validateSageMakerName('name', n, 63)).not.toThrow();
  });
  test.each(['', '-a', 'a-', 'a_b', 'a.b', 'x'.repeat(64)])('rejects "%s"', (n) => {
    expect(() => validateSageMakerName('name', n, 63)).toThrow(/name must be 1 to 63 letters, digits and hyphens/);
  });
});
