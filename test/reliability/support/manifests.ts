// Hostile manifests for `mesh kube-inject`: byte flips, wrong types in every field of real workloads, deep
// nesting, huge scalars and documents, anchors and aliases. Shared by the jest share
// (test/reliability/kube-inject.test.ts) and the 10,000 of `npm run bench reliability`, same seed.
import fc from 'fast-check';
import { parse, stringify } from 'yaml';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, version: v1}
  annotations:
    deployment.kubernetes.io/revision: "3"
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}}
  template:
    metadata:
      labels: {app: web, version: v1}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
        sidecar.istio.io/proxyCPU: 100m
        traffic.sidecar.istio.io/excludeOutboundPorts: "3306"
    spec:
      serviceAccountName: web
      securityContext: {runAsUser: 1000, fsGroup: 2000}
      initContainers:
      - name: migrate
        image: registry.example.com/web-migrate:1.2
        command: [/bin/migrate, --up]
      containers:
      - name: web
        image: registry.example.com/web:1.2
        args: [--port=8080]
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        - {name: metrics, containerPort: 9090}
        env:
        - {name: MODE, value: production}
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        resources:
          requests: {cpu: 250m, memory: 256Mi}
          limits: {cpu: "1", memory: 1Gi}
        readinessProbe:
          httpGet: {path: /ready, port: http}
          periodSeconds: 5
        livenessProbe:
          tcpSocket: {port: 8080}
        startupProbe:
          exec: {command: [cat, /tmp/ready]}
        lifecycle:
          preStop: {exec: {command: [sleep, "5"]}}
        volumeMounts:
        - {name: data, mountPath: /data}
      volumes:
      - name: data
        emptyDir: {}
      tolerations:
      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
`;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: debug
  labels: {app: debug, sidecar.istio.io/inject: "true"}
  annotations:
    proxy.istio.io/config: |
      holdApplicationUntilProxyStarts: true
    sidecar.istio.io/interceptionMode: REDIRECT
spec:
  hostAliases:
  - {ip: 10.0.0.1, hostnames: [db.local]}
  dnsConfig: {options: [{name: ndots, value: "2"}]}
  containers:
  - name: app
    image: busybox
    command: [sh, -c, sleep 3600]
    securityContext: {capabilities: {add: [NET_ADMIN]}, runAsNonRoot: true}
`;

const STATEFUL = `apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  ports: [{port: 3306, targetPort: 3306}]
  selector: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: mysql
        image: mysql:8
        ports: [{containerPort: 3306}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

const CRONJOB_LIST = `apiVersion: v1
kind: List
items:
- apiVersion: batch/v1
  kind: CronJob
  metadata: {name: report}
  spec:
    schedule: "*/5 * * * *"
    jobTemplate:
      spec:
        template:
          spec:
            restartPolicy: OnFailure
            containers:
            - {name: report, image: report:1}
- apiVersion: apps/v1
  kind: DaemonSet
  metadata: {name: agent}
  spec:
    selector: {matchLabels: {app: agent}}
    template:
      metadata: {labels: {app: agent}}
      spec:
        hostNetwork: true
        containers:
        - {name: agent, image: agent:1}
