/**
 * kwok Stage documents for the local cluster, written to kwok's --config. kwok only fakes what its stages say:
 * the nodes' stages are here (Ready, heartbeat, addresses, kubelet version); the pods' are in pod-stages.ts.
 */
import { podStages } from './pod-stages';
import { INTERNAL_IP_ANNOTATION } from './nodes';
import { expr, stage } from './stage-yaml';

export { FAIL_ANNOTATION, FAIL_CONTAINER_ANNOTATION, FAILURE_MODES, READY_DELAY_ANNOTATION, type FailureMode } from './pod-stages';

export interface StageOptions {
  readyDelayMs: number;
  kubeletVersion: string;
}

/**
 * Go template lines shared by node stages: conditions, addresses (each node's own InternalIP, from its annotation
 * set at registration, see nodes.ts), kubelet version. Capacity and allocatable are the node's own, set when it
 * is registered: kwok patches status, so what the template leaves out stays.
 */
function nodeStatus(kubeletVersion: string, withInfo: boolean): string {
  const info = withInfo
    ? `
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
      {{ with index .metadata.annotations "${INTERNAL_IP_ANNOTATION}" }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ else }}{{ with NodeIP }}
      - address: {{ . | Quote }}
        type: InternalIP
      {{ end }}{{ end }}
      - address: {{ .metadata.name | Quote }}
        type: Hostname${info}
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
