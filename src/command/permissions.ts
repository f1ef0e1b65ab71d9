// Which permission each command needs. Read-only permissions may be open to everyone by policy;
// mutating ones are denied unless a policy rule grants them.
import { DEFAULT_NAMESPACE, type MeshCommand } from './grammar';
import { isDnsLabel } from '../dns-label';

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

export function permissionFor(command: MeshCommand): Permission {
  switch (command.kind) {
    case 'help':
      return 'help';
    case 'apps':
      return 'apps';
    case 'status':
      return 'status';
    case 'inject':
      return command.apply ? 'inject-apply' : 'inject';
    case 'deploy':
      return command.plan ? 'plan' : 'deploy';
    case 'history':
      return 'history';
    case 'rollback':
      return command.plan ? 'plan' : 'rollback';
    case 'shift':
      return command.plan ? 'plan' : 'shift';
    case 'canary':
      return 'canary';
    case 'cancel':
      return 'cancel';
    case 'autoinject':
      return command.action === 'status' ? 'autoinject-status' : 'autoinject';
  }
}

export function isMutating(permission: Permission): boolean {
  return MUTATING_PERMISSIONS.includes(permission);
}


/**
 * The namespace a command acts on. Rollout ids read `<namespace>.<app>.<suffix>` (src/rollout/engine.ts), so
 * cancel takes the namespace from the id; an id of another shape means "unknown" (undefined).
 */
export function commandNamespace(command: MeshCommand): string | undefined {
  if (command.kind === 'help' || command.kind === 'apps') return undefined;
  if (command.kind === 'cancel') {
    const [namespace, app, suffix] = command.rolloutId.split('.');
    return namespace && app && suffix && isDnsLabel(namespace) ? namespace : undefined;
  }
  return command.namespace ?? DEFAULT_NAMESPACE;
}
