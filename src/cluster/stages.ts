/**
 * kwok Stage documents for the local cluster. kwok only fakes what its stages say, so these decide how pods
 * behave: Running+Ready after a delay, Job-style pods Succeeded, deleted pods gone, and failure modes chosen
 * per pod with the FAIL_ANNOTATION, reported with the container waiting reasons a kubelet would use.
 */

/** Pod annotation selecting a failure mode; see FAILURE_MODES. Unknown values leave the pod Pending. */
export const FAIL_ANNOTATION = 'mesh.dev/kwok-fail';
/** Optional pod annotation: only this container fails, the others run ready (e.g. keep the sidecar healthy). */
export const FAIL_CONTAINER_ANNOTATION = 'mesh.dev/kwok-fail-container';
/** Optional pod annotation overriding the ready delay for one pod, as a Go duration ("3s", "500ms"). */
export const READY_DELAY_ANNOTATION = 'mesh.dev/kwok-ready-delay';
/** Annotation kwok uses to pick the fake nodes it manages. */
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export const FAILURE_MODES = ['CrashLoopBackOff', 'ImagePullBackOff', 'NeverReady', 'Failed'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export interface StageOptions {
  readyDelayMs: number;
  kubeletVersion: string;
}

const annotation = (name: string) => `.metadata.annotations["${name}"]`;

function stage(name: string, kind: 'Node' | 'Pod', selector: string, next: string, delay = ''): string {
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
spec:
  resourceRef:
    apiGroup: v1
    kind: ${kind}
  selector:
    matchExpressions:
${selector}${delay}
  next:
${next}`;
}

const expr = (key: string, operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values: string[] = []) =>
  `    - key: '${key}'\n      operator: ${operator}\n` +
  (values.length ? `      values:\n${values.map((v) => `      - '${v}'\n`).join('')}` : '');

/** Go template lines shared by node stages: conditions, addresses, kubelet version. */
function nodeStatus(kubeletVersion: string, withInfo: boolean): string {
  const info = withInfo
    ? `
      allocatable:
        cpu: "32"
        memory: 256Gi
        pods: "110"
      capacity:
        cpu: "32"
        memory: 256Gi
        pods: "110"
      nodeInfo:
        architecture: amd64
        bootID: ""
        containerRuntimeVersion: "kwok"
        kernelVersion: "kwok"
        kubeProxyVersion: "${kubeletVersion}"
        kubeletVersion: "${kubeletVersion}"
        machineID: ""
        operatingSystem: linux
        osImage: "mesh local control plane (kwok)"
        systemUUID: ""
      phase: Running`
    : '';
  return `    statusTemplate: |
      {{ $now := Now }}
      {{ $lastTransitionTime := or .metadata.creationTimestamp $now }}
      conditions:
      {{ range NodeConditions }}
      - lastHeartbeatTime: {{ $now | Quote }}
        lastTransitionTime: {{ $lastTransitionTime | Quote }}
        message: {{ .message | Quote }}
        reason: {{ .reason | Quote }}
        status: {{ .status | Quote }}
        type: {{ .type | Quote }}
      {{ end }}
      addresses:
      {{ with NodeIP }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ end }}
      {{ with NodeName }}
      - address: {{ . | Quote }}
        type: Hostname
      {{ end }}${info}
`;
}

const completedState = `        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
`;

/** Init containers: native sidecars (restartPolicy Always) keep running, classic ones completed. */
const initContainerStatuses = `      initContainerStatuses:
      {{ range .spec.initContainers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        {{ if eq ( or .restartPolicy "" ) "Always" }}
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
        {{ else }}
${completedState}        {{ end }}
      {{ end }}
`;

const podAddresses = `      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      startTime: {{ $now | Quote }}
`;

function conditions(ready: boolean): string {
  const status = ready ? '"True"' : '"False"';
  const reason = ready ? '' : '\n        reason: ContainersNotReady';
  return `      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: PodScheduled
      - lastTransitionTime: {{ $now | Quote }}
        status: ${status}
        type: Ready${reason}
      - lastTransitionTime: {{ $now | Quote }}
        status: ${status}
        type: ContainersReady${reason}
${ready ? readinessGates : ''}`;
}

const readinessGates = `      {{ range .spec.readinessGates }}
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: {{ .conditionType | Quote }}
      {{ end }}
`;

const runningContainer = `      - image: {{ $c.image | Quote }}
        name: {{ $c.name | Quote }}
        ready: true
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
`;

const exitedWithError = `          terminated:
            exitCode: 1
            reason: Error
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
`;

/** The container state a kubelet reports for each failure mode, for the failing container(s). */
const failedContainerState: Record<FailureMode, string> = {
  CrashLoopBackOff: `        ready: false
        started: false
        restartCount: 3
        lastState:
${exitedWithError}        state:
          waiting:
            reason: CrashLoopBackOff
            message: {{ printf "back-off 40s restarting failed container=%s pod=%s_%s(%s)" $c.name $pod.metadata.name $pod.metadata.namespace $pod.metadata.uid | Quote }}
`,
  ImagePullBackOff: `        ready: false
        started: false
        restartCount: 0
        state:
          waiting:
            reason: ImagePullBackOff
            message: {{ printf "Back-off pulling image %q: ErrImagePull: failed to pull and unpack image: not found" $c.image | Quote }}
`,
  NeverReady: `        ready: false
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
`,
  Failed: `        ready: false
        started: false
        restartCount: 0
        state:
${exitedWithError}`,
};

const podPhase: Record<FailureMode, string> = {
  CrashLoopBackOff: 'Running',
  ImagePullBackOff: 'Pending',
  NeverReady: 'Running',
  Failed: 'Failed',
};

function failureStage(mode: FailureMode, delay: string): string {
  const next = `    statusTemplate: |
      {{ $now := Now }}
      {{ $pod := . }}
      {{ $only := or ( index ( or .metadata.annotations dict ) "${FAIL_CONTAINER_ANNOTATION}" ) "" }}
${conditions(false)}      containerStatuses:
      {{ range $c := .spec.containers }}
      {{ if or ( eq $only "" ) ( eq $only $c.name ) }}
      - image: {{ $c.image | Quote }}
        name: {{ $c.name | Quote }}
${failedContainerState[mode]}      {{ else }}
${runningContainer}      {{ end }}
      {{ end }}
${initContainerStatuses}${podAddresses}      phase: ${podPhase[mode]}
`;
  return stage(
    `mesh-pod-fail-${mode.toLowerCase()}`,
    'Pod',
    expr('.metadata.deletionTimestamp', 'DoesNotExist') +
      expr('.status.podIP', 'DoesNotExist') +
      expr(annotation(FAIL_ANNOTATION), 'In', [mode]),
    next,
    delay,
  );
}

function delayBlock(ms: number): string {
  return `
  delay:
    durationMilliseconds: ${Math.max(0, Math.round(ms))}
    durationFrom:
      expressionFrom: '${annotation(READY_DELAY_ANNOTATION)}'`;
}

/** All Stage documents, as one multi-document YAML for kwok's --config. */
export function kwokStagesYaml(options: StageOptions): string {
  const delay = delayBlock(options.readyDelayMs);
  const nodeInitialize = stage(
    'mesh-node-initialize',
    'Node',
    expr('.status.conditions.[] | select( .type == "Ready" ) | .status', 'NotIn', ['True']),
    nodeStatus(options.kubeletVersion, true),
  );
  const nodeHeartbeat = stage(
    'mesh-node-heartbeat',
    'Node',
    expr('.status.phase', 'In', ['Running']) +
      expr('.status.conditions.[] | select( .type == "Ready" ) | .status', 'In', ['True']),
    nodeStatus(options.kubeletVersion, false),
    `
  delay:
    durationMilliseconds: 20000
    jitterDurationMilliseconds: 25000`,
  );
  const podReady = stage(
    'mesh-pod-ready',
    'Pod',
    expr('.metadata.deletionTimestamp', 'DoesNotExist') +
      expr('.status.podIP', 'DoesNotExist') +
      expr(annotation(FAIL_ANNOTATION), 'DoesNotExist'),
    `    statusTemplate: |
      {{ $now := Now }}
${conditions(true)}      containerStatuses:
      {{ range $c := .spec.containers }}
${runningContainer}      {{ end }}
${initContainerStatuses}${podAddresses}      phase: Running
`,
    delay,
  );
  // Pods that are not restarted (Jobs, one-shot pods) finish successfully once they have run.
  const podComplete = stage(
    'mesh-pod-complete',
    'Pod',
    expr('.metadata.deletionTimestamp', 'DoesNotExist') +
      expr('.status.phase', 'In', ['Running']) +
      expr('.spec.restartPolicy', 'In', ['Never', 'OnFailure']) +
      expr(annotation(FAIL_ANNOTATION), 'DoesNotExist'),
    `    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: PodCompleted
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: PodCompleted
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        started: false
        restartCount: 0
${completedState}      {{ end }}
      phase: Succeeded
`,
    delay,
  );
  const podDelete = stage(
    'mesh-pod-delete',
    'Pod',
    expr('.metadata.deletionTimestamp', 'Exists'),
    `    finalizers:
      empty: true
    delete: true
`,
  );
  return [
    nodeInitialize,
    nodeHeartbeat,
    podReady,
    ...FAILURE_MODES.map((mode) => failureStage(mode, delay)),
    podComplete,
    podDelete,
  ].join('---\n');
}
