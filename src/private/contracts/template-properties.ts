/**
 * The properties of a custom resource as a template shows them: every property may be missing, and
 * any value may be an intrinsic function (a token at synthesis). Readers such as the egress analyzer
 * see the names of the contract, so that renaming a property breaks the writer and the readers alike.
 */
export type TemplateProperties<T> = { readonly [K in keyof T]?: unknown };
