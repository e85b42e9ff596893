/**
 * Nested stacks (AWS::CloudFormation::Stack): their templates join the parent's, so that workloads and
 * network defined in a nested stack are analyzed with the parent's. Not part of the public API.
 *
 * A nested stack's resources, conditions and mappings are named `<stack logical id>/<name>`
 * (`Parent/Child/<name>` for deeper levels); its parameters take the values the parent passes
 * (`Parameters` of the stack resource); those the parent does not pass join the template's parameters
 * as `<stack logical id>/<name>` (their Default, or a value the caller gives under that name);
 * `Fn::GetAtt [Stack, Outputs.Name]` in the parent (or a sibling's parameters) becomes the value of the
 * nested stack's output. `${Name}` in a nested stack's `Fn::Sub` is renamed too; a parameter it names
 * becomes a variable of the Sub, with the value the parent passes.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The parent's template with the nested stacks' resources inlined, and the paths of the stacks inlined. */
export interface InlinedTemplate {
  readonly template: any;
  /** `Child`, `Child/Grandchild`, ...: resource ids under these prefixes belong to the analyzed stack. */
  readonly nestedPaths: string[];
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** Maps over every value of a JSON tree, outside in: `f` returns a replacement, or undefined to descend. */
function transform(value: Json, f: (v: Obj) => Json | undefined): Json {
  if (Array.isArray(value)) return value.map((v) => transform(v, f));
  if (!isObj(value)) return value;
  const replaced = f(value);
  if (replaced !== undefined) return replaced;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, transform(v, f)]));
}

/**
 * Prefixes the template's own names with `prefix`: references (Ref, GetAtt; pseudo parameters stay),
 * conditions (a resource's `Condition`, `Fn::If`, `{ Condition }`), mappings (`Fn::FindInMap`) and the
 * names in `Fn::Sub` strings.
 */
function renameReferences(value: Json, prefix: string): Json {
  return transform(value, (v) => {
    if (typeof v.Ref === 'string' && !v.Ref.startsWith('AWS::')) return { Ref: `${prefix}${v.Ref}` };
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
      return { 'Fn::GetAtt': [`${prefix}${getAtt[0]}`, ...getAtt.slice(1).map((x) => renameReferences(x, prefix))] };
    }
    if (typeof getAtt === 'string') return { 'Fn::GetAtt': `${prefix}${getAtt}` };
    const named = ['Fn::If', 'Fn::FindInMap'].find((f) => Array.isArray(v[f]) && typeof (v[f] as Json[])[0] === 'string');
    if (named) {
      const [name, ...rest] = v[named] as Json[];
      return { ...v, [named]: [`${prefix}${name}`, ...rest.map((x) => renameReferences(x, prefix))] };
    }
    const sub = subOf(v);
    if (sub) {
      // `${Name}` and `${Name.Attribute}` name the template's parameters and resources, unless a variable of the Sub.
      const renamed = sub.text.replace(SUB_NAME, (whole, name: string) => {
        const key = name.trim();
        return key.startsWith('AWS::') || key in sub.vars ? whole : `\${${prefix}${key}}`;
      });
      return { 'Fn::Sub': Array.isArray(v['Fn::Sub']) ? [renamed, renameReferences(sub.vars, prefix)] : renamed };
    }
    if (typeof v.Condition === 'string') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'Condition' ? `${prefix}${x}` : renameReferences(x, prefix)]));
    }
    return undefined;
  });
}

/** `${Name}` in a `Fn::Sub` string (not `${!Literal}`). */
const SUB_NAME = /\$\{([^}!]+)\}/g;

/** The parts of a `Fn::Sub`, either form. */
function subOf(v: Obj): { text: string; vars: Obj } | undefined {
  const sub = v['Fn::Sub'];
  if (typeof sub === 'string') return { text: sub, vars: {} };
  if (Array.isArray(sub) && typeof sub[0] === 'string') return { text: sub[0], vars: isObj(sub[1]) ? sub[1] : {} };
  return undefined;
}

