/**
 * The endpoint-policy rules, one passing and one failing policy each (cdk-nag style), then the cases
 * that decide between them: explicit denies, named resources, organizations, deploy-time values.
 */
import { anotherAccountsPrincipals, anotherAccountsResources, otherAccountAccess } from '../../src/egress/endpoint-policy';

const ACCOUNT = { Ref: 'AWS::AccountId' };
const arn = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const policy = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });
const allow = (extra: object = {}) => ({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'logs:*', Resource: '*', ...extra });

/** The library's baseline: principal and resource of this account (src/private/endpoint-policies.ts). */
const PERIMETER = policy(allow({
  Sid: 'PerimeterPrincipalsToPerimeterResources',
  Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:ResourceAccount': ACCOUNT } },
}));
const ALLOW_ALL = policy({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' });

describe('anotherAccountsPrincipals (identity perimeter)', () => {
  test('passes: aws:PrincipalAccount is this account', () => {
    expect(anotherAccountsPrincipals(PERIMETER)).toMatchObject({ open: false });
  });

  test('fails: Principal * without conditions lets any account\'s credentials through', () => {
    expect(anotherAccountsPrincipals(ALLOW_ALL)).toMatchObject({ open: true, statement: 'Statement[0]' });
  });
});

describe('anotherAccountsResources (resource perimeter)', () => {
  test('passes: aws:ResourceAccount is this account', () => {
    expect(anotherAccountsResources(PERIMETER)).toMatchObject({ open: false });
  });

  test('fails: a principal condition alone leaves other accounts\' resources open', () => {
    const principalOnly = policy(allow({ Sid: 'PerimeterPrincipals', Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }));
    expect(anotherAccountsResources(principalOnly)).toMatchObject({ open: true, statement: 'PerimeterPrincipals' });
    expect(anotherAccountsPrincipals(principalOnly)).toMatchObject({ open: false });
  });
});

describe('otherAccountAccess', () => {
  test('no policy is AWS\'s default: any principal, any resource', () => {
    const found = otherAccountAccess(undefined);
    expect(found).toMatchObject({ policy: 'absent', principals: { open: true }, resources: { open: true } });
  });

  test('a policy given as a JSON string is read', () => {
    expect(otherAccountAccess(JSON.stringify(ALLOW_ALL)).principals.open).toBe(true);
  });

  test('an explicit Deny with StringNotEquals aws:PrincipalAccount closes the identity perimeter only', () => {
    const found = otherAccountAccess(policy(
      { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
      { Sid: 'DenyOtherPrincipals', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } } },
    ));
    expect(found.principals).toMatchObject({ open: false, statement: 'DenyOtherPrincipals' });
    expect(found.resources).toMatchObject({ open: true });
  });

  test('an explicit Deny with StringNotEquals aws:ResourceAccount closes both', () => {
    const found = otherAccountAccess(policy(
      { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
      { Sid: 'DenyOtherResources', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:ResourceAccount': ACCOUNT } } },
    ));
    expect(found.principals).toMatchObject({ open: false });
    expect(found.resources).toMatchObject({ open: false, statement: 'DenyOtherResources' });
  });

  test('a Deny that also depends on another key is not counted as blocking', () => {
    const found = otherAccountAccess(policy(
      { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
      { Sid: 'Partial', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT }, Bool: { 'aws:SecureTransport': 'false' } } },
    ));
    expect(found.principals.open).toBe(true);
    expect(found.notes.join()).toMatch(/Partial \(Deny\) also depends on Bool aws:SecureTransport/);
  });

  test('explicit resource ARNs of this account limit resources, even for any principal', () => {
    const found = otherAccountAccess(policy(allow({ Resource: arn('arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', ACCOUNT, ':log-group:*') })));
    expect(found).toMatchObject({ principals: { open: false }, resources: { open: false }, unlimitedPrincipalStatements: ['Statement[0]'] });
  });

  test('an ARN with a wildcard account, or a bucket name with a wildcard, is another account\'s too', () => {
    expect(anotherAccountsResources(policy(allow({ Resource: 'arn:aws:logs:eu-west-1:*:log-group:*' }))).open).toBe(true);
    expect(anotherAccountsResources(policy(allow({ Action: 's3:*', Resource: 'arn:aws:s3:::backup-*/*' }))).open).toBe(true);
    expect(anotherAccountsResources(policy(allow({ Action: 's3:*', Resource: ['arn:aws:s3:::my-bucket', 'arn:aws:s3:::my-bucket/*'] }))).open).toBe(false);
  });

  test('the library\'s S3 data perimeter limits resources, not principals', () => {
    const s3 = policy(
      allow({ Sid: 'OwnAccountBuckets', Action: 's3:*', Condition: { StringEquals: { 'aws:ResourceAccount': ACCOUNT } } }),
      allow({ Sid: 'AwsOwnedBucketsReadOnly', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [arn('arn:', { Ref: 'AWS::Partition' }, ':s3:::al2023-', { Ref: 'AWS::Region' })] }),
    );
    const found = otherAccountAccess(s3);
    expect(found).toMatchObject({ principals: { open: false }, resources: { open: false } });
    expect(found.unlimitedPrincipalStatements).toEqual(['OwnAccountBuckets', 'AwsOwnedBucketsReadOnly']);
  });

  test('an organization perimeter (literal ids) refuses accounts outside it; named registries of AWS are exceptions', () => {
    const org = policy(
      allow({ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij', 'aws:ResourceOrgID': 'o-abcdefghij' } } }),
      allow({ Action: 'ecr:BatchGetImage', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij', 'aws:ResourceAccount': ['763104351884'] } } }),
    );
    expect(otherAccountAccess(org)).toMatchObject({ principals: { open: false }, resources: { open: false }, unlimitedPrincipalStatements: [] });
  });

  test('actions that act on no resource do not open other accounts\' resources, but do need a principal condition', () => {
    const bearer = (condition?: object) => policy(
      allow({ Action: 'sts:*', Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:ResourceAccount': ACCOUNT } } }),
      allow({ Action: 'sts:GetServiceBearerToken', ...(condition ? { Condition: condition } : {}) }),
    );
    expect(otherAccountAccess(bearer({ StringEquals: { 'aws:PrincipalAccount': ACCOUNT } }))).toMatchObject({ principals: { open: false }, resources: { open: false } });
    const open = otherAccountAccess(bearer());
    expect(open.principals).toMatchObject({ open: true, statement: 'Statement[1]' });
    expect(open.principals.detail).toMatch(/on actions that act on no resource/);
    expect(open.resources.open).toBe(false);
  });

  test('StringLike "*" allows any account; AWS service principals are not accounts', () => {
    expect(anotherAccountsPrincipals(policy(allow({ Condition: { StringLike: { 'aws:PrincipalAccount': '*' } } }))).open).toBe(true);
    expect(otherAccountAccess(policy(allow({ Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' } } })))).toMatchObject({ principals: { open: false }, resources: { open: false } });
  });

  test('a deploy-time value in an account condition, or a policy resolved at deploy, is UNKNOWN (maybe)', () => {
    const param = policy(allow({ Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrgId' }, 'aws:ResourceOrgID': { Ref: 'OrgId' } } } }));
    const found = otherAccountAccess(param);
    expect(found.principals.open).toBe('maybe');
    expect(found.resources).toMatchObject({ open: 'maybe' });
    expect(found.resources.detail).toMatch(/Ref OrgId, resolved only at deploy time/);
    expect(otherAccountAccess({ 'Fn::If': ['Strict', PERIMETER, ALLOW_ALL] })).toMatchObject({ policy: 'unreadable', principals: { open: 'maybe' } });
  });

  test('a deploy-time value that cannot matter does not make it unknown', () => {
    // The resource condition refuses other accounts' resources whatever the principal's organization is.
    const found = otherAccountAccess(policy(allow({ Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrgId' }, 'aws:ResourceAccount': ACCOUNT } } })));
    expect(found).toMatchObject({ principals: { open: false }, resources: { open: false } });
  });
});
