/**
 * Benchmark of the egress analyzer (a script, not a test). Two apps are synthesized once into temporary
 * cloud assemblies, then analyzed as `cdk-sagemaker-egress analyze <cdk.out>` analyzes them (each stack
 * with the other stacks of its assembly):
 *
 * - the 9 reference configurations (test/scenarios/reference-configurations.ts), per configuration;
 * - a multi-stack app of 500 notebooks: one network stack (RestrictedEgressVpc with a NAT gateway, the PyPI
 *   allowlist and tightened NACLs, the richest model) and 10 workload stacks of 50 notebooks each, which
 *   use the network stack's VPC, subnets and security group through CloudFormation exports.
 *
 * Over repeated runs: loading (reading the templates, as the command line does), model build (every
 * stack's analyzer), full matrix (every workload x its expected destinations and the probes), the
 * synth-time policy plugin, and the command line end to end as a process (lib/bin, after
 * `npx projen compile`; skipped when lib/ is missing). Prints median (min-max) in milliseconds.
 *
 *   npx projen benchmark:egress [runs, default 15] [notebooks, default 500] [workload stacks, default 10]
 *
 * EGRESS_BENCHMARK=reference (or app) runs only that part.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { InternetEgress, NaclTightening, NoInternetNotebook, PypiAllowlistSecurityGroup, RestrictedEgressVpc } from '../src';
import { EgressAnalyzer, EgressDestination, EgressPolicy } from '../src/egress';
import { assemblyTargets, Target } from '../src/egress/cli/inputs';
import { addReferenceConfigurations } from '../test/scenarios/reference-configurations';

const runs = Number(process.argv[2] ?? 15);
const notebooks = Number(process.argv[3] ?? 500);
const workloadStacks = Number(process.argv[4] ?? 10);
/** EGRESS_BENCHMARK=reference or app: only that part. */
const only = process.env.EGRESS_BENCHMARK;
const cli = path.join(__dirname, '..', 'lib', 'bin', 'cdk-sagemaker-egress.js');

function synth(build: (app: App) => void): { dir: string; ms: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-bench-'));
  const started = performance.now();
  const app = new App({ outdir: dir });
  build(app);
  app.synth();
  return { dir, ms: performance.now() - started };
}

/**
 * The network stack and `stacks` workload stacks sharing `count` notebooks. The notebooks of a workload
 * stack share its security group (registered with the network: the endpoint group has a rule per group);
 * every other notebook also has the network stack's PyPI allowlist group.
 */
function multiStackApp(app: App, count: number, stacks: number): void {
  const networkStack = new Stack(app, 'BenchNetwork');
  const network = new RestrictedEgressVpc(networkStack, 'Network', {
    internetEgress: InternetEgress.natGateway({ natGateways: 1 }),
    naclTightening: NaclTightening.tightened(),
  });
  const pypi = new PypiAllowlistSecurityGroup(networkStack, 'Pypi', { network });
  for (let s = 0; s < stacks; s++) {
    const stack = new Stack(app, `BenchWorkloads${s}`);
    const group = new ec2.SecurityGroup(stack, 'NotebookSg', { vpc: network.vpc, allowAllOutbound: false, description: 'The notebooks of this stack' });
    network.allowWorkload(group);
    const first = Math.floor((count * s) / stacks);
    const last = Math.floor((count * (s + 1)) / stacks);
    for (let i = first; i < last; i++) {
      new NoInternetNotebook(stack, `Notebook${i}`, { network, securityGroups: i % 2 === 0 ? [group, pypi.securityGroup] : [group] });
    }
  }
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const digits = median >= 100 ? 0 : 1;
  return `${median.toFixed(digits)} (${sorted[0].toFixed(digits)}-${sorted[sorted.length - 1].toFixed(digits)})`;
}

/** Wall time, and the process's CPU time (user + system), which a busy machine disturbs less. */
function timed<T>(fn: () => T): { value: T; ms: number; cpu: number } {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - started, cpu: (used.user + used.system) / 1000 };
}

/** The analyzer of one stack of a cdk.out, as the command line makes it. */
function analyzerOf(t: Target): EgressAnalyzer {
  return EgressAnalyzer.fromTemplate(t.template, { region: t.region, nestedStacks: t.nestedStacks, otherTemplates: t.otherTemplates });
}
const destinationsOf = (a: EgressAnalyzer): EgressDestination[] => [...a.expectedDestinations(), ...a.probes()];

/** The full matrix of one analyzer: every workload x its expected destinations and the probes; returns the number of questions. */
function fullMatrix(analyzer: EgressAnalyzer): number {
  const destinations = destinationsOf(analyzer);
  const workloads = analyzer.workloads;
  for (const source of workloads) analyzer.matrix(source, destinations);
  return workloads.length * destinations.length;
}

interface Sample { load: number; model: number; matrix: number; cpu: number }

/** One run over `targets` (loaded from `dir` with `select`): load, model build and full matrix, each summed over the stacks. */
function run(dir: string, select: (targets: Target[]) => Target[]): Sample {
  const loaded = timed(() => select(assemblyTargets(dir)));
  const built = timed(() => loaded.value.map(analyzerOf));
  const matrix = timed(() => built.value.map(fullMatrix));
  return { load: loaded.ms, model: built.ms, matrix: matrix.ms, cpu: built.cpu + matrix.cpu };
}

