/**
 * A small interpreter for the subset of Amazon States Language serverless.yml uses (Task with
 * Parameters/Retry/Catch, Choice, Wait, Succeed, Fail), strict where AWS is strict (a Choice rule on a
 * missing field is a runtime error), so the jobs state machine can run against the real worker code.
 */
type Json = any;

export interface AslRun {
  end: 'Succeed' | 'Fail';
  output: Json;
  /** The data that reached the end state (a Fail state's output is its error instead). */
  final: Json;
  /** Every state entered, in order. */
  path: string[];
  waits: number[];
}

export type TaskFunction = (input: Json) => Promise<Json>;

export function jsonPath(data: Json, path: string): Json {
  if (path === '$') return data;
  if (!path.startsWith('$.')) throw new Error(`unsupported path ${path}`);
  let value = data;
  for (const key of path.slice(2).split('.')) {
    if (value === null || typeof value !== 'object' || !(key in value)) throw new Error(`States.Runtime: ${path} is not in the input`);
    value = value[key];
  }
  return value;
}

function intrinsic(expression: string, data: Json): Json {
  const format = /^States\.Format\('((?:[^'\\]|\\.)*)'((?:,\s*\$[\w.]*)*)\)$/.exec(expression);
  if (!format) return jsonPath(data, expression);
  const args = format[2]!.split(',').slice(1).map((p) => jsonPath(data, p.trim()));
  let i = 0;
  return format[1]!.replace(/\{\}/g, () => String(args[i++]));
}

export function applyParameters(template: Json, data: Json): Json {
  if (Array.isArray(template)) return template.map((t) => applyParameters(t, data));
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$') ? [key.slice(0, -2), intrinsic(value as string, data)] : [key, applyParameters(value, data)],
    ),
  );
}

function matches(rule: Json, data: Json): boolean {
  if (rule.And) return rule.And.every((r: Json) => matches(r, data));
  if (rule.Or) return rule.Or.some((r: Json) => matches(r, data));
  if (rule.Not) return !matches(rule.Not, data);
  if ('IsPresent' in rule) {
    let present = true;
    try {
      jsonPath(data, rule.Variable);
    } catch {
      present = false;
    }
    return present === rule.IsPresent;
  }
  const value = jsonPath(data, rule.Variable);
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('NumericGreaterThan' in rule) return typeof value === 'number' && value > rule.NumericGreaterThan;
  throw new Error(`unsupported Choice rule ${JSON.stringify(rule)}`);
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : 'Error');
const covers = (names: string[], error: unknown) => names.includes('States.ALL') || names.includes(errorName(error));

function setResult(data: Json, resultPath: string | undefined, result: Json): Json {
  if (resultPath === undefined || resultPath === '$') return result;
  return { ...data, [resultPath.replace(/^\$\./, '')]: result };
}

export async function runStateMachine(definition: Json, input: Json, task: TaskFunction, maxStates = 200): Promise<AslRun> {
  const path: string[] = [];
  const waits: number[] = [];
  let name: string = definition.StartAt;
  let data = input;
  while (path.length < maxStates) {
    path.push(name);
    const state = definition.States[name];
    switch (state.Type) {
      case 'Succeed':
        return { end: 'Succeed', output: data, final: data, path, waits };
      case 'Fail':
        return { end: 'Fail', output: { Error: state.Error, Cause: state.Cause }, final: data, path, waits };
      case 'Wait':
        waits.push(state.SecondsPath ? jsonPath(data, state.SecondsPath) : state.Seconds);
        name = state.Next;
        break;
      case 'Choice':
        name = (state.Choices as Json[]).find((rule) => matches(rule, data))?.Next ?? state.Default;
        if (!name) throw new Error('States.NoChoiceMatched');
        break;
      case 'Task': {
        const payload = state.Parameters ? applyParameters(state.Parameters, data) : data;
        const attempts = new Map<Json, number>();
        for (;;) {
          try {
            data = setResult(data, state.ResultPath, await task(payload));
            name = state.Next;
            break;
          } catch (error) {
            const retry = (state.Retry ?? []).find((r: Json) => covers(r.ErrorEquals, error));
            const used = attempts.get(retry) ?? 0;
            if (retry && used < retry.MaxAttempts) {
              attempts.set(retry, used + 1);
              waits.push(retry.IntervalSeconds * retry.BackoffRate ** used);
              continue;
            }
            const handler = (state.Catch ?? []).find((c: Json) => covers(c.ErrorEquals, error));
            if (!handler) return { end: 'Fail', output: { Error: errorName(error), Cause: (error as Error).message }, final: data, path, waits };
            data = setResult(data, handler.ResultPath, { Error: errorName(error), Cause: (error as Error).message });
            name = handler.Next;
            break;
          }
        }
        break;
      }
      default:
        throw new Error(`unsupported state type ${state.Type}`);
    }
  }
  throw new Error(`no end after ${maxStates} states: ${path.slice(-10).join(' → ')}`);
}
