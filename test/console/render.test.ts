// The console's rendering of a rollout whose parent message Slack edits every 2 s for 3 minutes: on a pipe each
// line appears once (an edit prints only the lines that changed, an elapsed time alone is no change); on a
// terminal the message is one live block redrawn in place, with thread replies scrolling above it.
import { consoleRenderer } from '../../src/console/render';
import { LiveRegion, rowsOf } from '../../src/console/live-region';
import { ttyRenderer } from '../../src/cli/text-reporter';
import { renderRolloutParent } from '../../src/slack/render/rollout';
import type { RolloutView } from '../../src/jobs/progress';
import type { RolloutEvent } from '../../src/rollout';
import type { StandinEvent, StandinMessage } from '../../src/slack/standin';
import { screenAfter } from '../support/terminal-screen';

const T0 = Date.parse('2026-12-06T10:00:00Z');

/** A 3-minute rollout as the stand-in reports it: the parent posted, edited every 2 s, thread replies as objects get ready. */
function threeMinuteRollout(): StandinEvent[] {
  const events: StandinEvent[] = [];
  const message = (view: RolloutView, now: number, updates: number): StandinMessage => {
    const rendered = renderRolloutParent(view, now);
    return { channel: 'C0CONSOLE', ts: '1.000100', text: rendered.text, blocks: rendered.blocks, updates };
  };
  const view: RolloutView = { app: 'shop', namespace: 'prod', requestedBy: 'U0ALICE', rolloutId: 'prod.shop.x', status: 'queued', queuedAt: T0, stages: [] };
  events.push({ type: 'post', message: message(view, T0, 0) });
  view.status = 'running';
  view.startedAt = T0;
  view.stages = [{ name: 'db', status: 'running', startedAt: T0, applied: 3, ready: 0 }, { name: 'web', status: 'pending', applied: 0, ready: 0 }];
  for (let i = 1; i <= 90; i += 1) {
    const now = T0 + i * 2000;
    if (i % 30 === 0) {
      view.stages[0]!.ready += 1;
      events.push({ type: 'post', message: { channel: 'C0CONSOLE', ts: `2.${i}`, threadTs: '1.000100', text: `• \`deployment/db-${i / 30}\` ready`, updates: 0 } });
    }
    events.push({ type: 'update', message: message(view, now, i) });
  }
  view.stages[0] = { ...view.stages[0]!, status: 'done', finishedAt: T0 + 181_000 };
  view.stages[1] = { name: 'web', status: 'done', startedAt: T0 + 181_000, finishedAt: T0 + 183_000, applied: 1, ready: 1 };
  view.status = 'succeeded';
  view.finishedAt = T0 + 183_000;
  events.push({ type: 'update', message: message(view, T0 + 183_000, 91) });
  return events;
}

