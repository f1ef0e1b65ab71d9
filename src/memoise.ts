// One promise shared by every caller until it fails: a failure is not kept, so the next call tries again
// (a warm Lambda after a secrets outage, the console after a cluster that would not start).

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