/** Replaces the references to the parameters in `values` (by their prefixed names) with their values, in Ref and Fn::Sub. */
function bindParameters(value: Json, values: Map<string, Json>): Json {
  return transform(value, (o) => {
    if (typeof o.Ref === 'string' && values.has(o.Ref)) return values.get(o.Ref);
    const sub = subOf(o);
    if (!sub) return undefined;
    const used = [...sub.text.matchAll(SUB_NAME)].map((m) => m[1].trim()).filter((n) => values.has(n) && !(n in sub.vars));
    if (used.length === 0 && !Array.isArray(o['Fn::Sub'])) return undefined;
    // A parameter the Sub names becomes one of its variables, with the value the parent passes.
    return { 'Fn::Sub': [sub.text, { ...bindParameters(sub.vars, values) as Obj, ...Object.fromEntries(used.map((n) => [n, values.get(n)])) }] };
  });
}

/** A section (Conditions, Mappings, Parameters) with its keys prefixed. */
function prefixKeys(section: Json, prefix: string, f: (v: Json) => Json = (v) => v): Obj {
  return isObj(section) ? Object.fromEntries(Object.entries(section).map(([k, v]) => [`${prefix}${k}`, f(v)])) : {};
}

/**
 * Inlines the nested stacks whose templates are given, by the stack resource's logical id (`Parent/Child`
 * for deeper levels). Stack resources with no template given stay as they are.
 */
export function inlineNestedStacks(template: any, nested: { [logicalId: string]: any } | undefined): InlinedTemplate {
  if (!nested || Object.keys(nested).length === 0) return { template, nestedPaths: [] };
  const resources: Obj = {};
  // The nested stacks' conditions, mappings and parameters that nothing passes, under their prefixed names.
  const conditions: Obj = {};
  const mappings: Obj = {};
  const parameters: Obj = {};
  const outputs = new Map<string, Obj>();
  const nestedPaths: string[] = [];
  const visit = (resourcesOf: Obj) => {
    for (const [id, resource] of Object.entries(resourcesOf)) {
      resources[id] = resource;
      if (!isObj(resource) || resource.Type !== STACK_TYPE) continue;
      const stackPath = id;
      const child = nested[stackPath];
      if (child === undefined) continue;
      if (!isObj(child) || !isObj(child.Resources)) {
        throw new Error(`nestedStacks['${stackPath}'] must be a CloudFormation template object with a Resources section`);
      }
      nestedPaths.push(stackPath);
      const childPrefix = `${stackPath}/`;
      // Parameters: what the parent passes (already in the parent's names), else the default.
      const passed = isObj(resource.Properties) && isObj(resource.Properties.Parameters) ? resource.Properties.Parameters : {};
      const declared = isObj(child.Parameters) ? child.Parameters : {};
      const values = new Map<string, Json>();
      for (const [name, declaration] of Object.entries(declared)) {
        if (name in passed) values.set(`${childPrefix}${name}`, passed[name]);
        else parameters[`${childPrefix}${name}`] = declaration;
      }
      const bind = (v: Json) => bindParameters(renameReferences(v, childPrefix), values);
      const childResources = Object.fromEntries(Object.entries(child.Resources).map(([rid, r]) => [`${childPrefix}${rid}`, bind(r)]));
      Object.assign(conditions, prefixKeys(child.Conditions, childPrefix, bind));
      Object.assign(mappings, prefixKeys(child.Mappings, childPrefix));
      const childOutputs = isObj(child.Outputs) ? child.Outputs : {};
      outputs.set(stackPath, Object.fromEntries(Object.entries(childOutputs).map(([name, o]) => [name, bind(isObj(o) ? o.Value : undefined)])));
      visit(childResources);
    }
  };
  visit(isObj(template.Resources) ? template.Resources : {});
  // `Fn::GetAtt [Stack, Outputs.Name]` anywhere: the output's value (which may name a deeper stack's output).
  const resolveOutputs = (value: Json, depth: number): Json => transform(value, (o) => {
    const getAtt = typeof o['Fn::GetAtt'] === 'string' ? splitGetAtt(o['Fn::GetAtt']) : o['Fn::GetAtt'];
    if (!Array.isArray(getAtt) || typeof getAtt[0] !== 'string' || typeof getAtt[1] !== 'string' || !getAtt[1].startsWith('Outputs.')) return undefined;
    const value_ = outputs.get(getAtt[0])?.[getAtt[1].slice('Outputs.'.length)];
    return value_ === undefined || depth > 20 ? undefined : resolveOutputs(value_, depth + 1);
  });
  const resolved = Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, resolveOutputs(r, 0)]));
  const ownOutputs = isObj(template.Outputs) ? resolveOutputs(template.Outputs, 0) : template.Outputs;
  const merged: Obj = { ...template, Resources: resolved };
  if (ownOutputs !== undefined) merged.Outputs = ownOutputs;
  const sections: Array<[string, Obj]> = [['Parameters', parameters], ['Conditions', conditions], ['Mappings', mappings]];
  for (const [name, added] of sections) {
    if (Object.keys(added).length > 0) merged[name] = { ...(isObj(template[name]) ? template[name] : {}), ...resolveOutputs(added, 0) as Obj };
  }
  return { template: merged, nestedPaths };
}

