// The CLI's reporter of jobs: what `mesh deploy`, `history`, `status` print and which exit code they end with,
// from the same job state and views chat's reporter gets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { RolloutEvent } from '../../src/rollout';
import { toProgress } from '../../src/jobs/rollout-progress';
import { initialJobState, type JobState } from '../../src/jobs/state';
import type { Job } from '../../src/jobs/job';
import { textReporter } from '../../src/cli/text-reporter';
import type { CliIO } from '../../src/cli/io';
import { runCli } from '../support/run-cli';

function capture() {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    stdin: Readable.from([]),
    env: {},
    cwd: '/',
    isTTY: false,
  };
  return { io, out };
}

const job: Job = { id: 'j', command: { kind: 'deploy', app: 'web', inject: false }, text: 'deploy web', user: 'me', channel: 'cli', requestedAt: 0 };
const ended = (outcome: JobState['outcome']): JobState => ({ ...initialJobState(job), phase: 'done', done: true, ...(outcome ? { outcome } : {}) });
const base = { rolloutId: 'shop.web.x', app: 'web', namespace: 'shop', at: '2026-12-06T10:00:00.000Z' };

describe('the CLI reporter of a job', () => {
  it('prints the engine\'s events on a pipe as they come, and a failure the engine told only once', () => {
    const { io, out } = capture();
    const reporter = textReporter('deploy', io);
    const report = reporter.startProgress('cli', 'web', 'shop', 'me', 0, { origin: 'commit 0123456789ab of shop @ main', cluster: 'prod' });
    const failed: RolloutEvent = { ...base, type: 'failed', reason: 'stage', stage: 'all', message: 'deployment/web failed', applied: ['deployment/web'] };
    reporter.rolloutEvent!({ ...base, type: 'stage-started', stage: 'all', index: 0, total: 1 });
    reporter.rolloutEvent!(failed);
    reporter.recordProgress(report, [toProgress(failed)]);
    expect(out.stdout).toBe('commit 0123456789ab of shop @ main, cluster prod\nstage 1/1 all: applying\nFAILED in stage all: deployment/web failed\n  applied so far: deployment/web\n');
    expect(out.stderr).toBe('');
    expect(reporter.exitCode(ended('failed'))).toBe(1);
  });

  it('says a failure that stopped the job outside the engine on stderr, as one line', () => {
    const { io, out } = capture();
    const reporter = textReporter('rollback', io);
    const report = reporter.startProgress('cli', 'web', 'shop', 'me', 0);
    reporter.recordProgress(report, [{ type: 'failed', at: 1, diagnosis: { summary: 'cluster (default) is unreachable (ECONNREFUSED); nothing was changed by this step' } }]);
    expect(out).toEqual({ stdout: '', stderr: 'mesh rollback: cluster (default) is unreachable (ECONNREFUSED); nothing was changed by this step\n' });
  });

  it('ends 0 done, 1 failed or refused, 2 on an error of mesh itself, 3 cancelled', () => {
    const { io } = capture();
    const reporter = textReporter('deploy', io);
    expect([reporter.exitCode(ended('succeeded')), reporter.exitCode(ended('failed')), reporter.exitCode(ended('cancelled'))]).toEqual([0, 1, 3]);
    reporter.messages.jobFailed('TypeError: x is undefined', true);
    expect(reporter.exitCode(ended('failed'))).toBe(2);
  });

  it('prints the history view as `mesh history` always did', async () => {
    const { io, out } = capture();
    const reporter = textReporter('history', io);
    const message = reporter.messages.history({
      app: 'helloworld', namespace: 'shop', limit: 10,
      revisions: [
        { revision: 2, outcome: 'succeeded', at: '2026-12-06T10:00:00Z', by: 'me@host (mesh CLI, pid 1)', objects: 0, traffic: 'helloworld: v1 100% → v1 80%, v2 20%' },
        { revision: 1, outcome: 'failed', reason: 'deadline', at: '2026-12-06T09:00:00Z', by: 'Slack user U1', approvedBy: ['U2'], planHash: 'abcdef0123456789', objects: 3 },
      ],
    });
    await reporter.deliver(job, { visibility: 'ephemeral', message });
    expect(out.stdout).toBe(
      [
        'helloworld in namespace shop, newest first:',
        '#2  succeeded  2026-12-06T10:00:00Z  by me@host (mesh CLI, pid 1)  traffic helloworld: v1 100% → v1 80%, v2 20%',
        '#1  failed (deadline)  2026-12-06T09:00:00Z  by Slack user U1  approved by U2  built-in  plan abcdef012345  3 object(s)',
        '',
      ].join('\n'),
    );
  });
});

describe('mesh status, history and deploy through the job, against a cluster that does not answer', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'mesh-text-reporter-'));
  // A real client against a closed port: the job's own error handling turns the refusal into one line.
  const kubeconfig = path.join(home, 'closed.yaml');
  writeFileSync(
    kubeconfig,
    ['apiVersion: v1', 'kind: Config', 'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]', 'users: [{name: u, user: {token: t}}]', 'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', ''].join('\n'),
  );
  const run = (argv: string[]) => runCli(argv, { env: { HOME: home, XDG_CACHE_HOME: home, PATH: process.env.PATH }, cwd: home });

  it.each([['status'], ['history'], ['rollback']])('mesh %s: one line on stderr, exit 1', async (command) => {
    const r = await run([command, 'guestbook', '-n', 'shop', '--kubeconfig', kubeconfig]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `mesh ${command}: cluster (default) is unreachable (ECONNREFUSED); nothing was changed by this step\n` });
  });

  it('mesh deploy --plan: one line on stderr, exit 1', async () => {
    const r = await run(['deploy', 'guestbook', '-n', 'shop', '--plan', '--kubeconfig', kubeconfig]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'mesh deploy: cluster (default) is unreachable (ECONNREFUSED); nothing was changed by this step\n' });
  });
});
