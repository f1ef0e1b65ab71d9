// The stand-in's Slack traffic as terminal text: messages numbered in order, in-place updates re-printed with
// their number, thread replies indented under their parent, ephemeral replies marked "only you".
import { blocksToText } from '../slack/render/text';
import type { StandinEvent, StandinMessage } from '../slack/standin';

const indent = (text: string, prefix: string) => text.split('\n').map((l) => `${prefix}${l}`).join('\n');

export function consoleRenderer(write: (text: string) => void): (event: StandinEvent) => void {
  const numbers = new Map<string, number>();
  const numberOf = (ts: string | undefined) => (ts ? numbers.get(ts) : undefined);
  const body = (m: StandinMessage) => blocksToText(m.blocks, m.text);
  return (event) => {
    switch (event.type) {
      case 'post': {
        const m = event.message;
        const parent = numberOf(m.threadTs);
        if (parent !== undefined) {
          write(`${indent(body(m), `  ↳ #${parent} thread │ `)}\n`);
          return;
        }
        numbers.set(m.ts, numbers.size + 1);
        write(`┌ #${numbers.get(m.ts)} mesh\n${indent(body(m), '│ ')}\n`);
        return;
      }
      case 'update':
        write(`┌ #${numberOf(event.message.ts) ?? '?'} mesh (updated)\n${indent(body(event.message), '│ ')}\n`);
        return;
      case 'ephemeral':
        write(`${indent(blocksToText(event.blocks, event.text), '(only you) ')}\n`);
        return;
      case 'file': {
        const where = numberOf(event.threadTs);
        const lines = event.content.split('\n').length;
        write(`  ↳ ${where !== undefined ? `#${where} thread │ ` : ''}file ${event.filename} (${lines} lines, "${event.title}")\n`);
        return;
      }
    }
  };
}
