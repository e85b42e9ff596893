// The TypeScript examples in README.md and docs/*.md compile, and their relative links resolve.
//
// jsii-rosetta compiles the README's examples (through the .jsii assembly) but not docs/. Here every
// ```ts block of both is wrapped in rosetta/default.ts-fixture the way rosetta does it (imports and
// `declare` statements hoisted to the top, the rest in the fixture's `/// here` slot) and type-checked
// against the source, in one TypeScript program.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..', '..');
const docsDir = path.join(root, 'docs');

/** Markdown files checked: the README and every page under docs/. */
const markdownFiles = [
  'README.md',
  ...fs.readdirSync(docsDir).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`),
];

/** Pages whose examples show code that no longer compiles on purpose (links are still checked). */
const notCompiled: Record<string, string> = {
  'docs/MIGRATION.md': 'shows 0.x code next to its 1.0 form',
};

interface Block {
  readonly file: string;
  /** 1-based line of the first line of code (after the opening fence). */
  readonly line: number;
  readonly code: string;
}

interface Fence {
  readonly lang: string;
  readonly line: number;
  readonly lines: string[];
}

/** Fenced code blocks of a markdown text, with the 1-based line of their first line of content. */
function fences(text: string): Fence[] {
  const result: Fence[] = [];
  const lines = text.split('\n');
  let open: { marker: string; lang: string; line: number; lines: string[] } | undefined;
  lines.forEach((line, i) => {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
      if (m) open = { marker: m[1], lang: m[2].toLowerCase(), line: i + 2, lines: [] };
      return;
    }
    if (line.trim().startsWith(open.marker[0].repeat(open.marker.length)) && line.trim().replace(/[`~]/g, '') === '') {
      result.push({ lang: open.lang, line: open.line, lines: open.lines });
      open = undefined;
      return;
    }
    open.lines.push(line);
  });
  if (open) throw new Error(`unclosed code fence opened on line ${open.line - 1}`);
  return result;
}

function tsBlocks(file: string): Block[] {
  const text = fs.readFileSync(path.join(root, file), 'utf-8');
  return fences(text)
    .filter((f) => f.lang === 'ts' || f.lang === 'typescript')
    .map((f) => ({ file, line: f.line, code: f.lines.join('\n') }));
}

const fixture = fs.readFileSync(path.join(root, 'rosetta', 'default.ts-fixture'), 'utf-8');
const here = /[/]{3}[ \t]*here[ \t]*$/m;

/**
 * A block in the fixture, as rosetta builds it. Hoisted statements are blanked in place, so that a line
 * of the snippet keeps its offset from the start of the block.
 */
function wrap(block: Block): { source: string; snippetStart: number } {
  const sf = ts.createSourceFile('snippet.ts', block.code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let hoisted = '';
  let body = block.code;
  for (const statement of [...sf.statements].reverse()) {
    const isDeclare = ts.isVariableStatement(statement)
      && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement) || isDeclare) {
      const start = statement.getStart(sf);
      const text = block.code.slice(start, statement.end);
      hoisted = `${text}\n${hoisted}`;
      body = body.slice(0, start) + text.replace(/[^\n]/g, ' ') + body.slice(statement.end);
    }
  }
  const before = fixture.slice(0, fixture.search(here));
  const prefix = `${hoisted}${before}`;
  const after = fixture.slice(fixture.search(here)).replace(here, '');
  return { source: `${prefix}${body}\n${after}\nexport {};\n`, snippetStart: prefix.split('\n').length };
}

