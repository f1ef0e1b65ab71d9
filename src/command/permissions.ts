// The permissions a command can need (each verb says which: src/jobs/verbs/<verb>.ts). Read-only permissions may
// be open to everyone by policy; mutating ones are denied unless a policy rule grants them.

export type Permission =
  | 'help'
  | 'apps'
  | 'status'
  | 'inject'
  | 'autoinject-status'
  | 'inject-apply'
  | 'deploy'
  | 'cancel'
  | 'autoinject'
  | 'restart'
  | 'plan'
  | 'history'
  | 'rollback'
  | 'shift'
  | 'canary';

export const READ_ONLY_PERMISSIONS: readonly Permission[] = ['help', 'apps', 'status', 'inject', 'autoinject-status', 'plan', 'history'];
export const MUTATING_PERMISSIONS: readonly Permission[] = ['inject-apply', 'deploy', 'cancel', 'autoinject', 'restart', 'rollback', 'shift', 'canary'];
export const ALL_PERMISSIONS: readonly Permission[] = [...READ_ONLY_PERMISSIONS, ...MUTATING_PERMISSIONS];

export function isMutating(permission: Permission): boolean {
  return MUTATING_PERMISSIONS.includes(permission);
}
