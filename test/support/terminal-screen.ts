// What a terminal shows after some output: a minimal emulator of the few control sequences mesh's live output
// uses (carriage return, newline, cursor up, erase to end of line / screen) with lines wrapping at its width.
// It tells a redraw in place (one copy on screen) from a reprint (a second copy below the first).

export function screenAfter(output: string, columns = 80): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = () => (rows[row] ??= []);
  for (let i = 0; i < output.length; i += 1) {
    const ch = output[i]!;
    if (ch === '\x1b' && output[i + 1] === '[') {
      // eslint-disable-next-line no-control-regex -- ESC starts the sequences it interprets
      const match = /^\x1b\[(\d*)([A-Za-z])/.exec(output.slice(i));
      if (!match) throw new Error(`unknown escape sequence at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      const n = Number(match[1] || '1');
      if (match[2] === 'A') row = Math.max(0, row - n);
      else if (match[2] === 'F') [row, col] = [Math.max(0, row - n), 0];
      else if (match[2] === 'K') line().length = Math.min(line().length, col);
      else if (match[2] === 'J') {
        line().length = Math.min(line().length, col);
        rows.length = row + 1;
      } else throw new Error(`unsupported escape sequence ${match[0]}`);
      i += match[0].length - 1;
    } else if (ch === '\n') {
      row += 1;
      col = 0;
    } else if (ch === '\r') {
      col = 0;
    } else {
      if (col >= columns) {
        row += 1;
        col = 0;
      }
      const l = line();
      while (l.length < col) l.push(' ');
      l[col] = ch;
      col += 1;
    }
  }
  const text = rows.map((r) => (r ?? []).join('').trimEnd());
  while (text.length > 0 && text.at(-1) === '') text.pop();
  return text;
}
