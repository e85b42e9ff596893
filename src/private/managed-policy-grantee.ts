import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A grantee that records what it is granted in a customer-managed policy attached to a role, instead
 * of the role's inline default policy: NIST 800-53, HIPAA and PCI packs reject inline policies
 * (IAMNoInlinePolicy), and a managed policy can be reviewed and versioned on its own.
 */
export class ManagedPolicyGrantee implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly principalAccount?: string;

  constructor(private readonly role: iam.IRole, private readonly policy: iam.ManagedPolicy) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.principalAccount = role.principalAccount;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}