describe('console rendering of an edited message', () => {
  it('on a pipe prints every line once: 92 versions of the parent give its changed lines only', () => {
    let out = '';
    const renderer = consoleRenderer((text) => void (out += text));
    for (const event of threeMinuteRollout()) renderer.render(event);
    const lines = out.trimEnd().split('\n');
    expect(lines.filter((line, i) => lines.indexOf(line) !== i)).toEqual([]);
    expect(out).not.toContain('\x1b[');
    expect(lines.length).toBeLessThan(30);
    expect(lines[0]).toBe('┌ #1 mesh');
    expect(out).toContain('  #1 now │ Rollout of *shop* to `prod` — :rocket: running');
    expect(out).toContain('  #1 now │ :hourglass_flowing_sand: *db* — running for 2.0s · 0/3 ready');
    expect(out).toContain('  #1 now │ :hourglass_flowing_sand: *db* — running for 1m00s · 1/3 ready');
    expect(out).toContain('  #1 now │ Rollout of *shop* to `prod` — :white_check_mark: succeeded');
    expect(out).toContain('  #1 now │ *Done in 3m03s.* Stage durations: db 3m01s · web 2.0s.');
    expect(out).not.toContain('running for 4.0s');
  });

  it('on a terminal redraws the message in place: one copy on screen, in its last version, thread replies above it', () => {
    let out = '';
    const renderer = consoleRenderer((text) => void (out += text), { tty: true, columns: () => 100 });
    for (const event of threeMinuteRollout()) renderer.render(event);
    // eslint-disable-next-line no-control-regex -- the cursor-up and erase sequences are what is checked
    expect(out).toMatch(/\r\x1b\[\d+A\x1b\[J/);
    const screen = screenAfter(out, 100);
    expect(screen.filter((l) => l.startsWith('┌ #1 mesh'))).toEqual(['┌ #1 mesh']);
    expect(screen.slice(0, 3)).toEqual(['  ↳ #1 thread │ • `deployment/db-1` ready', '  ↳ #1 thread │ • `deployment/db-2` ready', '  ↳ #1 thread │ • `deployment/db-3` ready']);
    expect(screen[3]).toBe('┌ #1 mesh');
    expect(screen).toContain('│ Rollout of *shop* to `prod` — :white_check_mark: succeeded');
    expect(screen).toContain('│ *Done in 3m03s.* Stage durations: db 3m01s · web 2.0s.');
    expect(screen.join('\n')).not.toContain('running for');
  });

  it('on a terminal keeps what was on screen when the user types a command, and shows a later edit below it', () => {
    let out = '';
    const renderer = consoleRenderer((text) => void (out += text), { tty: true, columns: () => 100 });
    const events = threeMinuteRollout();
    for (const event of events.slice(0, 3)) renderer.render(event);
    renderer.freeze();
    renderer.print('mesh> /mesh help\n');
    renderer.render(events.at(-1)!);
    const screen = screenAfter(out, 100);
    expect(screen.filter((l) => l.startsWith('┌ #1 mesh'))).toEqual(['┌ #1 mesh', '┌ #1 mesh (updated)']);
    expect(screen.indexOf('mesh> /mesh help')).toBeLessThan(screen.indexOf('┌ #1 mesh (updated)'));
  });
});

describe('the live block', () => {
  it('counts wrapped rows, so a redraw erases exactly what it drew', () => {
    expect(rowsOf('12345\n1234567890ab\n', 5)).toBe(1 + 3);
    let out = '';
    const live = new LiveRegion((text) => void (out += text), () => 10);
    live.print('above\n');
    live.set('s', 'a status longer than ten columns');
    live.set('s', 'short');
    live.print('more above\n');
    expect(screenAfter(out, 10)).toEqual(['above', 'more above', 'short']);
    live.set('s', 'short');
    const before = out;
    live.set('s', 'short');
    expect(out).toBe(before);
  });
});

describe('mesh deploy on a terminal', () => {
  it('prints each event once and ends with no status block left over', () => {
    let out = '';
    const renderer = ttyRenderer({ stdout: (text) => void (out += text) }, () => 80);
    const base = { rolloutId: 'shop.web.x', app: 'web', namespace: 'shop', at: '2026-12-06T10:00:00.000Z' };
    const events: RolloutEvent[] = [
      { ...base, type: 'stage-started', stage: 'all', index: 0, total: 1 },
      { ...base, type: 'object-applied', stage: 'all', object: 'deployment/web', result: 'created' },
      { ...base, type: 'object-applied', stage: 'all', object: 'service/web', result: 'created' },
      { ...base, type: 'object-ready', stage: 'all', object: 'service/web', message: 'ready' },
    ];
    for (const event of events) renderer.onEvent(event);
    expect(screenAfter(out).at(-1)).toMatch(/^ {2}\[stage 1\/1 all\] 1\/2 ready after \d+s, waiting for deployment\/web$/);
    renderer.onEvent({ ...base, type: 'object-ready', stage: 'all', object: 'deployment/web', message: 'ready' });
    renderer.onEvent({ ...base, type: 'stage-done', stage: 'all', index: 0, durationMs: 1200 });
    renderer.stop();
    expect(screenAfter(out)).toEqual([
      'stage 1/1 all: applying', '  deployment/web created', '  service/web created', '  service/web ready', '  deployment/web ready', 'stage 1 all: ready in 1.2s',
    ]);
  });
});
