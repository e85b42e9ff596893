import { Fn, Token } from 'aws-cdk-lib';

/**
 * SageMaker's limit on a lifecycle script, in characters of its base64 encoding: the notebook
 * instance's OnCreate / OnStart `Content` and a Studio lifecycle configuration's content alike.
 */
export const MAX_LIFECYCLE_SCRIPT_CHARS = 16384;

/** The lifecycle script SageMaker runs: fail on the first error rather than start half-configured. */
export function lifecycleScript(commands: string[]): string {
  return ['#!/bin/bash', 'set -euo pipefail', ...commands, ''].join('\n');
}

/** The script as SageMaker takes it: base64, encoded by CloudFormation when it holds deploy-time values. */
export function lifecycleContent(commands: string[]): string {
  const text = lifecycleScript(commands);
  return Token.isUnresolved(text) ? Fn.base64(text) : Buffer.from(text, 'utf8').toString('base64');
}

/**
 * The error, if any, of a script over SageMaker's size limit. A script holding deploy-time values is
 * measured with them left out, so a script that fails here fails at deploy time too.
 */
export function lifecycleScriptErrors(prop: string, commands: string[]): string[] {
  const text = lifecycleScript(commands);
  const encoded = Buffer.from(Token.isUnresolved(text) ? withoutTokens(text) : text, 'utf8').toString('base64').length;
  if (encoded <= MAX_LIFECYCLE_SCRIPT_CHARS) return [];
  return [`${prop} must fit SageMaker's ${MAX_LIFECYCLE_SCRIPT_CHARS}-character lifecycle script limit (base64), got: ${encoded} characters — ` +
    'move the work into a script fetched from S3 and run it from a short command'];
}

/** Deploy-time values (`${Token[...]}`) removed: a lower bound of the deployed script's length. */
function withoutTokens(text: string): string {
  return text.replace(/\$\{Token\[[^\]]*\]\}/g, '');
}
