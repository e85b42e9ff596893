/**
 * Reading a CloudFormation template from a file: JSON, or YAML with CloudFormation's short-form tags
 * (`!Ref`, `!Sub`, `!GetAtt a.b`, ...), which become the long form (`{ Ref }`, `{ 'Fn::Sub' }`, ...)
 * the analyzer reads. Not part of the public API: `EgressAnalyzer.fromFile()` and the command line use it.
 */
import * as fs from 'fs';
import { LineCounter, parseDocument, isMap, isScalar, Scalar, YAMLMap, YAMLSeq, Pair } from 'yaml';
import type { ScalarTag, CollectionTag } from 'yaml';

/** The intrinsic functions with a short form, without `Fn::`; `Ref` and `Condition` have no `Fn::` prefix. */
const SHORT_FORMS = [
  'Ref', 'Condition', 'GetAtt', 'Sub', 'If', 'Equals', 'Join', 'Select', 'Split', 'FindInMap', 'ImportValue',
  'Not', 'And', 'Or', 'Cidr', 'GetAZs', 'Base64', 'Transform', 'ToJsonString', 'Length',
];

/** The long form of `!name value`. */
function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    // `!GetAtt Resource.Attribute`; the attribute may itself have dots (`Stack.Outputs.Name`).
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

/** Custom tags for the yaml library: each short form on a scalar, a sequence and a mapping. */
const CFN_TAGS: Array<ScalarTag | CollectionTag> = SHORT_FORMS.flatMap((name): Array<ScalarTag | CollectionTag> => [
  { tag: `!${name}`, resolve: (value: string) => longForm(name, value) } as ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (seq: YAMLSeq) => longForm(name, seq.toJSON()) } as unknown as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (map: YAMLMap) => longForm(name, map.toJSON()) } as unknown as CollectionTag,
]);

/** A template file that cannot be read or is not a CloudFormation template. */
export class TemplateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateFileError';
  }
}

/** Whether text is JSON rather than YAML (a JSON template starts with `{`). */
function looksLikeJson(file: string, text: string): boolean {
  return /\.json$/i.test(file) || text.trimStart().startsWith('{');
}

/** 1-based line and column of an offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/**
 * Parses the text of a template file (JSON, or YAML with short-form tags).
 *
 * @param file the file's name, for messages
 * @throws TemplateFileError naming the file, and the line where the text is malformed
 */
export function parseTemplateText(file: string, text: string): any {
  let template: unknown;
  if (looksLikeJson(file, text)) {
    try {
      template = JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const position = /position (\d+)/.exec(message);
      const where = position ? (({ line, column }) => `:${line}:${column}`)(lineColumn(text, Number(position[1]))) : '';
      throw new TemplateFileError(`${file}${where}: not valid JSON: ${message}`);
    }
  } else {
    const doc = parseDocument(text, { customTags: CFN_TAGS, prettyErrors: false, uniqueKeys: true });
    const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
    if (problem) {
      const { line, column } = lineColumn(text, problem.pos[0]);
      const what = problem.code === 'TAG_RESOLVE_FAILED' ? `${problem.message} (not an intrinsic function CloudFormation knows)` : problem.message;
      throw new TemplateFileError(`${file}:${line}:${column}: not valid YAML: ${what}`);
    }
    template = doc.toJS({ maxAliasCount: 1000 });
  }
  const t = template as { Resources?: unknown } | null;
  if (!t || typeof t !== 'object' || Array.isArray(t) || !t.Resources || typeof t.Resources !== 'object' || Array.isArray(t.Resources)) {
    throw new TemplateFileError(`${file}: not a CloudFormation template: it has no Resources section (a mapping of logical ids to resources)`);
  }
  return template;
}

/**
 * Reads a template file (JSON, or YAML with short-form tags).
 *
 * @throws TemplateFileError naming the file, when it cannot be read, is malformed or is not a template
 */
export function readTemplateFile(file: string): any {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'a directory, not a file' : err.message;
    throw new TemplateFileError(`${file}: cannot read the template: ${why}`);
  }
  return parseTemplateText(file, text);
}

/**
 * The 1-based line of each resource's logical id in a template's text (JSON or YAML), for reports that
 * point at a resource in the file. Resources whose line cannot be told are absent.
 */
export function resourceLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const counter = new LineCounter();
  const doc = parseDocument(text, { customTags: CFN_TAGS, lineCounter: counter });
  if (!isMap(doc.contents)) return lines;
  const resources = (doc.contents.items as Pair[]).find((p) => isScalar(p.key) && p.key.value === 'Resources')?.value;
  if (!isMap(resources)) return lines;
  for (const pair of resources.items as Pair[]) {
    const key = pair.key as Scalar | undefined;
    if (isScalar(key) && typeof key.value === 'string' && key.range) lines.set(key.value, counter.linePos(key.range[0]).line);
  }
  return lines;
}
