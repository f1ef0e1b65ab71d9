/**
 * Which namespace label turns injection on, and when mesh must refuse to touch the labels because someone
 * already decided otherwise. Pure: the namespace's labels in, a plan out.
 */
import { NAMESPACE_INJECTION_LABEL, REVISION_LABEL } from '../istio/vocabulary';

export type LabelPlan =
  | { kind: 'set'; key: string; value: string; explanation: string }
  | { kind: 'already'; explanation: string }
  | { kind: 'conflict'; explanation: string };

/** The labels that enable injection for `revision` (undefined = the default revision, Istio's classic label). */
export function enableLabel(revision: string | undefined): { key: string; value: string } {
  return revision === undefined ? { key: NAMESPACE_INJECTION_LABEL, value: 'enabled' } : { key: REVISION_LABEL, value: revision };
}

export function planEnable(namespace: string, labels: Record<string, string>, revision: string | undefined): LabelPlan {
  const injection = labels[NAMESPACE_INJECTION_LABEL];
  const rev = labels[REVISION_LABEL];
  const wanted = revision ?? 'default';
  const unlabel = (key: string) => `\`kubectl label namespace ${namespace} ${key}-\``;
  if (injection === 'disabled') {
    return {
      kind: 'conflict',
      explanation:
        `namespace ${namespace} has ${NAMESPACE_INJECTION_LABEL}=disabled: injection was switched off on purpose, and no injector webhook ` +
        `matches such a namespace (not even for pods labelled sidecar.istio.io/inject=true). mesh does not override that; ` +
        `if it is no longer wanted, remove the label with ${unlabel(NAMESPACE_INJECTION_LABEL)} and run enable again`,
    };
  }
  if (injection !== undefined && injection !== 'enabled') {
    return {
      kind: 'conflict',
      explanation: `namespace ${namespace} has ${NAMESPACE_INJECTION_LABEL}=${injection}, a value no injector webhook matches; remove it with ${unlabel(NAMESPACE_INJECTION_LABEL)} first`,
    };
  }
  if (injection === 'enabled' && rev !== undefined) {
    return {
      kind: 'conflict',
      explanation:
        `namespace ${namespace} has both ${NAMESPACE_INJECTION_LABEL}=enabled and ${REVISION_LABEL}=${rev}: ${NAMESPACE_INJECTION_LABEL} wins, so the ` +
        `revision label is ignored and pods get the default revision. Remove one of them (${unlabel(NAMESPACE_INJECTION_LABEL)} or ${unlabel(REVISION_LABEL)})`,
    };
  }
  if (injection === 'enabled') {
    if (wanted === 'default') return { kind: 'already', explanation: `namespace ${namespace} already has ${NAMESPACE_INJECTION_LABEL}=enabled` };
    return {
      kind: 'conflict',
      explanation:
        `namespace ${namespace} is on the default revision through ${NAMESPACE_INJECTION_LABEL}=enabled; moving it to revision ${wanted} is a ` +
        `revision migration: run \`mesh autoinject disable ${namespace}\`, then enable --revision ${wanted}, then restart the workloads`,
    };
  }
  if (rev !== undefined) {
    if (rev === wanted) return { kind: 'already', explanation: `namespace ${namespace} already has ${REVISION_LABEL}=${rev}` };
    return {
      kind: 'conflict',
      explanation:
        `namespace ${namespace} is on revision ${rev} (${REVISION_LABEL}=${rev}); moving it to ${wanted} is a revision migration: ` +
        `run \`mesh autoinject disable ${namespace}\`, then enable --revision ${wanted}, then restart the workloads`,
    };
  }
  const { key, value } = enableLabel(revision);
  return { kind: 'set', key, value, explanation: `labelled namespace ${namespace} ${key}=${value}` };
}

/** The revision a namespace's labels select, or undefined when they select none. */
export function selectedRevision(labels: Record<string, string>): string | undefined {
  const injection = labels[NAMESPACE_INJECTION_LABEL];
  if (injection === 'enabled') return 'default';
  if (injection !== undefined) return undefined;
  return labels[REVISION_LABEL];
}
