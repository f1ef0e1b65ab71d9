// Generated and mutated `/mesh` texts (seeded; the generator `npm run bench reliability` runs 100,000 of)
// through the grammar, then through the signed front door as deployed: always one clean ephemeral line, never
// a stack trace or a 5xx.
import { existsSync } from 'node:fs';
import { fc, test } from '@fast-check/jest';
import { FUZZ_SEED, grammarProblem, meshText, uncleanReply } from './support/commands';
import { leakedSecrets, startSlackDoor, type SlackDoor } from './support/slack-door';
import { BUNDLE } from '../slack/helpers/bundle-process';
import { READ_ONLY_PERMISSIONS } from '../../src/command/permissions';
import { permissionFor, type MeshCommand } from '../../src/jobs/verbs/command';

jest.setTimeout(120_000);

const CALLERS = [
  { user: 'U0ALICE', channel: 'C0OPS' },
  { user: 'U0PLATFORM', channel: 'C0RANDOM' },
  { user: 'U0EVE', channel: 'C0RANDOM' },
];

describe('the grammar', () => {
  test.prop([meshText], { seed: FUZZ_SEED, numRuns: 5000 })('answers every text with a command or a one-line error', (text) => {
    expect(grammarProblem(text)).toBeUndefined();
  });
});

describe('the signed front door (dist/handlers/slack.js)', () => {
  let door: SlackDoor;
  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build (npm test does)`);
    door = await startSlackDoor();
  });
  afterAll(() => door?.close());

  test.prop([meshText, fc.constantFrom(...CALLERS)], { seed: FUZZ_SEED, numRuns: 1500 })(
    'answers one clean ephemeral line, never a 5xx',
    async (text, caller) => {
      const { result } = await door.command(text, caller);
      expect(uncleanReply(result)).toBeUndefined();
    },
  );

  it('started jobs only for commands the policy allows, and leaked no secret', () => {
    expect(door.sfn.started.length).toBeGreaterThan(0);
    for (const { input } of door.sfn.started) {
      const job = input.job as { command: MeshCommand; user: string; channel: string };
      const readOnly = READ_ONLY_PERMISSIONS.includes(permissionFor(job.command));
      expect(readOnly || job.user === 'U0PLATFORM' || job.channel === 'C0OPS').toBe(true);
    }
    expect(door.bundle.stderr.filter((line) => /^\s+at |Error:/.test(line))).toEqual([]);
    expect(leakedSecrets(door.outputs())).toEqual([]);
  });
});
