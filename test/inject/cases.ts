// The conformance table (../shared/conformance/istio-inject/CASES.md) turned into runnable cases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { injectionSettings, type InjectionSettings } from '../../src/inject';

export const CONFORMANCE = process.env.MESH_CONFORMANCE_DIR ?? path.resolve(__dirname, '../../../shared/conformance');
export const INJECT_DIR = path.join(CONFORMANCE, 'istio-inject/inject');

export interface Case {
  /** Unique id: golden file name (or input for error cases), plus the setting variant. */
  id: string;
  input: string;
  golden?: string;
  setting: string;
  note: string;
  options: { nativeSidecars: boolean; values?: object; meshConfig?: object };
  /** Error cases: text the error must contain (case-insensitive). */
  errorContains?: string;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur = target;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  cur[keys[keys.length - 1]] = value;
}

/** One row's setting column → the variants it asks for. Unknown settings throw (never skipped). */
export function settingVariants(setting: string): Array<{ label: string; options: Case['options'] }> {
  if (setting === 'default') return [{ label: 'default', options: { nativeSidecars: true } }];
  if (setting.startsWith('ENABLE_NATIVE_SIDECARS=false')) return [{ label: 'classic', options: { nativeSidecars: false } }];
  if (setting === 'default; same golden also with ENABLE_NATIVE_SIDECARS=false') {
    return [
      { label: 'default', options: { nativeSidecars: true } },
      { label: 'classic', options: { nativeSidecars: false } },
    ];
  }
  const m = /^(values|meshConfig)\.([\w.]+)=(.+)$/.exec(setting);
  if (m) {
    const overlay: Record<string, unknown> = {};
    const raw = m[3];
    setPath(overlay, m[2], raw === 'true' ? true : raw === 'false' ? false : raw);
    const options: Case['options'] = { nativeSidecars: true };
    if (m[1] === 'values') options.values = overlay;
    else options.meshConfig = overlay;
    return [{ label: setting, options }];
  }
  throw new Error(`CASES.md: setting not understood: ${setting}`);
}

export function loadCases(): Case[] {
  const md = readFileSync(path.join(CONFORMANCE, 'istio-inject/CASES.md'), 'utf8');
  const rows = md
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*(input|---)/.test(l))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const cases: Case[] = [];
  for (const [input, golden, setting, note] of rows) {
    for (const variant of settingVariants(setting)) {
      const error = /^\(none/.test(golden);
      const base = error ? input : golden;
      cases.push({
        id: setting.startsWith('default;') && variant.label === 'classic' ? `${base} [classic]` : base,
        input,
        golden: error ? undefined : golden,
        setting,
        note,
        options: variant.options,
        errorContains: error ? /contain "([^"]+)"/.exec(note)?.[1] : undefined,
      });
    }
  }
  return cases;
}

export function settingsFor(c: Case): InjectionSettings {
  return injectionSettings(c.options);
}

export function readInject(file: string): string {
  return readFileSync(path.join(INJECT_DIR, file), 'utf8');
}

/** Lines of a checked-in list file (comments and blank lines ignored). */
export function readList(file: string): string[] {
  return readFileSync(path.join(__dirname, file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}