function repeat(dir: string, select: (targets: Target[]) => Target[]): Sample[] {
  for (let i = 0; i < 2; i++) run(dir, select); // warm-up: let the JIT settle before measuring
  return Array.from({ length: runs }, () => run(dir, select));
}

function pluginTimes(dir: string): number[] {
  const templatePaths = assemblyTargets(dir).map((t) => t.file);
  const plugin = new EgressPolicy({});
  const context = { templatePaths, stackTemplates: [], accountId: undefined, region: undefined, appConstruct: new App() };
  plugin.validate(context);
  return Array.from({ length: runs }, () => timed(() => plugin.validate(context)).ms);
}

function cliTimes(dir: string, count: number): number[] | undefined {
  if (!fs.existsSync(cli)) return undefined;
  const once = () => {
    const result = spawnSync(process.execPath, [cli, 'analyze', dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${cli} analyze ${dir}: exit ${result.status}: ${result.stderr}`);
  };
  once();
  return Array.from({ length: count }, () => timed(once).ms);
}

const column = (text: string, width: number) => text.padEnd(width);
const row = (label: string, value: string) => console.log(`  ${label.padEnd(50)}${value}`);
const resourcesOf = (targets: Target[]) => targets.reduce((n, t) => n + Object.keys(t.template.Resources ?? {}).length, 0);
const cliText = (times: number[] | undefined) => (times ? stats(times) : 'skipped: run npx projen compile first');

/** The reference configurations, one at a time, then all of them as one cdk.out. */
function referenceConfigurations(): void {
  const reference = synth((app) => addReferenceConfigurations(app));
  console.log(`\nThe 9 reference configurations (synthesized once in ${(reference.ms / 1000).toFixed(1)} s; ` +
    'each analyzed with the other 8 templates, as the command line does)');
  console.log(`  ${column('configuration', 32)}  resources  workloads  questions  ${column('load', 16)}  ${column('model build', 16)}  full matrix`);
  const targets = assemblyTargets(reference.dir);
  for (const target of targets) {
    const analyzer = analyzerOf(target);
    const questions = analyzer.workloads.length * destinationsOf(analyzer).length;
    const samples = repeat(reference.dir, (all) => all.filter((t) => t.name === target.name));
    console.log(`  ${column(target.name, 32)}  ${String(resourcesOf([target])).padStart(9)}  ` +
      `${String(analyzer.workloads.length).padStart(9)}  ${String(questions).padStart(9)}  ${column(stats(samples.map((s) => s.load)), 16)}  ` +
      `${column(stats(samples.map((s) => s.model)), 16)}  ${stats(samples.map((s) => s.matrix))}`);
  }
  const all = repeat(reference.dir, (every) => every);
  row(`all 9 (${resourcesOf(targets)} resources): load`, stats(all.map((s) => s.load)));
  row('all 9: analysis after loading (model + matrix)', stats(all.map((s) => s.model + s.matrix)));
  row('all 9: policy plugin (EgressPolicy.validate)', stats(pluginTimes(reference.dir)));
  row('all 9: command line end to end (process)', cliText(cliTimes(reference.dir, Math.min(runs, 10))));
  fs.rmSync(reference.dir, { recursive: true, force: true });
}

/** The multi-stack app. */
function multiStack(): void {
  const multi = synth((app) => multiStackApp(app, notebooks, workloadStacks));
  const targets = assemblyTargets(multi.dir);
  const analyzers = targets.map(analyzerOf);
  const questions = analyzers.reduce((n, a) => n + a.workloads.length * destinationsOf(a).length, 0);
  const workloads = analyzers.reduce((n, a) => n + a.workloads.length, 0);
  console.log(`\nA ${notebooks}-notebook app: a network stack and ${workloadStacks} workload stacks using its exports ` +
    `(synthesized once in ${(multi.ms / 1000).toFixed(1)} s): ${targets.length} stacks, ${resourcesOf(targets)} resources, ` +
    `${workloads} workloads, ${questions} questions`);
  const samples = repeat(multi.dir, (all) => all);
  row(`load (read ${targets.length} templates)`, stats(samples.map((s) => s.load)));
  row(`model build (${targets.length} analyzers)`, stats(samples.map((s) => s.model)));
  row(`full matrix (${questions} questions)`, stats(samples.map((s) => s.matrix)));
  row('analysis after loading (model + matrix)', stats(samples.map((s) => s.model + s.matrix)));
  row('  the same, CPU time of the process', stats(samples.map((s) => s.cpu)));
  row('policy plugin (EgressPolicy.validate)', stats(pluginTimes(multi.dir)));
  row('command line end to end (process)', cliText(cliTimes(multi.dir, Math.min(runs, 5))));
  fs.rmSync(multi.dir, { recursive: true, force: true });
}

console.log(`egress analyzer benchmark: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ` +
  `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${runs} runs, milliseconds: median (min-max)`);
if (only !== 'app') referenceConfigurations();
if (only !== 'reference') multiStack();
