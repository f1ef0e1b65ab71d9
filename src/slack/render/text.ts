// Block Kit → terminal text, for the local console.
import type { Block } from './blocks';

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function blocksToText(blocks: readonly Block[] | undefined, fallback: string): string {
  if (!blocks || blocks.length === 0) return unescape(fallback);
  const lines: string[] = [];
  for (const block of blocks) {
    if (block.type === 'section') lines.push(unescape(block.text.text));
    else if (block.type === 'context') lines.push(block.elements.map((e) => unescape(e.text)).join('  '));
    else if (block.type === 'actions') lines.push(block.elements.map((b) => `[${b.text.text}]`).join(' '));
    else lines.push('───');
  }
  return lines.join('\n');
}
