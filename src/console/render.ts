// The stand-in's Slack traffic as terminal text: messages numbered in order, thread replies indented under their
// parent, ephemeral replies marked "only you". A message Slack edits in place (a rollout's parent, every 2 s while
// it runs) is shown as a terminal shows progress:
// - on a TTY, the messages posted since the last command form a live block at the bottom, redrawn in place;
//   thread replies and other output scroll above it;
// - on a pipe (a log, CI), an edit prints only its lines that changed, once each; a line whose only change is
//   an elapsed time ("running for 1m05s") is not a change.
import { blocksToText } from '../slack/render/text';
import type { StandinEvent, StandinMessage } from '../slack/standin';
import { LiveRegion } from './live-region';

const indent = (text: string, prefix: string) => text.split('\n').map((l) => `${prefix}${l}`).join('\n');

// Durations as formatDuration writes them (532ms, 12.3s, 1m05s): what changes in a running message every refresh.
const DURATION = /\b\d+m\d{2}s\b|\b\d+(?:\.\d+)?(?:ms|s)\b/g;
const withoutDurations = (line: string) => line.replace(DURATION, '…');

/** Live messages kept in the TTY block at most; older ones stay on screen as they last were. */
const MAX_LIVE_MESSAGES = 4;

export interface ConsoleRendererOptions {
  /** Draw live messages in place (the output is a terminal). */
  tty?: boolean;
  /** The terminal's width, for wrapped lines (default 80). */
  columns?: () => number;
}

export interface ConsoleRenderer {
  render(event: StandinEvent): void;
  /** Other output (the ack of a command): above the live block on a TTY. */
  print(text: string): void;
  /** Before the user's next command: the live block stays on screen as it is; later edits start a new one. */
  freeze(): void;
}

export function consoleRenderer(write: (text: string) => void, options: ConsoleRendererOptions = {}): ConsoleRenderer {
  const numbers = new Map<string, number>();
  const numberOf = (ts: string | undefined) => (ts ? numbers.get(ts) : undefined);
  const body = (m: StandinMessage) => blocksToText(m.blocks, m.text);
  const block = (m: StandinMessage, note = '') => `┌ #${numberOf(m.ts) ?? '?'} mesh${note}\n${indent(body(m), '│ ')}\n`;
  const live = options.tty ? new LiveRegion(write, options.columns) : undefined;
  const print = (text: string) => (live ? live.print(text) : write(text));
  // Pipe: every line of each message printed so far, without its durations.
  const shown = new Map<string, Set<string>>();

  const showLive = (m: StandinMessage, note = '') => {
    live!.set(m.ts, block(m, note));
    const keys = live!.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_LIVE_MESSAGES))) live!.freeze(old);
  };

  const updated = (m: StandinMessage) => {
    if (live) {
      showLive(m, live.has(m.ts) ? '' : ' (updated)');
      return;
    }
    const seen = shown.get(m.ts) ?? new Set<string>();
    shown.set(m.ts, seen);
    const changed = body(m).split('\n').filter((line) => !seen.has(withoutDurations(line)));
    for (const line of changed) seen.add(withoutDurations(line));
    if (changed.length > 0) write(`${changed.map((line) => `  #${numberOf(m.ts) ?? '?'} now │ ${line}`).join('\n')}\n`);
  };

  return {
    print,
    freeze: () => live?.freezeAll(),
    render(event) {
      switch (event.type) {
        case 'post': {
          const m = event.message;
          const parent = numberOf(m.threadTs);
          if (parent !== undefined) {
            print(`${indent(body(m), `  ↳ #${parent} thread │ `)}\n`);
            return;
          }
          numbers.set(m.ts, numbers.size + 1);
          if (live) return showLive(m);
          shown.set(m.ts, new Set(body(m).split('\n').map(withoutDurations)));
          write(block(m));
          return;
        }
        case 'update':
          updated(event.message);
          return;
        case 'ephemeral':
          print(`${indent(blocksToText(event.blocks, event.text), '(only you) ')}\n`);
          return;
        case 'file': {
          const where = numberOf(event.threadTs);
          const lines = event.content.split('\n').length;
          print(`  ↳ ${where !== undefined ? `#${where} thread │ ` : ''}file ${event.filename} (${lines} lines, "${event.title}")\n`);
          return;
        }
      }
    },
  };
}
