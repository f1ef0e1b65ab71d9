// The layers of src/, as code: which folder may import which. test/architecture/imports.test.ts fails on any
// import this map does not allow, and on a docs/architecture.md whose layer table is not the one layerTable()
// renders from it. To move a boundary, change it here; the test prints the table to paste into the doc.
//
// The modules directly under src/ (errors.ts, json-object.ts, …) are the root modules: every folder may import
// them, and they import nothing of the project.

/** Everything of src/ (the doors at the top: every engine, adapter and door below them). */
export const ANY_OF_SRC = 'any folder of src/';

export interface Layer {
  /** A folder of the repository (`src/kube`, `handlers`). */
  folder: string;
  /** What lives there, one line for the doc's table. */
  holds: string;
  /**
   * What its modules may import besides the root modules and themselves: folders (`src/kube`, everything under it)
   * or single modules (`src/kube/label-selector.ts`, that module alone).
   */
  mayImport: readonly string[] | typeof ANY_OF_SRC;
}

/** From the bottom layer up: a folder imports only folders listed before it. */
export const LAYERS: readonly Layer[] = [
  { folder: 'src/istio', holds: "Istio's vocabulary: labels, annotations, the proxy container, `istio-system`, ignored namespaces, the injector webhook's name", mayImport: [] },
  { folder: 'src/command', holds: 'the `/mesh` grammar toolkit (pure): characters, options, names, steps, weights, one-line errors; the verb spec (`defineVerb`), permissions, suggestions', mayImport: [] },
  { folder: 'src/gotemplate', holds: "Go's `text/template` (lexer, parser, templates compiled to closures, `fmt` printing, Sprig), for injector configs' own templates", mayImport: [] },
  { folder: 'src/yaml', holds: 'YAML reading with file-and-line errors, the Go-compatible emitter, manifests one document at a time', mayImport: [] },
  { folder: 'src/git', holds: 'the pure-JS Git adapter (isomorphic-git over smart HTTP)', mayImport: [] },
  { folder: 'src/kube', holds: 'the one Kubernetes adapter: requests, get/list/apply/patch/delete, ensure-namespace, watch-until, leases, forbidden errors, node lookup, kubeconfig resolution, the pure label-selector matcher', mayImport: [] },
  { folder: 'src/cluster', holds: 'the local control plane and real Istio on it (`istio.ts`: what of istioctl\'s manifest is applied, how istiod runs)', mayImport: ['src/istio'] },
  { folder: 'src/aws', holds: 'SigV4, Secrets/SSM, Step Functions, EKS tokens', mayImport: ['src/kube'] },
  { folder: 'src/inject', holds: 'the injection engine (`injectPod`, istio\'s `pkg/kube/inject`): policy, the built-in injector (the pinned chart\'s templates) and injector configs, rendered with `gotemplate`', mayImport: ['src/yaml', 'src/gotemplate', 'src/istio', 'src/kube/label-selector.ts'] },
  { folder: 'src/webhook', holds: "mesh's own injector webhook: server, AdmissionReviews, certificates, install", mayImport: ['src/inject', 'src/kube', 'src/istio', 'src/yaml'] },
  { folder: 'src/injector', holds: "where an injection comes from (the cluster's injector webhook, its ConfigMaps, or the built-in engine) and the AdmissionReview client for istiod's webhook", mayImport: ['src/inject', 'src/kube', 'src/istio'] },
  { folder: 'src/autoinject', holds: 'automatic injection: namespace labels, coverage, drift, the probe', mayImport: ['src/kube', 'src/webhook', 'src/istio'] },
  { folder: 'src/rollout', holds: 'staged rollouts: plans, readiness rules, the engine, locks, history — no presentation', mayImport: ['src/command', 'src/inject', 'src/injector', 'src/kube', 'src/yaml'] },
  { folder: 'src/traffic', holds: "traffic shifting between a Service's versions: routes planned from the workloads' `version` labels (pure), mesh's DestinationRule and VirtualService written through src/kube, shifts recorded in the app's history", mayImport: ['src/kube', 'src/rollout'] },
  { folder: 'src/apps', holds: 'the app registry, reference resolution, named clusters, apps from Git', mayImport: ['src/rollout', 'src/git', 'src/kube', 'src/aws', 'src/command'] },
  { folder: 'src/rbac', holds: "the bot's RBAC generated from the registry (a Role per app namespace), the install role", mayImport: ['src/apps', 'src/rollout', 'src/kube'] },
  { folder: 'src/jobs', holds: 'what a `/mesh` request does, as resumable steps; one module per verb in `src/jobs/verbs/` (its grammar and its job); reports through the `JobReporter` port, knows no Slack', mayImport: ['src/apps', 'src/rollout', 'src/traffic', 'src/autoinject', 'src/inject', 'src/injector', 'src/aws', 'src/command'] },
  { folder: 'src/slack', holds: 'the Slack door: signed requests, front door, policy, Web API, the `JobReporter` implementation; Slack markup only under `src/slack/render/`', mayImport: ['src/jobs', 'src/rollout', 'src/autoinject', 'src/aws', 'src/command'] },
  { folder: 'src/console', holds: 'the local console: the Slack door on a loopback Slack stand-in, the job runner in-process', mayImport: ['src/slack', 'src/jobs', 'src/apps', 'src/cluster', 'src/kube'] },
  { folder: 'src/cli', holds: 'the `mesh` CLI: one file per command, registered in `src/cli/commands.ts`; runs the jobs of `src/jobs` with a text `JobReporter`', mayImport: ANY_OF_SRC },
  { folder: 'handlers', holds: 'AWS Lambda entry points, thin: configuration from the environment, the request to the core, the answer back', mayImport: ['src/slack', 'src/jobs', 'src/apps', 'src/aws'] },
];

