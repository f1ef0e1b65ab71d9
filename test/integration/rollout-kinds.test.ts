// Every object of a stage counts, whatever its kind, and a rollback deletes as kubectl does and only what mesh
// applied for the app — through `mesh deploy -f` and `mesh rollback`, on the local cluster (mesh-free).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createObject, deleteObject, getObject, listObjects, patchObject } from '../../src/kube/objects';
import { APPLIED_BY_ANNOTATION } from '../../src/rollout/ownership';
import { runCli } from '../support/run-cli';
import { kubeConfig, kubeconfigPath, waitUntil, withNamespace } from './setup/cluster';

const kc = kubeConfig();
let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'mesh-rollout-kinds-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A directory `<revision>/<app>` of manifest files: `mesh deploy -f` names the app after its base name. */
function appDir(app: string, revision: string, files: Record<string, string>): string {
  const dir = path.join(work, revision, app);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const mesh = (args: string[]) => runCli([...args, '--kubeconfig', kubeconfigPath()], { env: { PATH: process.env.PATH, HOME: work }, cwd: work });
const get = (apiVersion: string, kind: string, name: string, namespace?: string) => getObject(kc, { apiVersion, kind, metadata: { name, namespace } });

// Refers to a ServiceAccount and a ConfigMap, which the stage must therefore apply first.
const web = [
  'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: web}',
  'spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {serviceAccountName: web,',
  '  containers: [{name: web, image: "nginx:1.27", envFrom: [{configMapRef: {name: settings}}]}]}}}', '',
].join('\n');

describe('a stage of every common kind', () => {
  const ns = withNamespace('rollout-kinds');
  const cleanup: { apiVersion: string; kind: string; name: string }[] = [];
  afterAll(async () => {
    for (const o of cleanup) await deleteObject(kc, { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name } });
  });

  it('ConfigMap, ServiceAccount and Deployment (the issue\'s app): every object judged, ready in seconds, not at the deadline', async () => {
    const dir = appDir('three', 'r1', {
      'app.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {MODE: fast}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web}\n---\n${web}`,
    });
    const started = Date.now();
    const run = await mesh(['deploy', '-f', dir, '-n', ns.name, '--timeout', '60s']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(Date.now() - started).toBeLessThan(30_000);
    for (const object of ['configmap/settings', 'serviceaccount/web', 'deployment/web']) expect(run.stdout).toContain(`  ${object} ready`);
    // Dependency order within the one stage: what the Deployment refers to first, the Deployment last.
    const applied = run.stdout.split('\n').filter((l) => / (created|configured)$/.test(l)).map((l) => l.trim().split(' ')[0]);
    expect(applied.indexOf('deployment/web')).toBe(2);
    expect((await get('v1', 'ConfigMap', 'settings', ns.name))?.metadata.annotations?.[APPLIED_BY_ANNOTATION]).toBe(`${ns.name}/three`);
  });

  it('Secret, RBAC, NetworkPolicy, PDB, HPA, a PersistentVolume and its bound claim, a Namespace: each ready by its own rule', async () => {
    const pv = `pv-${ns.name}`;
    const extra = `${ns.name}-extra`;
    cleanup.push({ apiVersion: 'v1', kind: 'PersistentVolume', name: pv }, { apiVersion: 'v1', kind: 'Namespace', name: extra });
    const dir = appDir('kinds', 'r1', {
      'config.yaml': [
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {MODE: fast}`,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: s3cret}`,
        `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web}`,
        `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader}\nrules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]`,
        `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: web-reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects: [{kind: ServiceAccount, name: web}]`,
        `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}`,
        `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec: {minAvailable: 1, selector: {matchLabels: {app: web}}}`,
        `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, minReplicas: 1, maxReplicas: 2, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]}`,
        `apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: ${pv}}\nspec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], storageClassName: "", hostPath: {path: /tmp/${pv}}, persistentVolumeReclaimPolicy: Retain}`,
        `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec: {accessModes: [ReadWriteOnce], storageClassName: "", volumeName: ${pv}, resources: {requests: {storage: 1Gi}}}`,
        `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${extra}}`,
      ].join('\n---\n'),
      'web.yaml': web,
    });
    // A PersistentVolume and a Namespace are cluster-scoped: beyond what -f may touch unless allowed for the run.
    const run = await mesh(['deploy', '-f', dir, '-n', ns.name, '--timeout', '60s', '--allow-cluster-resources']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    for (const object of ['secret/creds', 'role/reader', 'rolebinding/web-reader', 'networkpolicy/web', 'poddisruptionbudget/web', 'horizontalpodautoscaler/web', `persistentvolume/${pv}`, 'persistentvolumeclaim/data', `namespace/${extra}`, 'deployment/web']) {
      expect(run.stdout).toContain(`  ${object} ready`);
    }
    expect((await get('v1', 'PersistentVolumeClaim', 'data', ns.name))?.status).toMatchObject({ phase: 'Bound' });
  });

  it('a custom resource listed before its CRD: the CRD is applied first, the resource once the API server serves its kind', async () => {
    const group = `${ns.name}.mesh.example.com`;
    cleanup.push({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `widgets.${group}` });
    const dir = appDir('widgets', 'r1', {
      'all.yaml': `apiVersion: ${group}/v1
kind: Widget
metadata: {name: first}
spec: {size: 3}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.${group}}
spec:
  group: ${group}
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
`,
    });
    const plan = await mesh(['deploy', '-f', dir, '-n', ns.name, '--plan', '--allow-cluster-resources']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ widget/first created');
    expect(plan.stdout).toContain(`+ customresourcedefinition/widgets.${group} created`);
    const run = await mesh(['deploy', '-f', dir, '-n', ns.name, '--timeout', '60s', '--allow-cluster-resources']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const applied = run.stdout.split('\n').filter((l) => / created$/.test(l)).map((l) => l.trim().split(' ')[0]);
    expect(applied).toEqual([`customresourcedefinition/widgets.${group}`, 'widget/first']);
    expect(run.stdout).toContain(`  customresourcedefinition/widgets.${group} ready`);
    expect(run.stdout).toContain('  widget/first ready');
    expect((await get(`${group}/v1`, 'Widget', 'first', ns.name))?.spec).toEqual({ size: 3 });
  });
});

describe('mesh rollback deletes as kubectl does, and only what mesh applied for the app', () => {
  const ns = withNamespace('rollout-prune');
  const config = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: v}\n`;
  const base = { 'settings.yaml': config('settings'), 'sa.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web}\n', 'web.yaml': web };

  it("a removed Job goes with its pods (Background propagation: the garbage collector removes them); someone else's objects of the same names stay", async () => {
    const job = `apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "busybox:1.36", command: ["true"]}]
`;
    expect((await mesh(['deploy', '-f', appDir('shop', 'r1', base), '-n', ns.name])).code).toBe(0);
    const second = await mesh(['deploy', '-f', appDir('shop', 'r2', { ...base, 'job.yaml': job, 'extra.yaml': config('extra') + '---\n' + config('shared') + '---\n' + config('ours') }), '-n', ns.name]);
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    expect(second.stdout).toContain('  job/migrate ready');
    const [pod] = (await listObjects(kc, { apiVersion: 'v1', kind: 'Pod', namespace: ns.name, labelSelector: 'job-name=migrate' })).items;
    expect(pod?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: 'migrate' })]);

    // Someone else replaces configmap/extra with their own, and another app takes configmap/shared over.
    await deleteObject(kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: ns.name } });
    await createObject(kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: ns.name }, data: { theirs: 'yes' } });
    await patchObject(kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: ns.name } }, 'merge', {
      metadata: { annotations: { [APPLIED_BY_ANNOTATION]: `${ns.name}/other-app` } },
    });

    const plan = await mesh(['rollback', 'shop', '-n', ns.name, '--plan']);
    expect(plan.stdout).toContain('- job/migrate deleted');
    expect(plan.stdout).toContain('- configmap/ours deleted');
    expect(plan.stdout).not.toContain('configmap/extra deleted');
    expect(plan.stdout).not.toContain('configmap/shared deleted');

    const rollback = await mesh(['rollback', 'shop', '-n', ns.name]);
    expect({ code: rollback.code, stderr: rollback.stderr }).toEqual({ code: 0, stderr: '' });
    expect(rollback.stdout).toContain('  job/migrate deleted');
    expect(rollback.stdout).toContain('  configmap/ours deleted');
    expect(rollback.stdout).toContain("  configmap/extra kept: it does not carry mesh's mark");
    expect(rollback.stdout).toContain(`  configmap/shared kept: it was applied by ${ns.name}/other-app, not ${ns.name}/shop`);
    expect(await get('batch/v1', 'Job', 'migrate', ns.name)).toBeUndefined();
    expect(await get('v1', 'ConfigMap', 'ours', ns.name)).toBeUndefined();
    expect((await get('v1', 'ConfigMap', 'extra', ns.name))?.data).toEqual({ theirs: 'yes' });
    expect(await get('v1', 'ConfigMap', 'shared', ns.name)).toBeDefined();
    // mesh deleted only the Job; kube-controller-manager's garbage collector removes the pod it owned.
    await waitUntil(`pod ${pod!.metadata.name} of the deleted Job removed`, async () => (await get('v1', 'Pod', pod!.metadata.name!, ns.name)) === undefined, 30_000);
  });
  it('a removed CRD and its custom resource: the resource first, then the definition', async () => {
    const group = `${ns.name}.prune.example.com`;
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.${group}}
spec:
  group: ${group}
  scope: Namespaced
  names: {kind: Gadget, plural: gadgets}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]
`;
    expect((await mesh(['deploy', '-f', appDir('gadgets', 'r1', base), '-n', ns.name])).code).toBe(0);
    const second = await mesh(['deploy', '-f', appDir('gadgets', 'r2', { ...base, 'crd.yaml': crd, 'one.yaml': `apiVersion: ${group}/v1\nkind: Gadget\nmetadata: {name: one}\n` }), '-n', ns.name, '--allow-cluster-resources']);
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' });
    const rollback = await mesh(['rollback', 'gadgets', '-n', ns.name, '--allow-cluster-resources']);
    expect({ code: rollback.code, stderr: rollback.stderr }).toEqual({ code: 0, stderr: '' });
    const deleted = rollback.stdout.split('\n').filter((l) => / deleted$/.test(l)).map((l) => l.trim());
    expect(deleted).toEqual(['gadget/one deleted', `customresourcedefinition/gadgets.${group} deleted`]);
    await waitUntil('the CRD gone', async () => (await get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `gadgets.${group}`)) === undefined, 30_000);
  });
});
