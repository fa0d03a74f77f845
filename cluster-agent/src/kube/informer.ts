/**
 * One list+watch per resource for the whole agent, instead of one per run: a
 * streaming request costs a socket, TLS state and stream buffers, which at
 * hundreds of runs was most of the agent's memory.
 *
 *   first subscriber ─► list (all namespaces, label selector) ─► watch from its resourceVersion
 *     ─► ADDED/MODIFIED/DELETED update a compact cache and reach the subscribers of that group
 *   watch ends (client-node's 30 s idle timeout, a proxy) ─► resume from the last resourceVersion
 *   410 Gone ─► re-list ─► every subscribed group gets its listed state
 *   error ─► backoff ─► resume          last subscriber gone ─► stop, drop the cache
 *
 * The cache keeps `project(object)` (a few fields), not the objects: it holds
 * every matching object in the cluster. A group (a Job's key, or the Job a pod
 * belongs to) may hold several objects.
 *
 * Absence is only meaningful when `authoritative`: a DELETED event, or a
 * re-list that started after the subscription. The state handed to a new
 * subscriber, or a list that started before it subscribed, may predate an
 * object the caller has just created.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackoff } from '../connection/backoff.ts';
import type { Logger } from '../lib/log.ts';
import { describeKubeError, statusCodeOf } from './kube-errors.ts';

export interface WatchedMeta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
}

export type GroupListener<V> = (items: readonly V[], authoritative: boolean) => void;

export interface InformerOptions<V> {
  kubeConfig: KubeConfig;
  log: Logger;
  random: () => number;
  /** Cluster-wide collection path, e.g. `/apis/batch/v1/jobs`. */
  path: string;
  labelSelector: string;
  list(): Promise<{ items: readonly WatchedMeta[]; resourceVersion: string }>;
  /** The group an object belongs to; undefined leaves it out. */
  groupOf(object: WatchedMeta): string | undefined;
  project(object: WatchedMeta): V;
}

export interface Informer<V> {
  /** `listener` gets the group's items once the cache has them, then after each change; returns unsubscribe. */
  subscribe(group: string, listener: GroupListener<V>): () => void;
}

type WatchEnd = { kind: 'gone' } | { kind: 'ended'; resourceVersion: string } | { kind: 'error'; error: unknown; resourceVersion: string };

interface Subscriber<V> {
  listener: GroupListener<V>;
  seq: number;
}

