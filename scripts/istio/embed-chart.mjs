#!/usr/bin/env node
// Embeds the injection templates and injector values of the pinned Istio release (the istio-discovery chart of the
// Go module istio.io/istio in the module cache, fetched by scripts/istio/build.sh or `go mod download`) into
// src/istio/istio-chart.json, which mesh's built-in injection renders with src/gotemplate. Run it after changing
// the pin; `--check` exits 1 when the committed file is not what the module gives (test/istio/istio-chart.test.ts
// runs it).
//
// What is taken from the chart, as its istio-sidecar-injector ConfigMap (templates/istiod-injector-configmap.yaml)
// takes it: each template named there with the file it reads (`<name>: |` followed by `.Files.Get "files/…"`), the
// files' bytes, and the values — the chart's defaults (`_internal_defaults_do_not_set` of values.yaml, no profile),
// picked as that ConfigMap picks them: global, sidecarInjectorWebhook, revision; cni and env as `pilot`;
// gateways.securityContext and gateways.seccompProfile as `gateways`.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUTPUT = path.join(ROOT, 'src/istio/istio-chart.json');
const CHART = 'manifests/charts/istio-control/istio-discovery';

function pinned() {
  const versions = readFileSync(path.join(ROOT, 'src/cluster/versions.ts'), 'utf8');
  const field = (name) => new RegExp(`export const ${name} = '([^']+)'`).exec(versions)?.[1];
  return { moduleVersion: field('ISTIO_MODULE_VERSION'), release: field('ISTIO_RELEASE') };
}

function moduleDir(moduleVersion) {
  const cache = process.env.MESH_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'mesh');
  return path.join(process.env.GOMODCACHE ?? path.join(cache, 'go/mod'), `istio.io/istio@${moduleVersion}`);
}

function pick(object, keys) {
  return Object.fromEntries(keys.filter((k) => object && k in object).map((k) => [k, object[k]]));
}

export function embeddedChart() {
  const { moduleVersion, release } = pinned();
  const chartDir = path.join(moduleDir(moduleVersion), CHART);
  const read = (file) => {
    try {
      return readFileSync(path.join(chartDir, file), 'utf8');
    } catch (e) {
      throw new Error(`embed-chart: cannot read ${file} of istio.io/istio@${moduleVersion} (${e.code}); run scripts/istio/build.sh or go mod download first`, { cause: e });
    }
  };
  const configMap = read('templates/istiod-injector-configmap.yaml');
  const templates = {};
  for (const m of configMap.matchAll(/^ +([\w.-]+): \|\n\{\{ \.Files\.Get "(files\/[^"]+)"/gm)) templates[m[1]] = m[2];
  if (!templates.sidecar) throw new Error(`embed-chart: no sidecar template found in ${CHART}/templates/istiod-injector-configmap.yaml`);
  const files = Object.fromEntries(Object.values(templates).map((file) => [file, read(file)]));
  const defaults = parse(read('values.yaml'), { version: '1.1' })._internal_defaults_do_not_set;
  const values = {
    ...pick(defaults, ['global', 'sidecarInjectorWebhook', 'revision']),
    pilot: pick(defaults, ['cni', 'env']),
    gateways: pick(defaults.gateways, ['securityContext', 'seccompProfile']),
  };
  return { module: `istio.io/istio@${moduleVersion}`, release, chart: CHART, templates, files, values };
}

function main() {
  const text = `${JSON.stringify(embeddedChart(), null, 1)}\n`;
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(OUTPUT, 'utf8');
    } catch {
      // compared below
    }
    if (committed !== text) {
      process.stderr.write(`embed-chart: ${path.relative(ROOT, OUTPUT)} is not what the pinned module gives; run node scripts/istio/embed-chart.mjs\n`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(OUTPUT, text);
  process.stdout.write(`${path.relative(ROOT, OUTPUT)}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
