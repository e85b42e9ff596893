import { spawnSync } from 'child_process';
import * as path from 'path';

/** The repository's root. */
export const ROOT = path.join(__dirname, '..', '..');
// The bin that ships runs lib/bin/cdk-sagemaker-egress.js; the tests run the same entry from source through ts-node.
const BIN = path.join(ROOT, 'src', 'bin', 'cdk-sagemaker-egress.ts');

/** The command line as a process, as a user runs it. */
export function spawnCli(...args: string[]) {
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register', BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.dev.json'), TS_NODE_TRANSPILE_ONLY: 'true' },
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