/** Map entries that name no earlier layer: a layer imports only from below, so the map itself has no cycle. */
export function entriesNotBelow(): string[] {
  return LAYERS.flatMap((layer, index) => layer.mayImport === ANY_OF_SRC ? [] : layer.mayImport
    .filter((entry) => !LAYERS.slice(0, index).some((below) => entry === below.folder || entry.startsWith(`${below.folder}/`)))
    .map((entry) => `${layer.folder} may import ${entry}, which is not a layer below it`));
}

/** The layer a file belongs to, or 'root' for a module directly under src/; undefined when no layer holds it. */
export function layerOf(file: string): Layer | 'root' | undefined {
  if (/^src\/[^/]+\.ts$/.test(file)) return 'root';
  return LAYERS.find((l) => file.startsWith(`${l.folder}/`));
}

function allows(entry: string, target: string): boolean {
  return entry.endsWith('.ts') ? target === entry : target.startsWith(`${entry}/`);
}

/** Every import of `files` (file → the project files it imports) that the map does not allow, as `from → to`. */
export function forbiddenImports(files: Map<string, string[]>): string[] {
  const problems: string[] = [];
  for (const [from, targets] of files) {
    const layer = layerOf(from);
    if (layer === undefined) {
      problems.push(`${from}: its folder is not in the layer map (test/architecture/layers.ts)`);
      continue;
    }
    for (const to of targets) {
      const target = layerOf(to);
      if (target === 'root' || target === layer) continue;
      const allowed = layer !== 'root' && target !== undefined
        && (layer.mayImport === ANY_OF_SRC ? to.startsWith('src/') : layer.mayImport.some((entry) => allows(entry, to)));
      if (!allowed) problems.push(`${from} → ${to}: ${layer === 'root' ? 'a root module of src/ imports nothing of the project' : `${layer.folder} may not import ${target === undefined ? 'a module outside the layer map' : target.folder}`}`);
    }
  }
  return problems.sort();
}

const code = (text: string) => `\`${text}\``;

/** The layer table of docs/architecture.md, rendered from the map (and the root modules found under src/). */
export function layerTable(rootModules: readonly string[]): string {
  const rows = [
    '| Path | What lives there | May import (besides the root modules) |',
    '|---|---|---|',
    `| ${rootModules.map(code).join(', ')} | the root modules, shared by every layer: the configuration read from the environment, the user-facing error, loose JSON, caches, names, the managed-by label, JSON Patch, loopback hosts, bounded response bodies | nothing |`,
    ...LAYERS.map((l) => {
      const imports = l.mayImport === ANY_OF_SRC ? ANY_OF_SRC : l.mayImport.length === 0 ? 'nothing' : l.mayImport.map(code).join(', ');
      return `| ${code(`${l.folder}/`)} | ${l.holds} | ${imports} |`;
    }),
  ];
  return rows.join('\n');
}