function splitGetAtt(s: string): string[] {
  const dot = s.indexOf('.');
  return dot < 0 ? [s] : [s.slice(0, dot), s.slice(dot + 1)];
}

/**
 * The templates of a CDK stack's nested stacks, found in its cloud assembly directory, by the logical id
 * of the stack resource (`Parent/Child` for deeper levels). A nested stack's template is a file asset:
 * the stack resource's `aws:asset:path` metadata names it when the CDK CLI synthesized the app, and the
 * asset manifests (`*.assets.json`) map the object key in its TemplateURL to the file otherwise.
 */
export function cdkNestedStackTemplates(template: any, assemblyDir: string): { [logicalId: string]: any } {
  const files = cdkNestedStackFiles(template, assemblyDir);
  return Object.fromEntries([...files].map(([id, f]) => [id, f.template]));
}

/** The nested stacks' templates as cdkNestedStackTemplates() finds them, with the file each was read from. */
export function cdkNestedStackFiles(template: any, assemblyDir: string): Map<string, { file: string; template: any }> {
  const byObjectKey = assetSources(assemblyDir);
  const found = new Map<string, { file: string; template: any }>();
  const visit = (t: any, prefix: string, depth: number) => {
    if (depth > 10 || !isObj(t?.Resources)) return;
    for (const [id, resource] of Object.entries(t.Resources as Obj)) {
      if (!isObj(resource) || resource.Type !== STACK_TYPE) continue;
      const metadata = isObj(resource.Metadata) ? resource.Metadata : {};
      let file = typeof metadata['aws:asset:path'] === 'string' ? metadata['aws:asset:path'] : undefined;
      if (!file) {
        const url = JSON.stringify(isObj(resource.Properties) ? resource.Properties.TemplateURL ?? '' : '');
        const key = /([0-9a-f]{64}\.json)/.exec(url)?.[1];
        file = key ? byObjectKey.get(key) : undefined;
      }
      if (!file) continue;
      const full = path.resolve(assemblyDir, file);
      let child: unknown;
      try {
        child = JSON.parse(fs.readFileSync(full, 'utf8'));
      } catch {
        // A missing or unreadable file: the nested stack stays unknown, as one whose template is not given.
        continue;
      }
      if (!isObj(child)) continue;
      found.set(`${prefix}${id}`, { file: full, template: child });
      visit(child, `${prefix}${id}/`, depth + 1);
    }
  };
  visit(template, '', 0);
  return found;
}

/** Asset object keys (`<hash>.json`) to their source file, from every asset manifest of the directory. */
function assetSources(dir: string): Map<string, string> {
  const sources = new Map<string, string>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.assets.json'));
  } catch {
    return sources;
  }
  for (const name of names) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
      for (const [hash, asset] of Object.entries<any>(manifest.files ?? {})) {
        const source = asset?.source?.path;
        if (typeof source !== 'string' || !source.endsWith('.json')) continue;
        sources.set(`${hash}.json`, source);
        for (const destination of Object.values<any>(asset.destinations ?? {})) {
          if (typeof destination?.objectKey === 'string') sources.set(destination.objectKey, source);
        }
      }
    } catch {
      // An unreadable asset manifest only hides the nested stacks it lists.
    }
  }
  return sources;
}
