import { KubeApiError } from '../kube';
import { UserError } from '../errors';

/**
 * Runs one cluster call; a 403 becomes a UserError naming the permission that is missing, so "RBAC missing"
 * is reported as such rather than as a stack trace.
 */
export async function needing<T>(permission: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 403) {
      throw new UserError(`forbidden: needs RBAC permission ${permission} (API server said: ${error.message})`);
    }
    throw error;
  }
}