`;

export const BASE_MANIFESTS = [DEPLOYMENT, POD, STATEFUL, CRONJOB_LIST];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value in the documents of `text`: the fields the engine reads, and the others. */
function pathsOf(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

const BASE_DOCS = BASE_MANIFESTS.map((text) => text.split(/^---\n/m).map((doc) => parse(doc) as Json));
const BASE_PATHS = BASE_DOCS.map((docs) => docs.map((doc) => pathsOf(doc).slice(1)));

const nested = (depth: number, open: string, close: string, leaf = '1') => open.repeat(depth) + leaf + close.repeat(depth);

const WRONG_VALUES: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, 0, -1, 1.5, 1e308, 2 ** 53 + 1, '', 'x', 'true', '0x1F', '1e3', '-', '*', '<<', '\u0000', true, false, [], {}, [1, 'a'], [null], { a: { b: [] } }),
  fc.constantFrom<Json>({ name: 1 }, [{ name: {} }], { containers: 'x' }, { '': '' }, { __proto__: 'x' } as Json, { 'sidecar.istio.io/inject': 7 }),
  fc.integer({ min: 1, max: 200 }).map((depth): Json => JSON.parse(nested(depth, '[', ']')) as Json),
  fc.constantFrom(1_000, 65_536, 1_048_576).map((size): Json => 'x'.repeat(size)),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

function setPath(root: Json, path: (string | number)[], value: Json): Json {
  if (path.length === 0) return value;
  let target = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, Json>;
  target[path.at(-1)!] = value;
  return root;
}

/** One to three fields of a real workload replaced by values of the wrong type. */
const wrongTypes = fc
  .tuple(fc.nat({ max: BASE_MANIFESTS.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.nat(), WRONG_VALUES), { minLength: 1, maxLength: 3 }))
  .map(([base, edits]) => {
    const docs = structuredClone(BASE_DOCS[base]!);
    for (const [docIndex, pathIndex, value] of edits) {
      const d = docIndex % docs.length;
      const paths = BASE_PATHS[base]![d]!;
      try {
        docs[d] = setPath(docs[d]!, paths[pathIndex % paths.length]!, structuredClone(value));
      } catch {
        // an earlier edit replaced a parent of this path: the document is already mutated there
      }
    }
    return docs.map((doc) => stringify(doc, { aliasDuplicateObjects: false })).join('---\n');
  });

const FLIP_CHARS = [':', '-', ' ', '\n', '\t', '[', ']', '{', '}', '&', '*', '!', '"', "'", '#', '|', '>', '%', '@', '`', ',', '?', '\0', '\r', '---\n', '\ufeff', '😀', '\ud800'];

/** A real manifest with one to eight characters replaced, inserted or deleted. */
const byteFlips = fc
  .tuple(
    fc.nat({ max: BASE_MANIFESTS.length - 1 }),
    fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat(), fc.oneof(fc.constantFrom(...FLIP_CHARS), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }))), { minLength: 1, maxLength: 8 }),
  )
  .map(([base, edits]) =>
    edits.reduce((text, [op, at, ch]) => {
      const p = at % (text.length + 1);
      return op === 0 ? text.slice(0, p) + ch + text.slice(p + 1) : op === 1 ? text.slice(0, p) + ch + text.slice(p) : text.slice(0, p) + text.slice(p + 1);
    }, BASE_MANIFESTS[base]!),
  );

/** Deep nesting in every notation, at depths around the limit and far beyond, on its own or inside a workload. */
const deepNesting = fc
  .tuple(fc.constantFrom('flow-seq', 'flow-map', 'block-map', 'block-seq', 'compact-seq', 'mixed'), fc.constantFrom(50, 99, 100, 101, 150, 1_000, 10_000, 300_000), fc.boolean())
  .map(([style, depth, inWorkload]) => {
    const blockDepth = Math.min(depth, 1_500); // indentation grows quadratically: keep the text under the size limit
    const value =
      style === 'flow-seq' ? nested(depth, '[', ']')
        : style === 'flow-map' ? nested(depth, '{a: ', '}')
          : style === 'compact-seq' ? `${'- '.repeat(depth)}1`
            : style === 'mixed' ? nested(Math.min(depth, 50_000), '[{a: ', '}]')
              : Array.from({ length: blockDepth }, (_, i) => `${' '.repeat(i)}${style === 'block-map' ? 'a:' : '-'}`).join('\n') + ' 1';
    if (!inWorkload || style === 'block-map' || style === 'block-seq' || style === 'compact-seq') return `${value}\n`;
    return DEPLOYMENT.replace('prometheus.io/port: "9090"', `prometheus.io/port: ${value}`);
  });