export function createInformer<V>(o: InformerOptions<V>): Informer<V> {
  const watcher = new Watch(o.kubeConfig);
  const subscribers = new Map<string, Set<Subscriber<V>>>();
  let cache = new Map<string, Map<string, V>>();
  let synced = false;
  let subscriptions = 0;
  let loop: AbortController | undefined;

  const itemsOf = (group: string): V[] => [...(cache.get(group)?.values() ?? [])];
  const objectKey = (obj: WatchedMeta): string => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

  function notify(group: string, authoritative: (sub: Subscriber<V>) => boolean): void {
    const subs = subscribers.get(group);
    if (!subs || subs.size === 0) {
      return;
    }
    const items = itemsOf(group);
    // A listener may unsubscribe while we iterate: a Set then skips it, which is what we want.
    for (const sub of subs) {
      sub.listener(items, authoritative(sub));
    }
  }

  function replaceAll(items: readonly WatchedMeta[], listedAfterSeq: number): void {
    const next = new Map<string, Map<string, V>>();
    for (const obj of items) {
      const group = o.groupOf(obj);
      if (group !== undefined) {
        const members = next.get(group) ?? new Map<string, V>();
        members.set(objectKey(obj), o.project(obj));
        next.set(group, members);
      }
    }
    cache = next;
    synced = true;
    for (const group of subscribers.keys()) {
      notify(group, (sub) => sub.seq <= listedAfterSeq);
    }
  }

  function applyEvent(type: string, obj: WatchedMeta): void {
    const group = o.groupOf(obj);
    if (group === undefined) {
      return;
    }
    const members = cache.get(group) ?? new Map<string, V>();
    if (type === 'DELETED') {
      members.delete(objectKey(obj));
    } else {
      members.set(objectKey(obj), o.project(obj));
    }
    if (members.size === 0) {
      cache.delete(group);
    } else {
      cache.set(group, members);
    }
    notify(group, () => true);
  }

  function watchOnce(resourceVersion: string, signal: AbortSignal): Promise<WatchEnd> {
    return new Promise((resolve) => {
      let lastVersion = resourceVersion;
      let settled = false;
      let controller: AbortController | undefined;
      const finish = (end: WatchEnd): void => {
        if (!settled) {
          settled = true;
          signal.removeEventListener('abort', onAbort);
          controller?.abort();
          resolve(end);
        }
      };
      const onAbort = (): void => finish({ kind: 'ended', resourceVersion: lastVersion });
      signal.addEventListener('abort', onAbort, { once: true });
      const onEvent = (phase: string, raw: unknown): void => {
        const obj = (raw ?? {}) as WatchedMeta & { code?: number; message?: string };
        if (settled) {
          return;
        }
        if (phase === 'ERROR') {
          finish(obj.code === 410 ? { kind: 'gone' } : { kind: 'error', error: new Error(obj.message ?? 'watch error'), resourceVersion: lastVersion });
          return;
        }
        lastVersion = obj.metadata?.resourceVersion ?? lastVersion;
        if (phase !== 'BOOKMARK') {
          applyEvent(phase, obj);
        }
      };
      const onDone = (error: unknown): void => {
        if (error && statusCodeOf(error) === 410) {
          finish({ kind: 'gone' });
        } else if (!error || (error instanceof Error && error.name === 'TimeoutError')) {
          // client-node ends a watch after 30 s without a byte: a quiet cluster, not a failure.
          finish({ kind: 'ended', resourceVersion: lastVersion });
        } else {
          finish({ kind: 'error', error, resourceVersion: lastVersion });
        }
      };
      watcher.watch(o.path, { labelSelector: o.labelSelector, resourceVersion, allowWatchBookmarks: true }, onEvent, onDone).then(
        (started) => {
          controller = started;
          if (settled) {
            started.abort();
          }
        },
        (error: unknown) => finish({ kind: 'error', error, resourceVersion: lastVersion }),
      );
    });
  }

  /**
   * List and replace the cache; the listed objects stay in this frame only. (Held in run()'s
   * frame, the full objects of the last list lived as long as the watch.) Undefined when aborted.
   */
  async function relist(signal: AbortSignal): Promise<string | undefined> {
    const listedAfterSeq = subscriptions;
    const listed = await o.list();
    if (signal.aborted) {
      return undefined;
    }
    replaceAll(listed.items, listedAfterSeq);
    return listed.resourceVersion;
  }

  async function run(signal: AbortSignal): Promise<void> {
    const backoff = createBackoff(o.random, { initialMs: 200, maxMs: 10_000, factor: 2, jitter: 0.2 });
    const pause = (): Promise<void> => sleep(backoff.next(), undefined, { signal }).catch(() => undefined);
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      if (resourceVersion === undefined) {
        try {
          resourceVersion = await relist(signal);
          if (resourceVersion === undefined) {
            return;
          }
        } catch (error) {
          o.log.warn('list failed, retrying', { path: o.path, reason: describeKubeError(error) });
          await pause();
          continue;
        }
      }
      const started = Date.now();
      const end = await watchOnce(resourceVersion, signal);
      if (end.kind === 'gone') {
        o.log.info('watch expired (410), re-listing', { path: o.path });
        resourceVersion = undefined;
      } else if (end.kind === 'error') {
        o.log.warn('watch failed, resuming', { path: o.path, reason: describeKubeError(end.error) });
        resourceVersion = end.resourceVersion;
        await pause();
      } else {
        resourceVersion = end.resourceVersion;
        // A watch that ends at once (a proxy cutting it) must not turn into a busy loop.
        if (Date.now() - started < 1000) {
          await pause();
        } else {
          backoff.reset();
        }
      }
    }
  }

  function start(): void {
    const controller = new AbortController();
    loop = controller;
    run(controller.signal).catch((error: unknown) => o.log.error('informer stopped unexpectedly', { path: o.path, error }));
  }

  function stop(): void {
    loop?.abort();
    loop = undefined;
    cache = new Map();
    synced = false;
  }

  return {
    subscribe(group, listener) {
      subscriptions += 1;
      const sub: Subscriber<V> = { listener, seq: subscriptions };
      const subs = subscribers.get(group) ?? new Set<Subscriber<V>>();
      subs.add(sub);
      subscribers.set(group, subs);
      if (!loop) {
        start();
      } else if (synced) {
        // Asynchronously, so the caller has its unsubscribe in hand first.
        queueMicrotask(() => {
          if (synced && subs.has(sub)) {
            listener(itemsOf(group), false);
          }
        });
      }
      return () => {
        subs.delete(sub);
        if (subs.size === 0 && subscribers.get(group) === subs) {
          subscribers.delete(group);
        }
        if (subscribers.size === 0) {
          stop();
        }
      };
    },
  };
}
