// The Go struct shapes (k8s.io/api, openshift) that istioctl decodes manifests into, reduced to what
// changes the output: field order (for JSON), omitempty vs written zero values, pointers, quantities.
//
// Type grammar:  s i b f (string, integer, bool, float; omitempty drops the zero value)
//   T!  no omitempty: the zero value is written      *T  pointer: kept whenever present (null dropped)
//   *T! pointer without omitempty: `null` is written when absent (Go marshals a nil pointer so)
//   q   resource.Quantity (canonicalised)            ios IntOrString
//   any untyped subtree (nulls dropped)              raw RawExtension (kept verbatim)
//   time metav1.Time (omitted when null)             [T] slice   {T} map (keys sorted)
//   Name  a struct below (a value struct is always written, `{}` when empty)
export interface StructDef {
  fields: Array<[string, string]>;
  /** Type for fields not listed; unlisted fields are dropped when absent (as Go drops unknown fields). */
  rest?: string;
}

const f = (spec: string, rest?: string): StructDef => ({
  fields: spec
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const i = pair.indexOf(':');
      return [pair.slice(0, i), pair.slice(i + 1)] as [string, string];
    }),
  rest,
});

const META =
  'name:s generateName:s namespace:s selfLink:s uid:s resourceVersion:s generation:i creationTimestamp:time ' +
  'deletionTimestamp:time deletionGracePeriodSeconds:*i labels:{s} annotations:{s} ownerReferences:[any] ' +
  'finalizers:[s] managedFields:[any]';

