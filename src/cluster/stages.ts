/**
 * kwok Stage documents for the local cluster, written to kwok's --config. kwok only fakes what its stages say:
 * the fake node's stages are here (Ready, heartbeat, kubelet version); the pods' are in pod-stages.ts.
 */
import { podStages } from './pod-stages';
import { expr, stage } from './stage-yaml';

export { FAIL_ANNOTATION, FAIL_CONTAINER_ANNOTATION, FAILURE_MODES, READY_DELAY_ANNOTATION, type FailureMode } from './pod-stages';

export interface StageOptions {
  readyDelayMs: number;
  kubeletVersion: string;
}

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

/** All Stage documents, as one multi-document YAML for kwok's --config. */
export function kwokStagesYaml(options: StageOptions): string {
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
  return [nodeInitialize, nodeHeartbeat, ...podStages(options.readyDelayMs)].join('---\n');
}
