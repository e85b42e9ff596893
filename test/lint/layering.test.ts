/**
 * The layering rule (.projenrc.ts, `import/no-restricted-paths` in .eslintrc.json), run through ESLint's
 * Node API with the project's own configuration, as `npx projen eslint` runs it:
 * - src/private/ is the leaf: it imports neither the constructs (src/*.ts) nor the analyzer (src/egress/);
 * - the analyzer (src/egress/) may import src/private/, not the constructs;
 * - the constructs (src/*.ts) may import src/private/, each other and the analyzer's entry point
 *   (src/egress/index.ts), not the analyzer's other files.
 *
 * typescript-eslint lints with type information (parserOptions.project), so a file that is not on disk
 * cannot be linted: each case lints the given text under the path of a real file of the zone.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadESLint } from 'eslint';

const ROOT = path.join(__dirname, '..', '..');
const RULE = 'import/no-restricted-paths';

/** The TypeScript files directly in src/<dir>, sorted, without index.ts (repository-relative paths). */
function filesIn(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, 'src', dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'index.ts')
    .sort()
    .map((f) => path.posix.join('src', dir, f));
}

const constructs = filesIn('');
const analyzer = filesIn('egress');
const leaf = filesIn('private');

/** The module specifier that imports `to` from the file `from` (both repository-relative). */
function specifier(from: string, to: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), to.replace(/(\/index)?\.ts$/, '')) || '.';
  return rel.startsWith('.') ? rel : `./${rel}`;
}

interface Finding { readonly ruleId: string | null; readonly fatal?: boolean; readonly message: string }

let lint: (filePath: string, imported: string) => Promise<Finding[]>;

beforeAll(async () => {
  // The projen eslint task sets ESLINT_USE_FLAT_CONFIG=false: the project's config is the legacy .eslintrc.json.
  const LegacyESLint = await loadESLint({ useFlatConfig: false });
  const eslint = new LegacyESLint({ cwd: ROOT });
  lint = async (filePath, imported) => {
    const code = `import * as imported from '${specifier(filePath, imported)}';\n\nexport const used = imported;\n`;
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, filePath) });
    const fatal = result.messages.filter((m) => m.fatal);
    if (fatal.length > 0) throw new Error(`${filePath}: ${fatal.map((m) => m.message).join('\n')}`);
    return result.messages.filter((m) => m.ruleId === RULE);
  };
  // The zones' paths are relative to the working directory, as when projen runs eslint.
  expect(process.cwd()).toBe(ROOT);
  expect([constructs.length, analyzer.length, leaf.length].every((n) => n >= 2)).toBe(true);
  // The first lint builds the TypeScript program for tsconfig.dev.json, which takes a few seconds.
  await lint(leaf[0], leaf[1]);
}, 60_000);

/** Lints `import * as imported from <imported>` in `filePath` and returns this rule's messages. */
async function findings(filePath: string, imported: string): Promise<string[]> {
  return (await lint(filePath, imported)).map((m) => m.message);
}

describe('src/private/ (the leaf layer)', () => {
  const file = () => leaf[0];

  test('must not import a construct', async () => {
    expect(await findings(file(), constructs[0])).toEqual([
      expect.stringMatching(/imported in restricted zone\. src\/private\/ is the leaf layer .*move the shared code down into src\/private\//),
    ]);
  });

  test('must not import the constructs\' entry point, src/index.ts', async () => {
    expect(await findings(file(), 'src/index.ts')).toHaveLength(1);
  });

  test('must not import the analyzer, its internals or its entry point', async () => {
    expect(await findings(file(), analyzer[0])).toEqual([expect.stringContaining('src/private/ is the leaf layer')]);
    expect(await findings(file(), 'src/egress/index.ts')).toEqual([expect.stringContaining('src/private/ is the leaf layer')]);
  });

  test('may import src/private/', async () => {
    expect(await findings(file(), leaf[1])).toEqual([]);
  });
});

describe('src/egress/ (the analyzer)', () => {
  const file = () => analyzer[0];

  test('must not import a construct', async () => {
    expect(await findings(file(), constructs[0])).toEqual([
      expect.stringMatching(/imported in restricted zone\. The analyzer \(src\/egress\/\) .*must not import the constructs/),
    ]);
  });

  test('must not import the package entry point, src/index.ts', async () => {
    expect(await findings(file(), 'src/index.ts')).toHaveLength(1);
  });

  test('may import src/private/ and the analyzer', async () => {
    expect(await findings(file(), leaf[0])).toEqual([]);
    expect(await findings(file(), analyzer[1])).toEqual([]);
  });
});

describe('src/*.ts (the constructs)', () => {
  const file = () => constructs[0];

  test('must not import the analyzer\'s internals', async () => {
    expect(await findings(file(), analyzer[0])).toEqual([
      expect.stringMatching(/imported in restricted zone\. The constructs must not import the analyzer's internals .*import its public API from '\.\/egress'/),
    ]);
  });

  test('may import the analyzer\'s entry point, src/private/ and another construct', async () => {
    expect(await findings(file(), 'src/egress/index.ts')).toEqual([]);
    expect(await findings(file(), leaf[0])).toEqual([]);
    expect(await findings(file(), constructs[1])).toEqual([]);
  });
});