function compileExamples(blocks: Block[]): string[] {
  const files = new Map<string, { block: Block; source: string; snippetStart: number }>();
  blocks.forEach((block, i) => {
    const name = path.join(root, 'test', 'docs', '__examples__', `${i}-${block.file.replace(/[^\w.]/g, '_')}-L${block.line}.ts`);
    files.set(name, { block, ...wrap(block) });
  });
  const options: ts.CompilerOptions = {
    // jsii-rosetta's compiler options, with the package name mapped to the source.
    alwaysStrict: true,
    experimentalDecorators: true,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    noFallthroughCasesInSwitch: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noImplicitThis: true,
    resolveJsonModule: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
    paths: { 'cdk-sagemaker-egress': [path.join(root, 'src', 'index.ts')] },
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (f) => files.has(path.resolve(f)) || fileExists(f);
  host.readFile = (f) => files.get(path.resolve(f))?.source ?? readFile(f);
  host.getSourceFile = (f, languageVersion, onError, shouldCreate) => {
    const example = files.get(path.resolve(f));
    return example
      ? ts.createSourceFile(f, example.source, languageVersion, true, ts.ScriptKind.TS)
      : getSourceFile(f, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
  const errors: string[] = [];
  for (const [name, example] of files) {
    const sf = program.getSourceFile(name)!;
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line + 1;
      const snippetLine = line - example.snippetStart;
      const where = snippetLine >= 0 && snippetLine < example.block.code.split('\n').length
        ? `${example.block.file}:${example.block.line + snippetLine}`
        : `${example.block.file}:${example.block.line} (in the fixture around the block, line ${line})`;
      errors.push(`${where}: TS${d.code}: ${message}`);
    }
  }
  return errors;
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf-8');
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const outsideFences = text.replace(/^ {0,3}(`{3,}|~{3,})[\s\S]*?^ {0,3}\1[`~]*\s*$/gm, '');
  for (const m of outsideFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) result.add(m[1]);
  return result;
}

/** Relative links (inline and reference definitions) of a markdown file that do not resolve. */
function brokenLinks(file: string, text = fs.readFileSync(path.join(root, file), 'utf-8')): string[] {
  const lines = text.split('\n');
  const broken: string[] = [];
  let inFence: string | undefined;
  lines.forEach((raw, i) => {
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (!inFence) inFence = fence[1][0];
      else if (fence[1][0] === inFence && raw.trim().replace(/[`~]/g, '') === '') inFence = undefined;
      return;
    }
    if (inFence) return;
    const line = raw.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...line.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/g)].map((m) => m[1]),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
      const [target_path, anchor] = target.split('#', 2);
      const resolved = target_path === ''
        ? path.join(root, file) // an anchor in this page: checked against the page on disk
        : path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(target_path));
      if (!fs.existsSync(resolved)) {
        broken.push(`${file}:${i + 1}: ${target}: no such file`);
      } else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
        broken.push(`${file}:${i + 1}: ${target}: no heading with that anchor in ${path.relative(root, resolved)}`);
      }
    }
  });
  return broken;
}

test('every TypeScript example in README.md and docs/*.md compiles against the rosetta fixture', () => {
  const blocks = markdownFiles.filter((f) => !(f in notCompiled)).flatMap(tsBlocks);
  expect(blocks.length).toBeGreaterThan(10);
  expect(compileExamples(blocks)).toEqual([]);
});

test('the compile check reports the file and line of a block that does not compile', () => {
  const errors = compileExamples([{ file: 'docs/example.md', line: 40, code: "const x = 1;\nconst y: string = x;\nnew RestrictedEgressVpc(this, 'N');" }]);
  expect(errors).toEqual([expect.stringMatching(/^docs\/example\.md:41: TS2322:/)]);
});

test('every relative link in README.md and docs/*.md resolves', () => {
  expect(markdownFiles.flatMap((f) => brokenLinks(f))).toEqual([]);
});

test('the link check reports missing files and anchors, and ignores code and external links', () => {
  const text = [
    '[ok](docs/MIGRATION.md) [no anchor](docs/MIGRATION.md#readme-x) [gone](docs/nowhere.md)',
    '[anchor](docs/MIGRATION.md#the-default-internet-egress-is-none) [bad anchor](docs/MIGRATION.md#nope)',
    '`[code](missing.md)` [web](https://example.com/missing.md)',
    '```',
    '[fenced](missing.md)',
    '```',
    '[ref]: ./docs/missing.md',
  ].join('\n');
  expect(brokenLinks('README.md', text)).toEqual([
    'README.md:1: docs/MIGRATION.md#readme-x: no heading with that anchor in docs/MIGRATION.md',
    'README.md:1: docs/nowhere.md: no such file',
    'README.md:2: docs/MIGRATION.md#nope: no heading with that anchor in docs/MIGRATION.md',
    'README.md:7: ./docs/missing.md: no such file',
  ]);
});
