// The label on what mesh writes for itself (rollout history, Leases, approvals, routing objects, its webhook's
// objects, the namespaces it creates): one spelling, so such objects can be listed and told from the team's own.

/** The standard Kubernetes label naming the tool that manages an object. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Its value on what mesh writes. */
export const MANAGED_BY_MESH = 'mesh';
