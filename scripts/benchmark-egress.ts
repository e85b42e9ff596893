/**
 * Benchmark of the egress analyzer (a script, not a test): for an app with 1, 10 and 50 notebooks in one
 * RestrictedEgressVpc (NAT gateway, PyPI allowlist, tightened NACLs: the richest model), the time to
 * synthesize once, then over repeated runs the time to build the model from the template and to answer
 * the full matrix (every workload x the expected destinations and the probes), and the time of the
 * synth-time policy plugin. Prints median (min-max) in milliseconds.
 *
 *   npx projen benchmark:egress [runs, default 30]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App, Stack } from 'aws-cdk-lib';
import { InternetEgress, NaclTightening, NoInternetNotebook, PypiAllowlistSecurityGroup, RestrictedEgressVpc } from '../src';
import { EgressAnalyzer, EgressPolicy } from '../src/egress';

const runs = Number(process.argv[2] ?? 30);

function build(notebooks: number): { template: any; templatePath: string; synthMs: number } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'egress-bench-'));
  const started = performance.now();
  const app = new App({ outdir });
  const stack = new Stack(app, `Bench${notebooks}`);
  const network = new RestrictedEgressVpc(stack, 'Network', { internetEgress: InternetEgress.natGateway({ natGateways: 1 }), naclTightening: NaclTightening.tightened() });
  const pypi = new PypiAllowlistSecurityGroup(stack, 'Pypi', { network });
  for (let i = 0; i < notebooks; i++) {
    new NoInternetNotebook(stack, `Notebook${i}`, { network, securityGroups: i % 2 === 0 ? [pypi.securityGroup] : undefined });
  }
  const artifact = app.synth().getStackArtifact(stack.artifactId);
  return { template: artifact.template, templatePath: artifact.templateFullPath, synthMs: performance.now() - started };
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${median.toFixed(1)} (${sorted[0].toFixed(1)}-${sorted[sorted.length - 1].toFixed(1)})`;
}

function time(fn: () => void): number[] {
  for (let i = 0; i < 3; i++) fn(); // warm-up: let the JIT settle before measuring
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

console.log(`egress analyzer benchmark: node ${process.version}, ${os.cpus().length} CPUs, ${runs} runs each, milliseconds: median (min-max)`);
console.log('notebooks  resources  questions  synth (once)  model build     full matrix          policy plugin');
// Synthesize every size first, so that synthesis garbage and JIT warm-up do not land in the measurements.
const apps = [1, 10, 50].map((notebooks) => ({ notebooks, ...build(notebooks) }));
for (const { template } of apps) for (let i = 0; i < 5; i++) EgressAnalyzer.fromTemplate(template).report();
for (const { notebooks, template, templatePath, synthMs } of apps) {
  const analyzer = EgressAnalyzer.fromTemplate(template);
  const destinations = [...analyzer.expectedDestinations(), ...analyzer.probes()];
  const questions = analyzer.workloads.length * destinations.length;
  const model = time(() => EgressAnalyzer.fromTemplate(template));
  const matrix = time(() => {
    const a = EgressAnalyzer.fromTemplate(template);
    for (const source of a.workloads) a.matrix(source, destinations);
  });
  const plugin = new EgressPolicy({});
  const context = { templatePaths: [templatePath], stackTemplates: [], accountId: undefined, region: undefined, appConstruct: new App() };
  const policy = time(() => plugin.validate(context));
  console.log(`${String(notebooks).padStart(9)}  ${String(Object.keys(template.Resources).length).padStart(9)}  ${String(questions).padStart(9)}  ` +
    `${synthMs.toFixed(0).padStart(12)}  ${stats(model).padEnd(14)}  ${stats(matrix).padEnd(19)}  ${stats(policy)}`);
}
