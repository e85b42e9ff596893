/**
 * The analyzer's view of a template whose conditions cannot all be decided offline: the template (and
 * the other stacks' templates) resolved once per combination of undecided conditions (resolve.ts), and
 * the verdicts of those variants merged: a verdict stands only when every variant gives it, else UNKNOWN
 * with what each combination gives.
 */
import { EgressOutcome, EgressVerdict } from './egress-verdict';
import { MAX_VARIANTS, resolveTemplate, ResolveOptions } from './resolve';

/** A template to resolve, with what it assumes. */
export interface TemplateToResolve {
  readonly name?: string;
  readonly template: any;
  readonly options: ResolveOptions;
}

/** One combination: the primary template and the others, resolved, and the conditions it assumes. */
export interface TemplateVariant {
  readonly primary: any;
  readonly others: Array<{ name: string; template: any }>;
  readonly assumptions: string[];
}

/** Every template resolved; variants are the product of each template's, within the cap. */
export function resolveVariants(primary: TemplateToResolve, others: TemplateToResolve[]):
{ variants: TemplateVariant[]; notes: string[]; capped?: string } {
  const resolutions = [primary, ...others].map((t) => ({ name: t.name, resolution: resolveTemplate(t.template, { ...t.options, label: t.name ? `template of ${t.name}` : 'template' }) }));
  const capped = resolutions.find((r) => r.resolution.capped)?.resolution.capped;
  const notes = [...new Set(resolutions.flatMap((r) => r.resolution.notes))];
  if (capped) return { variants: [], notes, capped };
  let combos: Array<{ templates: any[]; assumptions: string[] }> = [{ templates: [], assumptions: [] }];
  for (const { name, resolution } of resolutions) {
    combos = combos.flatMap((c) => resolution.variants.map((v) => ({
      templates: [...c.templates, v.template],
      assumptions: [...c.assumptions, ...v.assumptions.map((a) => (name ? `${a} in ${name}` : a))],
    })));
  }
  if (combos.length > MAX_VARIANTS) {
    return {
      variants: [],
      notes,
      capped: `The templates' undecided conditions make ${combos.length} combinations, more than ${MAX_VARIANTS}: every verdict is UNKNOWN (give parameter values)`,
    };
  }
  return {
    variants: combos.map((c) => ({
      primary: c.templates[0],
      others: c.templates.slice(1).map((t, i) => ({ name: others[i].name ?? `other${i}`, template: t })),
      assumptions: c.assumptions,
    })),
    notes,
  };
}

/** The verdict all variants agree on, else UNKNOWN naming what each combination of conditions gives. */
export function mergeVerdicts(verdicts: Array<{ verdict: EgressVerdict; assumptions: string[] }>): EgressVerdict {
  const first = verdicts[0].verdict;
  if (verdicts.length === 1) return first;
  const outcomes = new Set(verdicts.map((v) => v.verdict.outcome));
  if (outcomes.size === 1) {
    const notes = [...new Set(verdicts.flatMap((v) => v.verdict.notes))];
    return { ...first, notes: [...notes, `The same under each of ${verdicts.length} combinations of conditions that cannot be decided offline`] };
  }
  const each = verdicts.map((v) => `${v.verdict.outcome} when ${v.assumptions.join(' and ') || 'the conditions are as given'}`);
  const failing = verdicts.find((v) => !v.verdict.reachable)?.verdict;
  return {
    ...first,
    outcome: EgressOutcome.UNKNOWN,
    reachable: false,
    path: failing?.path ?? [],
    blockedBy: failing?.blockedBy,
    notes: [`Depends on conditions that cannot be decided offline (give parameter values): ${each.join('; ')}`, ...new Set(verdicts.flatMap((v) => v.verdict.notes))],
  };
}
