/**
 * Pod stages: Running+Ready after a delay, pods that are not restarted Succeed, deleted pods go away, and the
 * failure modes picked per pod with FAIL_ANNOTATION, reported with the container states a kubelet would use.
 */
import { annotation, expr, stage } from './stage-yaml';

/** Pod annotation selecting a failure mode; see FAILURE_MODES. Unknown values leave the pod Pending. */
export const FAIL_ANNOTATION = 'mesh.dev/kwok-fail';
/** Optional pod annotation: only this container fails, the others run ready (e.g. keep the sidecar healthy). */
export const FAIL_CONTAINER_ANNOTATION = 'mesh.dev/kwok-fail-container';
/** Optional pod annotation overriding the ready delay for one pod, as a Go duration ("3s", "500ms"). */
export const READY_DELAY_ANNOTATION = 'mesh.dev/kwok-ready-delay';

export const FAILURE_MODES = ['CrashLoopBackOff', 'ImagePullBackOff', 'NeverReady', 'Failed'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

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

/** Pod Stage documents; `readyDelayMs` applies to readiness, failures and completion alike. */
export function podStages(readyDelayMs: number): string[] {
  const delay = delayBlock(readyDelayMs);
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
  return [podReady, ...FAILURE_MODES.map((mode) => failureStage(mode, delay)), podComplete, podDelete];
}
