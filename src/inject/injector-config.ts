// Injector configurations: an explicit one (the `config` key of the istio-sidecar-injector ConfigMap, or a bare
// sidecar template, as istioctl's --injectConfigFile reads it) or the built-in one, the pinned Istio chart's own
// templates (src/istio/istio-chart.json, embedded by scripts/istio/embed-chart.mjs). Their templates are parsed
// once with Go's text/template semantics and rendered per pod with Istio's SidecarTemplateData.
import { parse as parseYaml } from 'yaml';
import { GoTemplate, TemplateExecError, TemplateParseError, fromJsonValue } from '../gotemplate';
import { errorMessage, UserError } from '../errors';
import { INJECTION_FUNCS } from './template-funcs';
import { parseOverlayYaml } from './overlay-yaml';
import { sidecarTemplateData, type TemplateDataInput } from './template-data';
import type { InjectorTemplates } from './settings';
import chart from '../istio/istio-chart.json';
import type { JsonObject } from '../json-object';

function fail(source: string, msg: string): never {
  throw new UserError(`${source}: ${msg}`);
}

function isMapping(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, source: string, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(source, `${field} must be a list of strings`);
  return v as string[];
}

function parseTemplate(name: string, text: string, source: string): GoTemplate {
  try {
    // Istio parses every template under the name "inject".
    return GoTemplate.parse('inject', text, INJECTION_FUNCS);
  } catch (e) {
    if (e instanceof TemplateParseError) fail(source, `template "${name}": ${e.message}`);
    throw e;
  }
}

/**
 * Parses an injector configuration as istioctl's --injectConfigFile does: a mapping with `templates` is an
 * inject.Config, anything else is the sidecar template itself. Every template is parsed up front (as
 * Istio does), so a template that does not parse or names a function Istio lacks fails here.
 */
export function parseInjectorConfig(text: string, source: string): InjectorTemplates {
  // The same config (a ConfigMap read again for each request) reuses its parsed and compiled templates.
  const key = `${source}\n${text}`;
  let parsed = parsedConfigs.get(key);
  if (!parsed) {
    parsed = parseInjectorConfigText(text, source);
    if (parsedConfigs.size >= PARSED_CONFIGS_KEPT) parsedConfigs.delete(parsedConfigs.keys().next().value!);
    parsedConfigs.set(key, parsed);
  }
  return parsed;
}

const PARSED_CONFIGS_KEPT = 8;
const parsedConfigs = new Map<string, InjectorTemplates>();

function parseInjectorConfigText(text: string, source: string): InjectorTemplates {
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: '1.1', maxAliasCount: 100 });
  } catch {
    doc = undefined;
  }
  const isConfig = isMapping(doc) && isMapping(doc.templates) && Object.keys(doc.templates).length > 0;
  if (!isConfig) {
    return {
      source, policy: 'enabled', defaultTemplates: ['sidecar'], aliases: {}, neverInjectSelector: [], alwaysInjectSelector: [],
      injectedAnnotations: {}, templates: new Map([['sidecar', parseTemplate('sidecar', text, source)]]),
    };
  }
  const cfg = doc as JsonObject;
  const policy = cfg.policy ?? 'enabled';
  if (policy !== 'enabled' && policy !== 'disabled') fail(source, `policy must be "enabled" or "disabled", not ${JSON.stringify(policy)}`);
  const templates = new Map<string, GoTemplate>();
  for (const [name, body] of Object.entries(cfg.templates as JsonObject)) {
    if (typeof body !== 'string') fail(source, `template "${name}" must be a string`);
    templates.set(name, parseTemplate(name, body, source));
  }
  const aliases: Record<string, string[]> = {};
  if (cfg.aliases !== undefined && cfg.aliases !== null) {
    if (!isMapping(cfg.aliases)) fail(source, 'aliases must be a mapping of names to lists of templates');
    for (const [k, v] of Object.entries(cfg.aliases)) aliases[k] = stringList(v, source, `aliases.${k}`);
  }
  const selectors = (field: string): JsonObject[] => {
    const v = cfg[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => !isMapping(x))) fail(source, `${field} must be a list of label selectors`);
    return v as JsonObject[];
  };
  const injected = cfg.injectedAnnotations ?? {};
  if (!isMapping(injected) || Object.values(injected).some((x) => typeof x !== 'string')) {
    fail(source, 'injectedAnnotations must be a mapping of strings');
  }
  const defaults = stringList(cfg.defaultTemplates, source, 'defaultTemplates');
  return {
    source,
    policy,
    defaultTemplates: defaults.length ? defaults : ['sidecar'],
    aliases,
    neverInjectSelector: selectors('neverInjectSelector'),
    alwaysInjectSelector: selectors('alwaysInjectSelector'),
    injectedAnnotations: injected as Record<string, string>,
    templates,
  };
}

