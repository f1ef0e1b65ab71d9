import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { listObjects } from './objects';
import { collectionPath, resourceInfo } from './resources';
import type { KindQuery, KubeObject } from './types';

export interface CollectionWatch {
  stop(): void;
}

export interface WatchOptions {
  /** Called with every object of the collection after the first list and after each change. */
  onChange: (objects: KubeObject[]) => void;
  /** Unexpected errors (not 410 Gone, not a closed stream); the watch keeps relisting after them. */
  onError?: (error: unknown) => void;
  /** Resume from this resourceVersion instead of listing first (a too old one relists after 410 Gone). */
  resourceVersion?: string;
  /** Ask the server to end each watch request after this long (it is resumed at once). */
  timeoutSeconds?: number;
}

// How long to wait before relisting after an unexpected error, doubled per consecutive error up to a cap, so
// a dead API server is not hammered.
const RETRY_AFTER_ERROR_MS = 250;
const MAX_RETRY_AFTER_ERROR_MS = 5000;
/** How often a kind the API server cannot watch (discovery lists no `watch` verb) is listed again instead. */
export const POLL_UNWATCHABLE_MS = 1000;

/**
 * List + watch of one collection, kept alive until `stop()`: the stream's normal end resumes the watch from
 * the last resourceVersion, and an expired resourceVersion (410 Gone, as an ERROR event or as the HTTP
 * status) relists, as client-go's reflector does. A kind that cannot be watched (some aggregated APIs) is
 * listed again every POLL_UNWATCHABLE_MS instead.
 */
export function watchCollection(kc: KubeConfig, query: KindQuery, options: WatchOptions): CollectionWatch {
  const objects = new Map<string, KubeObject>();
  let resourceVersion = options.resourceVersion;
  let stopped = false;
  let current: AbortController | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let consecutiveErrors = 0;
  const key = (obj: KubeObject) => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  const publish = () => options.onChange([...objects.values()]);

  const relist = async (): Promise<void> => {
    const list = await listObjects(kc, query);
    objects.clear();
    for (const item of list.items) objects.set(key(item), item);
    resourceVersion = list.metadata.resourceVersion;
    consecutiveErrors = 0;
    publish();
  };

  const restart = (error: unknown, gone: boolean) => {
    if (stopped) return;
    if (gone) resourceVersion = undefined;
    else if (error) options.onError?.(error);
    const delay = error && !gone ? Math.min(RETRY_AFTER_ERROR_MS * 2 ** consecutiveErrors++, MAX_RETRY_AFTER_ERROR_MS) : 0;
    retryTimer = setTimeout(() => void run(), delay);
  };

  const run = async (): Promise<void> => {
    if (stopped) return;
    try {
      if (resourceVersion === undefined) await relist();
      if (stopped) return;
      const { verbs } = await resourceInfo(kc, query.apiVersion, query.kind);
      if (verbs.length > 0 && !verbs.includes('watch')) {
        resourceVersion = undefined;
        retryTimer = setTimeout(() => void run(), POLL_UNWATCHABLE_MS);
        return;
      }
      const path = await collectionPath(kc, query.apiVersion, query.kind, query.namespace);
      let gone = false;
      current = await new Watch(kc).watch(
        path,
        {
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: options.timeoutSeconds,
          labelSelector: query.labelSelector,
          fieldSelector: query.fieldSelector,
        },
        (type: string, obj: KubeObject & { code?: number }) => {
          if (type === 'ERROR') {
            gone = obj.code === 410;
            current?.abort();
            return;
          }
          if (obj?.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
          if (type === 'BOOKMARK') return;
          const full = { ...obj, apiVersion: query.apiVersion, kind: query.kind };
          if (type === 'DELETED') objects.delete(key(full));
          else objects.set(key(full), full);
          publish();
        },
        (err: { statusCode?: number } | null) => {
          const expired = gone || err?.statusCode === 410;
          restart(expired ? null : err, expired);
        },
      );
      if (stopped) current.abort();
    } catch (error) {
      restart(error, (error as { statusCode?: number })?.statusCode === 410);
    }
  };

  void run();
  return {
    stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      current?.abort();
    },
  };
}

export type Verdict<T> = { value: T } | { error: Error } | undefined;

export interface WatchUntilOptions<T> {
  /**
   * Judges the collections (in the order of the queries) after every change, once each has been listed (a
   * collection not listed yet would read as "nothing there"); a verdict settles the promise and stops the watches.
   */
  judge: (collections: KubeObject[][]) => Verdict<T>;
  /** When no verdict came by this time (ms since the epoch): the value to resolve with; a throw rejects. */
  deadline: { at: number; settle: () => T };
  /** Judge the cached collections again this often, for verdicts that depend on time; never asks the server. */
  rejudgeMs?: number;
}

/** Watches collections until `judge` settles them or the deadline passes. */
export function watchUntil<T>(kc: KubeConfig, queries: KindQuery[], options: WatchUntilOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const snapshots: (KubeObject[] | undefined)[] = queries.map(() => undefined);
    const watches: CollectionWatch[] = [];
    let settled = false;
    const finish = (verdict: NonNullable<Verdict<T>>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (rejudge) clearInterval(rejudge);
      for (const w of watches) w.stop();
      if ('error' in verdict) reject(verdict.error);
      else resolve(verdict.value);
    };
    const timer = setTimeout(() => {
      try {
        finish({ value: options.deadline.settle() });
      } catch (error) {
        finish({ error: error as Error });
      }
    }, Math.max(0, options.deadline.at - Date.now()));
    const judge = () => {
      if (settled || snapshots.some((s) => s === undefined)) return;
      const verdict = options.judge(snapshots as KubeObject[][]);
      if (verdict) finish(verdict);
    };
    const rejudge = options.rejudgeMs ? setInterval(judge, options.rejudgeMs) : undefined;
    queries.forEach((query, index) => {
      watches.push(
        watchCollection(kc, query, {
          onChange: (objects) => {
            if (settled) return;
            snapshots[index] = objects;
            judge();
          },
        }),
      );
    });
  });
}
