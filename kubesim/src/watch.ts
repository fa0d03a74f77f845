/**
 * WATCH: newline-delimited JSON events over a chunked 200 response.
 *
 * Every store event lands in a bounded per-resource history (like the
 * apiserver's watch cache), so a watch from resourceVersion N replays what
 * happened after N; N older than the window gets a 410 Expired ERROR event.
 * A quiet resource never expires, however busy the others are. Filters follow
 * the watch cache: an object that stops matching a selector is reported
 * DELETED, one that starts matching is ADDED.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expired } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import type { ResourceType } from './resource-registry.ts';
import type { ObjectFilter } from './selectors.ts';
import { matchesFilter } from './selectors.ts';
import type { Store, StoreEvent } from './store.ts';

export interface WatchParams {
  resourceVersion: string | undefined;
  timeoutSeconds: number | undefined;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
  /** Re-encodes event objects, e.g. as one-row Tables for `kubectl get -w`. */
  render: ((obj: KubeObject) => unknown) | undefined;
}

export interface WatchScope {
  resource: ResourceType;
  /** undefined watches every namespace. */
  namespace: string | undefined;
  filter: ObjectFilter;
}

interface History {
  events: StoreEvent[];
  /** Every event after this revision is still in `events`. */
  floor: number;
}

interface Watcher {
  scope: WatchScope;
  send: (type: string, object: unknown) => void;
  end: () => void;
}

export interface WatchHub {
  serve(req: IncomingMessage, res: ServerResponse, scope: WatchScope, params: WatchParams): void;
  close(): void;
}

const BOOKMARK_INTERVAL_MS = 15_000;

function inScope(scope: WatchScope, obj: KubeObject | undefined): boolean {
  if (!obj) {
    return false;
  }
  const namespaceOk = scope.namespace === undefined || obj.metadata.namespace === scope.namespace;
  return namespaceOk && matchesFilter(scope.filter, obj);
}

/** The event a filtered watcher sees for a store event, if any. */
export function toWatchEvent(scope: WatchScope, event: StoreEvent): { type: string; object: KubeObject } | undefined {
  const now = inScope(scope, event.type === 'DELETED' ? event.previous : event.object);
  const before = inScope(scope, event.previous);
  if (event.type === 'DELETED') {
    return now ? { type: 'DELETED', object: event.object } : undefined;
  }
  if (now) {
    return { type: before ? 'MODIFIED' : 'ADDED', object: event.object };
  }
  return before ? { type: 'DELETED', object: event.object } : undefined;
}

export function createWatchHub(store: Store, historySize: number): WatchHub {
  const histories = new Map<ResourceType, History>();
  const watchers = new Set<Watcher>();

  store.subscribe((event) => {
    let history = histories.get(event.resource);
    if (!history) {
      history = { events: [], floor: 0 };
      histories.set(event.resource, history);
    }
    history.events.push(event);
    if (history.events.length > historySize) {
      history.floor = history.events.shift()?.resourceVersion ?? history.floor;
    }
    for (const watcher of watchers) {
      if (watcher.scope.resource === event.resource) {
        const out = toWatchEvent(watcher.scope, event);
        if (out) {
          watcher.send(out.type, out.object);
        }
      }
    }
  });

  const replay = (watcher: Watcher, params: WatchParams): boolean => {
    const { resource, namespace } = watcher.scope;
    const rv = params.resourceVersion;
    if (rv === undefined || rv === '' || rv === '0' || params.sendInitialEvents) {
      // "Get state and start at most recent": synthetic ADDED for what exists now.
      for (const obj of store.list(resource, namespace)) {
        if (inScope(watcher.scope, obj)) {
          watcher.send('ADDED', obj);
        }
      }
      if (params.sendInitialEvents && params.allowWatchBookmarks) {
        watcher.send('BOOKMARK', bookmark(resource, store.currentVersion(), true));
      }
      return true;
    }
    const since = Number(rv);
    const history = histories.get(resource) ?? { events: [], floor: 0 };
    if (!Number.isFinite(since) || since < history.floor) {
      watcher.send('ERROR', expired(rv, history.floor + 1).status);
      return false;
    }
    for (const event of history.events) {
      const out = event.resourceVersion > since ? toWatchEvent(watcher.scope, event) : undefined;
      if (out) {
        watcher.send(out.type, out.object);
      }
    }
    return true;
  };

  return {
    serve(req, res, scope, params) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      // client-node's Watch awaits the headers before reading; without this it times out.
      res.flushHeaders();
      const watcher = openWatcher(res, scope, params.render, () => watchers.delete(watcher));
      if (!replay(watcher, params)) {
        watcher.end();
        return;
      }
      watchers.add(watcher);
      const timers = startTimers(watcher, params, () => store.currentVersion());
      req.on('close', () => {
        timers.forEach(clearInterval);
        watcher.end();
      });
      res.on('close', () => timers.forEach(clearInterval));
    },
    close() {
      for (const watcher of watchers) {
        watcher.end();
      }
    },
  };
}

function bookmark(resource: ResourceType, rv: number, initialEventsEnd: boolean): KubeObject {
  const metadata = initialEventsEnd ? { resourceVersion: String(rv), annotations: { 'k8s.io/initial-events-end': 'true' } } : { resourceVersion: String(rv) };
  return { apiVersion: resource.apiVersion, kind: resource.kind, metadata };
}

function openWatcher(res: ServerResponse, scope: WatchScope, render: WatchParams['render'], onEnd: () => void): Watcher {
  let ended = false;
  return {
    scope,
    send(type, object) {
      if (!ended) {
        const encoded = render && type !== 'ERROR' && type !== 'BOOKMARK' ? render(object as KubeObject) : object;
        res.write(`${JSON.stringify({ type, object: encoded })}\n`);
      }
    },
    end() {
      if (!ended) {
        ended = true;
        onEnd();
        res.end();
      }
    },
  };
}

function startTimers(watcher: Watcher, params: WatchParams, currentVersion: () => number): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  if (params.timeoutSeconds !== undefined && params.timeoutSeconds > 0) {
    timers.push(setTimeout(() => watcher.end(), params.timeoutSeconds * 1000));
  }
  if (params.allowWatchBookmarks) {
    timers.push(setInterval(() => watcher.send('BOOKMARK', bookmark(watcher.scope.resource, currentVersion(), false)), BOOKMARK_INTERVAL_MS));
  }
  for (const timer of timers) {
    timer.unref();
  }
  return timers;
}
