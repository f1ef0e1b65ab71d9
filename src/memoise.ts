// One promise shared by every caller until it fails: a failure is not kept, so the next call tries again
// (a warm Lambda after a secrets outage, the console after a cluster that would not start). And a cache bounded
// the cheapest way, for hot paths whose entries repeat.

export function memoiseUntilFailure<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending) return pending;
    const made = make();
    pending = made;
    made.catch(() => {
      if (pending === made) pending = undefined;
    });
    return made;
  };
}

/**
 * Remembers `value` under `key` in a cache that is emptied whenever it has reached `bound` entries: no bookkeeping
 * per hit, and where entries repeat (a template's lines, pod after pod) the cache fills again at once.
 */
export function setBounded<K, V>(cache: Map<K, V>, key: K, value: V, bound: number): void {
  if (cache.size >= bound) cache.clear();
  cache.set(key, value);
}
