// AWS adapter cost on the Slack ack path: bundle size of src/aws (no AWS SDK) and the CPU cost of SigV4
// signing and of minting an EKS token.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const name = 'aws adapter (src/aws)';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function bundle(entry, dir, file) {
  const outfile = path.join(dir, file);
  await build({ entryPoints: [path.join(root, entry)], bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, outfile, logLevel: 'silent' });
  return outfile;
}

function perOp(fn, iterations) {
  for (let i = 0; i < 100; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations / 1000;
}

export default async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mesh-bench-aws-'));
  try {
    const light = await bundle('src/aws/index.ts', dir, 'aws.js');
    const token = await bundle('src/aws/eks-token.ts', dir, 'eks-token.js');
    const require = createRequire(import.meta.url);
    const aws = require(light);
    const eks = require(token);
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token'.repeat(100) };
    const body = JSON.stringify({ stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:m', name: 'n', input: '{}' });
    const signUs = perOp(
      () => aws.signRequest({ method: 'POST', url: 'https://states.eu-west-1.amazonaws.com/', headers: { 'x-amz-target': 'AWSStepFunctions.StartExecution' }, body }, { service: 'states', region: 'eu-west-1', credentials }),
      5000,
    );
    const tokenUs = perOp(() => eks.eksToken({ clusterName: 'prod', region: 'eu-west-1', credentials }), 5000);
    return [
      `src/aws bundle (StartExecution, secrets, SigV4; minified): ${(statSync(light).size / 1024).toFixed(1)} KiB, with aws4 (the signer) its only dependency`,
      `SigV4 sign of a StartExecution request: ${signUs.toFixed(1)} µs`,
      `EKS token mint (presigned STS URL, ${eks.eksToken({ clusterName: 'prod', region: 'eu-west-1', credentials }).length} chars with a 500-char session token): ${tokenUs.toFixed(1)} µs`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
