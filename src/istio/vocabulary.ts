/**
 * Istio's vocabulary, in one place: the labels, annotations, container and namespace names that Istio's
 * injector, its webhook configuration and istioctl agree on. Pure constants.
 */

/** Istio's control-plane namespace (istioctl's `-i/--istioNamespace` default). */
export const ISTIO_NAMESPACE = 'istio-system';

/** Namespace label of the default revision's injection: `istio-injection=enabled|disabled`. */
export const NAMESPACE_INJECTION_LABEL = 'istio-injection';
/** Namespace or pod label selecting a control-plane revision; also the annotation the injection writes. */
export const REVISION_LABEL = 'istio.io/rev';
/** Pod label (or, for kube-inject, annotation) `true`/`false` that overrides the namespace's choice. */
export const POD_INJECT_LABEL = 'sidecar.istio.io/inject';
/** Pod annotation the injection writes: what it added (containers, init containers, volumes, revision). */
export const SIDECAR_STATUS_ANNOTATION = 'sidecar.istio.io/status';
/** The injected proxy container. */
export const PROXY_CONTAINER = 'istio-proxy';

/** Namespaces Istio never injects into (inject.go IgnoredNamespaces). */
export const IGNORED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];

/** Every injector webhook entry's name ends so (`rev.namespace.sidecar-injector.istio.io`, …). */
export const INJECTOR_WEBHOOK_SUFFIX = 'sidecar-injector.istio.io';