let builtin: InjectorTemplates | undefined;

/**
 * The pinned release's injector as its chart writes the istio-sidecar-injector ConfigMap with default values:
 * every template the chart has, each file's text as the ConfigMap's block scalar holds it (trimmed, one newline).
 */
export function builtinInjector(): InjectorTemplates {
  if (builtin) return builtin;
  const source = `the built-in Istio ${chart.release} templates`;
  const hook = chart.values.sidecarInjectorWebhook;
  const files: Record<string, string> = chart.files;
  builtin = {
    source,
    policy: chart.values.global.proxy.autoInject === 'disabled' ? 'disabled' : 'enabled',
    defaultTemplates: ['sidecar'],
    aliases: {},
    neverInjectSelector: hook.neverInjectSelector,
    alwaysInjectSelector: hook.alwaysInjectSelector,
    injectedAnnotations: hook.injectedAnnotations,
    templates: new LazyTemplates(Object.entries(chart.templates).map(([name, file]) => [name, () => parseTemplate(name, `${files[file].trim()}\n`, source)])),
  };
  return builtin;
}

/**
 * Templates parsed when first asked for: a run of kube-inject renders one or two of the chart's eight, and parsing
 * and compiling the others would only cost memory (istioctl's peak is the bar) and start-up time.
 */
class LazyTemplates extends Map<string, GoTemplate> {
  private readonly pending: Map<string, () => GoTemplate>;

  constructor(entries: Array<[string, () => GoTemplate]>) {
    super();
    this.pending = new Map(entries);
  }

  override get(name: string): GoTemplate | undefined {
    let template = super.get(name);
    const parse = this.pending.get(name);
    if (!template && parse) {
      template = parse();
      super.set(name, template);
    }
    return template;
  }

  override has(name: string): boolean {
    return this.pending.has(name);
  }

  override keys(): MapIterator<string> {
    return this.pending.keys();
  }
}

/** The template names for a pod: `inject.istio.io/templates` or the defaults, aliases resolved. */
export function selectTemplates(injector: InjectorTemplates, annotations: Record<string, string>): string[] {
  const requested = annotations['inject.istio.io/templates'];
  const names = requested !== undefined ? String(requested).split(',').map((t) => t.trim()) : injector.defaultTemplates;
  return names.flatMap((n) => injector.aliases[n] ?? [n]);
}

const valuesCache = new WeakMap<object, unknown>();

/** Values as Go's encoding/json decodes them into map[string]interface{} (cached per settings object). */
export function goValues(values: JsonObject): unknown {
  let v = valuesCache.get(values);
  if (v === undefined) {
    v = fromJsonValue(JSON.parse(JSON.stringify(values)));
    valuesCache.set(values, v);
  }
  return v;
}

/** Renders template `name` for a pod; the partial pod it produces, parsed as Istio parses the YAML. */
export function renderInjectionTemplate(injector: InjectorTemplates, name: string, input: TemplateDataInput): JsonObject {
  const tmpl = injector.templates.get(name);
  if (!tmpl) {
    throw new UserError(`requested template "${name}" not found; have ${[...injector.templates.keys()].sort().join(', ')}`);
  }
  let text: string;
  try {
    text = tmpl.execute(sidecarTemplateData(input));
  } catch (e) {
    if (e instanceof TemplateExecError) throw new UserError(`${injector.source}: template "${name}": ${e.message}`);
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = parseOverlayYaml(text);
  } catch (e) {
    throw new UserError(`${injector.source}: template "${name}" rendered invalid YAML: ${errorMessage(e).split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isMapping(parsed)) throw new UserError(`${injector.source}: template "${name}" did not render a mapping`);
  return parsed;
}
