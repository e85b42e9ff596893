/**
 * The layering rule (.projenrc.ts, `import/no-restricted-paths` in .eslintrc.json), run through ESLint's
 * Node API on the project's own legacy configuration, as `npx projen eslint` runs it:
 * - src/private/ is the leaf: it imports neither the constructs (src/*.ts) nor the analyzer (src/egress/);
 * - the analyzer (src/egress/) may import src/private/, not the constructs;
 * - the constructs (src/*.ts) may import src/private/, each other and the analyzer's entry point
 *   (src/egress/index.ts), not the analyzer's other files.
 *
 * Each case lints one import, from a probe file in the zone, of a real file of another zone (the rule
 * ignores imports that do not resolve). Only this rule runs, without type information: with
 * parserOptions.project, typescript-eslint rejects a file that is not on disk and takes seconds to build
 * the TypeScript program, and the rule reads paths, not types.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadESLint } from 'eslint';

const ROOT = path.join(__dirname, '..', '..');
const RULE = 'import/no-restricted-paths';

/** A TypeScript file directly in src/<dir>, other than index.ts, looked up when a case runs (repository-relative). */
function fileIn(dir: string): string {
  const file = fs.readdirSync(path.join(ROOT, 'src', dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'index.ts')
    .sort()[0];
  if (!file) throw new Error(`no TypeScript file in src/${dir} to import`);
  return path.posix.join('src', dir, file);
}

const construct = () => fileIn('');
const analyzerFile = () => fileIn('egress');
const leafFile = () => fileIn('private');

/** The module specifier that imports `to` from the file `from` (both repository-relative). */
function specifier(from: string, to: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), to.replace(/(\/index)?\.ts$/, '')) || '.';
  return rel.startsWith('.') ? rel : `./${rel}`;
}

let lintImport: (filePath: string, imported: string) => Promise<string[]>;

beforeAll(async () => {
  // The zones' paths are relative to the working directory: the repository root, as when projen runs eslint.
  expect(process.cwd()).toBe(ROOT);

  // The projen eslint task sets ESLINT_USE_FLAT_CONFIG=false: the project's config is the legacy .eslintrc.json.
  const LegacyESLint = await loadESLint({ useFlatConfig: false });
  const config = await new LegacyESLint({ cwd: ROOT }).calculateConfigForFile(path.join(ROOT, leafFile()));
  expect(config.rules?.[RULE]?.[0]).toBe('error');
  const others = Object.fromEntries(Object.keys(config.rules ?? {}).filter((r) => r !== RULE).map((r) => [r, 'off' as const]));
  const eslint = new LegacyESLint({ cwd: ROOT, overrideConfig: { parserOptions: { project: null }, rules: others } });

  lintImport = async (filePath, imported) => {
    // An import that does not resolve is not checked: the case would prove nothing.
    if (!fs.existsSync(path.join(ROOT, imported))) throw new Error(`${imported} does not exist`);
    const code = `import * as imported from '${specifier(filePath, imported)}';\n\nexport const used = imported;\n`;
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, filePath) });
    const unexpected = result.messages.filter((m) => m.ruleId !== RULE);
    if (unexpected.length > 0) throw new Error(`${filePath}: ${unexpected.map((m) => m.message).join('\n')}`);
    return result.messages.map((m) => `${m.severity === 2 ? 'error' : 'warning'}: ${m.message}`);
  };
});

describe('src/private/ (the leaf layer)', () => {
  const probe = 'src/private/layering-probe.ts';
  const leafMessage = expect.stringMatching(
    /^error: Unexpected path ".*" imported in restricted zone\. src\/private\/ is the leaf layer .*move the shared code down into src\/private\//);

  test('must not import a construct', async () => {
    expect(await lintImport(probe, construct())).toEqual([leafMessage]);
  });

  test('must not import the package entry point, src/index.ts', async () => {
    expect(await lintImport(probe, 'src/index.ts')).toEqual([leafMessage]);
  });

  test('must not import the analyzer, neither its internals nor its entry point', async () => {
    expect(await lintImport(probe, analyzerFile())).toEqual([leafMessage]);
    expect(await lintImport(probe, 'src/egress/index.ts')).toEqual([leafMessage]);
  });

  test('holds in subdirectories too', async () => {
    expect(await lintImport('src/private/nested/layering-probe.ts', construct())).toEqual([leafMessage]);
  });

  test('may import src/private/', async () => {
    expect(await lintImport(probe, leafFile())).toEqual([]);
  });
});

describe('src/egress/ (the analyzer)', () => {
  const probe = 'src/egress/layering-probe.ts';
  const analyzerMessage = expect.stringMatching(
    /^error: Unexpected path ".*" imported in restricted zone\. The analyzer \(src\/egress\/\) .*must not import the constructs .*put code both need in src\/private\//);

  test('must not import a construct', async () => {
    expect(await lintImport(probe, construct())).toEqual([analyzerMessage]);
  });

  test('must not import the package entry point, src/index.ts', async () => {
    expect(await lintImport(probe, 'src/index.ts')).toEqual([analyzerMessage]);
  });

  test('may import src/private/ and the analyzer', async () => {
    expect(await lintImport(probe, leafFile())).toEqual([]);
    expect(await lintImport(probe, analyzerFile())).toEqual([]);
  });
});

describe('src/*.ts (the constructs)', () => {
  const probe = 'src/layering-probe.ts';

  test('must not import the analyzer\'s internals', async () => {
    expect(await lintImport(probe, analyzerFile())).toEqual([expect.stringMatching(
      /^error: Unexpected path "\.\/egress\/.*" imported in restricted zone\. The constructs must not import the analyzer's internals .*import its public API from '\.\/egress'/)]);
  });

  test('may import the analyzer\'s entry point, src/private/ and another construct', async () => {
    expect(await lintImport(probe, 'src/egress/index.ts')).toEqual([]);
    expect(await lintImport(probe, leafFile())).toEqual([]);
    expect(await lintImport(probe, construct())).toEqual([]);
  });
});
