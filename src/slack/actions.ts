// The action ids of mesh's buttons and what each button's value carries: the renderers put them on messages,
// the front door reads them back (and re-validates every value, since a client can send anything).

/** Apply: deploys the previewed injection; the value is the `inject … --apply` command text. */
export const APPLY_ACTION = 'mesh_apply';
/** Restart: restarts the workloads of a namespace that lack (or run a stale) sidecar; the value is the namespace. */
export const RESTART_ACTION = 'mesh_restart';
/** Approve and Reject on a plan waiting for approval; the value is an `ApprovalButtonValue` as JSON. */
export const APPROVE_ACTION = 'mesh_approve';
export const REJECT_ACTION = 'mesh_reject';
/** Cancel on a running rollout; the value is `{ rolloutId, namespace, cluster? }` as JSON. */
export const CANCEL_ACTION = 'mesh_cancel';

/** What an Approve or Reject button carries: which pending approval, where it was asked, by whom. */
export interface ApprovalButtonValue {
  id: string;
  app: string;
  namespace: string;
  cluster?: string;
  channel: string;
  requester: string;
}
