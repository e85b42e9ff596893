import * as fs from 'fs';
import * as path from 'path';
import * as root from '../../src';
import * as egress from '../../src/egress';

test('the analyzer is the jsii submodule `egress`, not part of the root namespace', () => {
  expect(root.egress.EgressAnalyzer).toBe(egress.EgressAnalyzer);
  expect(root.egress.EgressDestination).toBe(egress.EgressDestination);
  for (const name of Object.keys(egress)) {
    expect(Object.keys(root)).not.toContain(name);
  }
});

test('the submodule names its packages in every target language', () => {
  const jsiirc = JSON.parse(fs.readFileSync(path.join(__dirname, '../../src/egress/.jsiirc.json'), 'utf-8'));
  expect(jsiirc.targets).toEqual({
    java: { package: 'io.github.cdksagemakeregress.egress' },
    python: { module: 'cdk_sagemaker_egress.egress' },
    dotnet: { namespace: 'CdkSagemakerEgress.Egress' },
    go: { packageName: 'egress' },
  });
});
