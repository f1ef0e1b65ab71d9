import type { KubeConfig } from '@kubernetes/client-node';
import { createObject, getObject, replaceObject } from './objects';
import { isConflict } from './request';
import type { KubeObject } from './types';

/** What `decide` makes of the Lease as read: write `write` (and then answer `result`), or answer without writing. */
export type LeaseDecision<R> = { write: KubeObject; result: R } | { result: R };

/**
 * Read-modify-write of one coordination.k8s.io/v1 Lease (mesh's rollout locks, approvals and deployment
 * records are Leases) with optimistic concurrency: reads it, lets `decide` choose, creates or replaces it
 * (a replace carries the read resourceVersion, so a concurrent write makes it a 409 Conflict), and on a
 * conflict reads again and decides anew. Undefined when every attempt lost to a concurrent writer.
 */
export async function updateLease<T extends KubeObject, R>(
  kc: KubeConfig,
  ref: { namespace: string; name: string },
  decide: (existing: T | undefined) => LeaseDecision<R>,
  attempts = 3,
): Promise<{ result: R } | undefined> {
  const target = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: ref.name, namespace: ref.namespace } };
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const existing = await getObject<T>(kc, target);
    const decision = decide(existing);
    if (!('write' in decision)) return { result: decision.result };
    try {
      const { write } = decision;
      if (existing) await replaceObject(kc, { ...write, metadata: { ...write.metadata, resourceVersion: existing.metadata.resourceVersion } });
      else await createObject(kc, write);
      return { result: decision.result };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
  return undefined;
}
