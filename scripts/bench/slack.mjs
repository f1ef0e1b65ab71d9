// Cold ack of the Slack Lambda: a fresh Node process loads dist/handlers/slack.js and answers a signed
// `/mesh help`; reported as a ratio to `node -e 0` (target ≤ 2.0×; a minimal Bolt AwsLambdaReceiver bundle,
// built here for reference, measures ~3×), plus the bundle size.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const name = 'slack: cold ack of /mesh help';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bundle = path.join(root, 'dist/handlers/slack.js');
const RUNS = 15;

function signedHelpScript(file) {
  const body = 'command=%2Fmesh&text=help&user_id=U1&channel_id=C1&team_id=T1&response_url=http%3A%2F%2F127.0.0.1%3A9%2F';
  return `const ts=Math.floor(Date.now()/1000);const body=${JSON.stringify(body)};
const sig='v0='+require('crypto').createHmac('sha256','bench-secret').update('v0:'+ts+':'+body).digest('hex');
require(${JSON.stringify(file)}).handler({version:'2.0',rawPath:'/slack/events',headers:{'content-type':'application/x-www-form-urlencoded','x-slack-request-timestamp':String(ts),'x-slack-signature':sig},body,isBase64Encoded:false,requestContext:{http:{method:'POST'}}},{})
.then(r=>{if(r.statusCode!==200)process.exit(3)})`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(args) {
  const env = { ...process.env, SLACK_SIGNING_SECRET: 'bench-secret', SLACK_BOT_TOKEN: 'xoxb-bench', MESH_AUDIT: 'off' };
  const samples = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(`${args.join(' ').slice(0, 60)} exited ${result.status}: ${result.stderr}`);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

async function minimalBoltBundle() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-bench-bolt-'));
  const entry = path.join(dir, 'bolt.ts');
  writeFileSync(entry, `import { App, AwsLambdaReceiver } from '@slack/bolt';
const receiver = new AwsLambdaReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET! });
const app = new App({ token: process.env.SLACK_BOT_TOKEN, botId: 'B1', botUserId: 'U1', receiver });
app.command('/mesh', async ({ ack }) => { await ack('ok'); });
const h = receiver.toHandler();
export const handler = (e: any, c: any) => h(e, c);
`);
  const outfile = path.join(dir, 'bolt.js');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, outfile, nodePaths: [path.join(root, 'node_modules')], logLevel: 'error' });
  return outfile;
}

export default async function run() {
  if (!existsSync(bundle)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const bare = time(['-e', '0']);
  const mesh = time(['-e', signedHelpScript(bundle)]);
  const bolt = time(['-e', signedHelpScript(await minimalBoltBundle())]);
  const kib = (file) => `${(statSync(file).size / 1024).toFixed(0)} KiB`;
  return [
    `node -e 0: ${bare.toFixed(1)} ms (median of ${RUNS})`,
    `mesh slack.js cold ack of signed /mesh help: ${mesh.toFixed(1)} ms = ${(mesh / bare).toFixed(2)}x node -e 0 (target <= 2.0x)`,
    `minimal Bolt AwsLambdaReceiver bundle, same request: ${bolt.toFixed(1)} ms = ${(bolt / bare).toFixed(2)}x (reference ~3.0x)`,
    `bundle size: dist/handlers/slack.js ${kib(bundle)}`,
  ];
}