export const STRUCTS: Record<string, StructDef> = {
  ObjectMeta: f(META),
  ListMeta: f('selfLink:s resourceVersion:s continue:s remainingItemCount:*i'),
  LabelSelector: f('matchLabels:{s} matchExpressions:[any]'),
  PodTemplateSpec: f('metadata:ObjectMeta spec:PodSpec'),
  PodSpec: f(
    'volumes:[Volume] initContainers:[Container] containers:[Container]! ephemeralContainers:[any] ' +
      'restartPolicy:s terminationGracePeriodSeconds:*i activeDeadlineSeconds:*i dnsPolicy:s nodeSelector:{s} ' +
      'serviceAccountName:s serviceAccount:s automountServiceAccountToken:*b nodeName:s hostNetwork:b hostPID:b ' +
      'hostIPC:b shareProcessNamespace:*b securityContext:*PodSecurityContext imagePullSecrets:[LocalObjectReference] ' +
      'hostname:s subdomain:s affinity:*any schedulerName:s tolerations:[Toleration] hostAliases:[any] priorityClassName:s ' +
      'priority:*i dnsConfig:*any readinessGates:[any] runtimeClassName:*s enableServiceLinks:*b ' +
      'preemptionPolicy:*s overhead:{q} topologySpreadConstraints:[any] setHostnameAsFQDN:*b os:*any ' +
      'hostUsers:*b schedulingGates:[any] resourceClaims:[any] resources:*ResourceRequirements hostnameOverride:*s',
  ),
  LocalObjectReference: f('name:s'),
  PodSecurityContext: f(
    'seLinuxOptions:*any windowsOptions:*any runAsUser:*i runAsGroup:*i runAsNonRoot:*b supplementalGroups:[i] ' +
      'supplementalGroupsPolicy:*s fsGroup:*i sysctls:[any] fsGroupChangePolicy:*s seccompProfile:*any ' +
      'appArmorProfile:*any seLinuxChangePolicy:*s',
  ),
  Toleration: f('key:s operator:s value:s effect:s tolerationSeconds:*i'),
  EnvFromSource: f('prefix:s configMapRef:*OptionalReference secretRef:*OptionalReference'),
  OptionalReference: f('name:s optional:*b'),
  KeySelector: f('name:s key:s! optional:*b'),
  KeyToPath: f('key:s! path:s! mode:*i'),
  Container: f(
    'name:s! image:s command:[s] args:[s] workingDir:s ports:[ContainerPort] envFrom:[EnvFromSource] env:[EnvVar] ' +
      'resources:ResourceRequirements resizePolicy:[any] restartPolicy:*s restartPolicyRules:[any] ' +
      'volumeMounts:[VolumeMount] volumeDevices:[any] livenessProbe:*Probe readinessProbe:*Probe ' +
      'startupProbe:*Probe lifecycle:*Lifecycle terminationMessagePath:s terminationMessagePolicy:s ' +
      'imagePullPolicy:s securityContext:*SecurityContext stdin:b stdinOnce:b tty:b',
  ),
  ContainerPort: f('name:s hostPort:i containerPort:i! protocol:s hostIP:s'),
  EnvVar: f('name:s! value:s valueFrom:*EnvVarSource'),
  EnvVarSource: f(
    'fieldRef:*ObjectFieldSelector resourceFieldRef:*ResourceFieldSelector configMapKeyRef:*KeySelector ' +
      'secretKeyRef:*KeySelector fileKeyRef:*any',
  ),
  ObjectFieldSelector: f('apiVersion:s fieldPath:s!'),
  ResourceFieldSelector: f('containerName:s resource:s! divisor:q!'),
  ResourceRequirements: f('limits:{q} requests:{q} claims:[any]'),
  VolumeMount: f('name:s! readOnly:b recursiveReadOnly:*s mountPath:s! subPath:s mountPropagation:*s subPathExpr:s'),
  Probe: f(
    'exec:*any httpGet:*HTTPGetAction tcpSocket:*TCPSocketAction grpc:*GRPCAction initialDelaySeconds:i ' +
      'timeoutSeconds:i periodSeconds:i successThreshold:i failureThreshold:i terminationGracePeriodSeconds:*i',
  ),
  HTTPGetAction: f('path:s port:ios! host:s scheme:s httpHeaders:[HTTPHeader]'),
  HTTPHeader: f('name:s! value:s!'),
  TCPSocketAction: f('port:ios! host:s'),
  GRPCAction: f('port:i! service:*s!'),
  Lifecycle: f('postStart:*LifecycleHandler preStop:*LifecycleHandler stopSignal:*s'),
  LifecycleHandler: f('exec:*any httpGet:*HTTPGetAction tcpSocket:*TCPSocketAction sleep:*any'),
  SecurityContext: f(
    'capabilities:*Capabilities privileged:*b seLinuxOptions:*any windowsOptions:*any runAsUser:*i ' +
      'runAsGroup:*i runAsNonRoot:*b readOnlyRootFilesystem:*b allowPrivilegeEscalation:*b procMount:*s ' +
      'seccompProfile:*any appArmorProfile:*any',
  ),
  Capabilities: f('add:[s] drop:[s]'),
  Volume: f(
    'name:s! hostPath:*HostPath emptyDir:*EmptyDir secret:*SecretVolume persistentVolumeClaim:*PVCVolume ' +
      'downwardAPI:*DownwardAPIVolume configMap:*ConfigMapVolume projected:*ProjectedVolume',
    '*any',
  ),
  EmptyDir: f('medium:s sizeLimit:*q'),
  HostPath: f('path:s! type:*s'),
  SecretVolume: f('secretName:s items:[KeyToPath] defaultMode:*i optional:*b'),
  ConfigMapVolume: f('name:s items:[KeyToPath] defaultMode:*i optional:*b'),
  PVCVolume: f('claimName:s! readOnly:b'),
  DownwardAPIVolume: f('items:[DownwardAPIFile] defaultMode:*i'),
  DownwardAPIFile: f('path:s! fieldRef:*ObjectFieldSelector resourceFieldRef:*ResourceFieldSelector mode:*i'),
  ProjectedVolume: f('sources:[VolumeProjection]! defaultMode:*i'),
  VolumeProjection: f(
    'secret:*ProjectedKeys downwardAPI:*DownwardAPIProjection configMap:*ProjectedKeys ' +
      'serviceAccountToken:*ServiceAccountToken clusterTrustBundle:*any podCertificate:*any',
  ),
  ProjectedKeys: f('name:s items:[KeyToPath] optional:*b'),
  DownwardAPIProjection: f('items:[DownwardAPIFile]'),
  ServiceAccountToken: f('audience:s expirationSeconds:*i path:s!'),

  Deployment: f('kind:s apiVersion:s metadata:ObjectMeta spec:DeploymentSpec status:DeploymentStatus'),
  DeploymentSpec: f(
    'replicas:*i selector:*LabelSelector template:PodTemplateSpec strategy:DeploymentStrategy ' +
      'minReadySeconds:i revisionHistoryLimit:*i paused:b progressDeadlineSeconds:*i',
  ),
  DeploymentStrategy: f('type:s rollingUpdate:*any'),
  DeploymentStatus: f(
    'observedGeneration:i replicas:i updatedReplicas:i readyReplicas:i availableReplicas:i ' +
      'unavailableReplicas:i terminatingReplicas:*i conditions:[any] collisionCount:*i',
  ),
  StatefulSet: f('kind:s apiVersion:s metadata:ObjectMeta spec:StatefulSetSpec status:StatefulSetStatus'),
  StatefulSetSpec: f(
    'replicas:*i selector:*LabelSelector template:PodTemplateSpec volumeClaimTemplates:[PersistentVolumeClaim] serviceName:s! ' +
      'podManagementPolicy:s updateStrategy:StatefulSetUpdateStrategy revisionHistoryLimit:*i ' +
      'minReadySeconds:i persistentVolumeClaimRetentionPolicy:*any ordinals:*any',
  ),
  PersistentVolumeClaim: f('kind:s apiVersion:s metadata:ObjectMeta spec:PVCSpec status:PVCStatus'),
  PVCSpec: f(
    'accessModes:[s] selector:*LabelSelector resources:VolumeResourceRequirements volumeName:s storageClassName:*s ' +
      'volumeMode:*s dataSource:*TypedLocalObjectReference dataSourceRef:*TypedObjectReference volumeAttributesClassName:*s',
  ),
  VolumeResourceRequirements: f('limits:{q} requests:{q}'),
  TypedLocalObjectReference: f('apiGroup:*s! kind:s! name:s!'),
  TypedObjectReference: f('apiGroup:*s! kind:s! name:s! namespace:*s'),
  PVCStatus: f(
    'phase:s accessModes:[s] capacity:{q} conditions:[any] allocatedResources:{q} allocatedResourceStatuses:{s} ' +
      'currentVolumeAttributesClassName:*s modifyVolumeStatus:*any',
  ),
  StatefulSetUpdateStrategy: f('type:s rollingUpdate:*any'),
  StatefulSetStatus: f(
    'observedGeneration:i replicas:i! readyReplicas:i currentReplicas:i updatedReplicas:i currentRevision:s ' +
      'updateRevision:s collisionCount:*i conditions:[any] availableReplicas:i!',
  ),
  DaemonSet: f('kind:s apiVersion:s metadata:ObjectMeta spec:DaemonSetSpec status:DaemonSetStatus'),
  DaemonSetSpec: f(
    'selector:*LabelSelector template:PodTemplateSpec updateStrategy:DaemonSetUpdateStrategy ' +
      'minReadySeconds:i revisionHistoryLimit:*i',
  ),
  DaemonSetUpdateStrategy: f('type:s rollingUpdate:*any'),
  DaemonSetStatus: f(
    'currentNumberScheduled:i! numberMisscheduled:i! desiredNumberScheduled:i! numberReady:i! ' +
      'observedGeneration:i updatedNumberScheduled:i numberAvailable:i numberUnavailable:i collisionCount:*i ' +
      'conditions:[any]',
  ),
  ReplicaSet: f('kind:s apiVersion:s metadata:ObjectMeta spec:ReplicaSetSpec status:ReplicaSetStatus'),
  ReplicaSetSpec: f('replicas:*i minReadySeconds:i selector:*LabelSelector template:PodTemplateSpec'),
  ReplicaSetStatus: f(
    'replicas:i! fullyLabeledReplicas:i readyReplicas:i availableReplicas:i terminatingReplicas:*i ' +
      'observedGeneration:i conditions:[any]',
  ),
  ReplicationController: f(
    'kind:s apiVersion:s metadata:ObjectMeta spec:ReplicationControllerSpec status:ReplicationControllerStatus',
  ),
  ReplicationControllerSpec: f('replicas:*i minReadySeconds:i selector:{s} template:*PodTemplateSpec'),
  ReplicationControllerStatus: f(
    'replicas:i! fullyLabeledReplicas:i readyReplicas:i availableReplicas:i observedGeneration:i conditions:[any]',
  ),
  Job: f('kind:s apiVersion:s metadata:ObjectMeta spec:JobSpec status:JobStatus'),
  JobSpec: f(
    'parallelism:*i completions:*i activeDeadlineSeconds:*i podFailurePolicy:*any successPolicy:*any ' +
      'backoffLimit:*i backoffLimitPerIndex:*i maxFailedIndexes:*i selector:*LabelSelector manualSelector:*b ' +
      'template:PodTemplateSpec ttlSecondsAfterFinished:*i completionMode:*s suspend:*b ' +
      'podReplacementPolicy:*s managedBy:*s',
  ),
  JobStatus: f(
    'conditions:[any] startTime:time completionTime:time active:i succeeded:i failed:i terminating:*i ' +
      'completedIndexes:s failedIndexes:*s uncountedTerminatedPods:*any ready:*i',
  ),
  CronJob: f('kind:s apiVersion:s metadata:ObjectMeta spec:CronJobSpec status:CronJobStatus'),
  CronJobSpec: f(
    'schedule:s! timeZone:*s startingDeadlineSeconds:*i concurrencyPolicy:s suspend:*b ' +
      'jobTemplate:JobTemplateSpec successfulJobsHistoryLimit:*i failedJobsHistoryLimit:*i',
  ),
  JobTemplateSpec: f('metadata:ObjectMeta spec:JobSpec'),
  CronJobStatus: f('active:[any] lastScheduleTime:time lastSuccessfulTime:time'),
  Pod: f('kind:s apiVersion:s metadata:ObjectMeta spec:PodSpec status:PodStatus'),
  PodStatus: f(
    'observedGeneration:i phase:s conditions:[any] message:s reason:s nominatedNodeName:s hostIP:s hostIPs:[any] ' +
      'podIP:s podIPs:[any] startTime:time initContainerStatuses:[any] containerStatuses:[any] qosClass:s ' +
      'ephemeralContainerStatuses:[any] resize:s resourceClaimStatuses:[any] extendedResourceClaimStatus:*any',
  ),
  DeploymentConfig: f(
    'kind:s apiVersion:s metadata:ObjectMeta spec:DeploymentConfigSpec status:DeploymentConfigStatus',
  ),
  DeploymentConfigSpec: f(
    'strategy:DCStrategy minReadySeconds:i triggers:[any]! replicas:i! revisionHistoryLimit:*i test:b! ' +
      'paused:b selector:{s} template:*PodTemplateSpec',
  ),
  DCStrategy: f(
    'type:s customParams:*any recreateParams:*any rollingParams:*any resources:ResourceRequirements ' +
      'labels:{s} annotations:{s} activeDeadlineSeconds:*i',
  ),
  DeploymentConfigStatus: f(
    'latestVersion:i! observedGeneration:i! replicas:i! updatedReplicas:i! availableReplicas:i! ' +
      'unavailableReplicas:i! details:*any conditions:[any] readyReplicas:i',
  ),
  List: f('kind:s apiVersion:s metadata:ListMeta items:[raw]!'),
};