/** Huge scalars (up to and past the 4 MiB limit) and huge documents (many containers, env vars, annotations, documents). */
const huge = fc
  .tuple(fc.constantFrom('plain', 'quoted', 'literal', 'containers', 'env', 'annotations', 'documents'), fc.constantFrom(0.01, 0.1, 0.5, 0.97, 1.05))
  .map(([shape, fraction]) => {
    const bytes = Math.floor(4 * 1024 * 1024 * fraction);
    switch (shape) {
      case 'plain':
        return DEPLOYMENT.replace('image: registry.example.com/web:1.2', `image: ${'x'.repeat(bytes)}`);
      case 'quoted':
        return DEPLOYMENT.replace('deployment.kubernetes.io/revision: "3"', `deployment.kubernetes.io/revision: "${'\\u00e9'.repeat(bytes / 6)}"`);
      case 'literal':
        return POD.replace('holdApplicationUntilProxyStarts: true', `${'holdApplicationUntilProxyStarts: true\n      '.repeat(bytes / 46)}`);
      case 'containers':
        return POD.replace('  containers:\n', `  containers:\n${'  - {name: c, image: i, ports: [{containerPort: 80}]}\n'.repeat(Math.min(bytes / 52, 400))}`);
      case 'env':
        return DEPLOYMENT.replace('        - {name: MODE, value: production}\n', '        - {name: MODE, value: production}\n'.repeat(Math.min(bytes / 42, 5_000)));
      case 'annotations':
        return POD.replace('  annotations:\n', `  annotations:\n${Array.from({ length: Math.min(bytes / 20, 5_000) }, (_, i) => `    k${i}: v\n`).join('')}`);
      default:
        return `${'kind: ConfigMap\ndata: {a: b}\n---\n'.repeat(Math.min(bytes / 30, 9_000))}${DEPLOYMENT}`;
    }
  });

/** Anchors and aliases: shared subtrees, merge keys, alias bombs, undefined and self-referencing anchors. */
const anchors = fc
  .tuple(fc.constantFrom('shared', 'merge', 'merge-scalar', 'bomb', 'undefined', 'recursive', 'key', 'wide'), fc.integer({ min: 2, max: 12 }))
  .map(([shape, n]) => {
    switch (shape) {
      case 'shared':
        return DEPLOYMENT.replace('labels: {app: web, version: v1}\n  annotations', 'labels: &l {app: web, version: v1}\n  annotations').replace('matchLabels: {app: web}', 'matchLabels: *l');
      case 'merge':
        return DEPLOYMENT.replace('      - name: web\n', '      - &c {name: base, image: base}\n      - <<: *c\n        name: web\n');
      case 'merge-scalar':
        return DEPLOYMENT.replace('      - name: web\n', '      - <<: &s plain\n        name: web\n');
      case 'bomb': {
        const levels = Array.from({ length: n }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`);
        return `l0: &l0 [lol]\n${levels.join('\n')}\nkind: Pod\n`;
      }
      case 'undefined':
        return DEPLOYMENT.replace('replicas: 2', 'replicas: *nowhere');
      case 'recursive':
        return DEPLOYMENT.replace('emptyDir: {}', 'emptyDir: &e {self: *e}');
      case 'key':
        return DEPLOYMENT.replace('    metadata:\n      labels', '    metadata:\n      &k labels').replace('  replicas: 2', '  *k : 2');
      default:
        return `${Array.from({ length: n * 20 }, (_, i) => `a${i}: &a${i} {x: ${i}}`).join('\n')}\n${Array.from({ length: n * 20 }, (_, i) => `b${i}: *a${i}`).join('\n')}\n`;
    }
  });

export type ManifestShape = 'wrong-types' | 'byte-flips' | 'deep-nesting' | 'huge' | 'anchors';

/** The generator behind the 10,000 (benchmark) and the jest share, each case tagged with how it was made. */
export const hostileManifest: fc.Arbitrary<{ shape: ManifestShape; text: string }> = fc.oneof(
  { weight: 5, arbitrary: wrongTypes.map((text) => ({ shape: 'wrong-types' as const, text })) },
  { weight: 5, arbitrary: byteFlips.map((text) => ({ shape: 'byte-flips' as const, text })) },
  { weight: 1, arbitrary: deepNesting.map((text) => ({ shape: 'deep-nesting' as const, text })) },
  { weight: 1, arbitrary: huge.map((text) => ({ shape: 'huge' as const, text })) },
  { weight: 1, arbitrary: anchors.map((text) => ({ shape: 'anchors' as const, text })) },
);

/** Undefined when a refusal reads as promised: one line that names the file, and the line unless the whole input is at fault. */
export function unclearRefusal(message: string, file: string): string | undefined {
  if (message.includes('\n')) return `more than one line: ${JSON.stringify(message.slice(0, 300))}`;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!new RegExp(`^${escaped}:(\\d+: |\\s)`).test(message)) return `does not name ${file} and a line: ${message.slice(0, 300)}`;
  if (/\n\s+at |\[object Object\]|undefined|TypeError|RangeError/.test(message)) return `looks like a crash: ${message.slice(0, 300)}`;
  return undefined;
}
