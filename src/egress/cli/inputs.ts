/**
 * What the command line analyzes: one template file (with its nested stacks' files), or every stack of
 * a CDK cloud assembly directory (cdk.out). Not part of the public API.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from './policy-file';
import { EgressTemplate } from '../egress-analyzer';
import { cdkNestedStackTemplates, inlineNestedStacks } from '../nested-stacks';
import { readTemplateFile, TemplateFileError } from '../template-file';

/** One stack to analyze. */
export interface Target {
  readonly name: string;
  readonly file: string;
  readonly template: any;
  readonly region?: string;
  readonly nestedStacks: { [logicalId: string]: any };
  /** The file of each nested stack, by its path. */
  readonly nestedFiles: Map<string, string>;
  readonly otherTemplates: EgressTemplate[];
  /** The file of each other template, by stack name. */
  readonly otherFiles: Map<string, string>;
}

/** A template file and the files of its nested stacks (`LOGICAL_ID=FILE`). */
export function fileTarget(file: string, nested: string[], stackName?: string): Target {
  const template = readTemplateFile(file);
  const nestedStacks: { [id: string]: any } = {};
  const nestedFiles = new Map<string, string>();
  for (const spec of nested) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--nested ${spec}: expected LOGICAL_ID=FILE, e.g. --nested NetworkStack=network.yaml`);
    const [id, nestedFile] = [spec.slice(0, eq), spec.slice(eq + 1)];
    nestedStacks[id] = readTemplateFile(nestedFile);
    nestedFiles.set(id, nestedFile);
  }
  const name = stackName ?? path.basename(file).replace(/\.(template\.)?(json|ya?ml|template)$/i, '');
  return { name, file, template, nestedStacks, nestedFiles, otherTemplates: [], otherFiles: new Map() };
}

interface StackArtifact { readonly name: string; readonly file: string; readonly region?: string; readonly dir: string }

/** Every stack of a cloud assembly directory, nested assemblies (stages) included. */
export function assemblyTargets(dir: string): Target[] {
  const stacks = assemblyStacks(dir, 0);
  if (stacks.length === 0) throw new UsageError(`${dir}: the cloud assembly has no stacks`);
  const templates = new Map(stacks.map((s) => [s.file, readTemplateFile(s.file)]));
  return stacks.map((s) => {
    const template = templates.get(s.file);
    // The other stacks of the same assembly join the analysis (Fn::ImportValue), as fromStack() does.
    const others = stacks.filter((o) => o.dir === s.dir && o.file !== s.file);
    const nestedStacks = cdkNestedStackTemplates(template, s.dir);
    return {
      name: s.name,
      file: s.file,
      template,
      region: s.region,
      nestedStacks,
      nestedFiles: new Map(),
      // with their own nested stacks
      otherTemplates: others.map((o) => {
        const other = templates.get(o.file);
        return { stackName: o.name, template: inlineNestedStacks(other, cdkNestedStackTemplates(other, o.dir)).template };
      }),
      otherFiles: new Map(others.map((o) => [o.name, o.file])),
    };
  });
}

function assemblyStacks(dir: string, depth: number): StackArtifact[] {
  const manifestFile = path.join(dir, 'manifest.json');
  let manifest: any;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    throw new TemplateFileError(`${dir}: not a CDK cloud assembly (cdk.out): cannot read manifest.json: ${(e as Error).message}`);
  }
  const found: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact?.type === 'aws:cloudformation:stack' && typeof artifact.properties?.templateFile === 'string') {
      const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1];
      found.push({
        name: artifact.properties.stackName ?? artifact.displayName ?? id,
        file: path.join(dir, artifact.properties.templateFile),
        region: region && region !== 'unknown-region' ? region : undefined,
        dir,
      });
    } else if (artifact?.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string' && depth < 5) {
      found.push(...assemblyStacks(path.join(dir, artifact.properties.directoryName), depth + 1));
    }
  }
  return found;
}
