// A live status block at the bottom of a terminal, as build tools draw one: permanent lines scroll above it, and
// the block itself is redrawn in place (cursor up over its rows, erase to the end of the screen, draw again)
// whenever one of its parts changes — never reprinted below itself. Used by the console (live messages) and by
// `mesh deploy` on a terminal (the stage being waited for). Only for a TTY: a pipe gets plain lines instead.

// eslint-disable-next-line no-control-regex -- ESC starts the sequences it strips
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** How many terminal rows `text` (ending in a newline) takes at `columns` wide, long lines wrapping. */
export function rowsOf(text: string, columns: number): number {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil([...line.replace(ANSI, '')].length / Math.max(1, columns))), 0);
}

const withNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

export class LiveRegion {
  private readonly parts: { key: string; text: string }[] = [];
  private drawnRows = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number = () => 80,
  ) {}

  /** Permanent text: printed above the live block, which is drawn again below it. */
  print(text: string): void {
    if (text === '') return;
    this.redraw(withNewline(text));
  }

  /** Adds or replaces one part of the live block; nothing is written when it did not change. */
  set(key: string, text: string): void {
    const value = withNewline(text);
    const part = this.parts.find((p) => p.key === key);
    if (part?.text === value) return;
    if (part) part.text = value;
    else this.parts.push({ key, text: value });
    this.redraw('');
  }

  has(key: string): boolean {
    return this.parts.some((p) => p.key === key);
  }

  /** Parts in the block, oldest first. */
  keys(): string[] {
    return this.parts.map((p) => p.key);
  }

  /** Takes a part out of the block, leaving its last version on screen as permanent text. */
  freeze(key: string): void {
    const index = this.parts.findIndex((p) => p.key === key);
    if (index < 0) return;
    const [part] = this.parts.splice(index, 1);
    this.redraw(part!.text);
  }

  /** Leaves the whole block on screen as it is and starts a new, empty one below it (e.g. before other output). */
  freezeAll(): void {
    this.parts.length = 0;
    this.drawnRows = 0;
  }

  /** Erases the block entirely (e.g. when a command ends). */
  clear(): void {
    this.parts.length = 0;
    this.redraw('');
  }

  private redraw(permanent: string): void {
    const erase = this.drawnRows > 0 ? `\r\x1b[${this.drawnRows}A\x1b[J` : '';
    const block = this.parts.map((p) => p.text).join('');
    this.write(`${erase}${permanent}${block}`);
    this.drawnRows = rowsOf(block, this.columns());
    if (block === '') this.drawnRows = 0;
  }
}
