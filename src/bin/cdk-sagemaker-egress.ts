#!/usr/bin/env node
// The package's `cdk-sagemaker-egress` binary (package.json "bin": lib/bin/cdk-sagemaker-egress.js).
import { main } from '../egress/cli';

process.exitCode = main(process.argv.slice(2));
