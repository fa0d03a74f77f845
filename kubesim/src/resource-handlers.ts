/**
 * The REST verbs on a resource path: list / watch / create / deletecollection
 * on collections; get / update / patch / delete on objects; the status and
 * log subresources.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, deletedStatus, methodNotAllowed, unknownPath } from './http-status.ts';
import { boolParam, intParam, parseJson, readBody, readJsonBody, readOptionalObjectBody, sendJson } from './http-io.ts';
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import { listObjects, selectObjects } from './list-objects.ts';
import type { DeleteOptions, Deleter } from './object-delete.ts';
import type { Subresource } from './object-write.ts';
import { createObject, getObject, updateObject } from './object-write.ts';
import { applyPatch, toPatchType } from './patch.ts';
import { servePodLog } from './pod-logs.ts';
import type { PodRunner } from './pod-runner.ts';
import type { PropagationPolicy } from './resource-registry.ts';
import { NAMESPACES, PODS } from './resource-registry.ts';
import type { ResourcePath } from './request-path.ts';
import type { ObjectFilter } from './selectors.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { Store } from './store.ts';
import { toTable, wantsTable } from './table.ts';
import type { WatchHub } from './watch.ts';

export interface HandlerContext {
  store: Store;
  deleter: Deleter;
  watchHub: WatchHub;
  podRunner: PodRunner;
}

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  path: ResourcePath;
  params: URLSearchParams;
}

function filterOf(path: ResourcePath, params: URLSearchParams): ObjectFilter {
  return { labels: parseLabelSelector(params.get('labelSelector')), fields: parseFieldSelector(params.get('fieldSelector'), path.resource) };
}

function dryRunOf(params: URLSearchParams): boolean {
  const value = params.get('dryRun');
  if (value !== null && value !== 'All') {
    throw badRequest(`Invalid dry run value: ${value}; supported values: "All"`);
  }
  return value === 'All';
}

function respondObject(r: Request, code: number, obj: KubeObject): void {
  if (wantsTable(r.req.headers.accept)) {
    sendJson(r.res, code, toTable(r.path.resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, r.params.get('includeObject') ?? 'Metadata'));
    return;
  }
  sendJson(r.res, code, obj);
}

function handleList(ctx: HandlerContext, r: Request): void {
  const filter = filterOf(r.path, r.params);
  const watching = r.path.watchPrefix || boolParam(r.params, 'watch');
  if (watching) {
    const table = wantsTable(r.req.headers.accept);
    const includeObject = r.params.get('includeObject') ?? 'Metadata';
    const render = table ? (obj: KubeObject) => toTable(r.path.resource, [obj], { resourceVersion: obj.metadata.resourceVersion }, includeObject) : undefined;
    ctx.watchHub.serve(r.req, r.res, { resource: r.path.resource, namespace: r.path.namespace, filter }, {
      resourceVersion: r.params.get('resourceVersion') ?? undefined,
      timeoutSeconds: intParam(r.params, 'timeoutSeconds'),
      allowWatchBookmarks: boolParam(r.params, 'allowWatchBookmarks'),
      sendInitialEvents: boolParam(r.params, 'sendInitialEvents'),
      render,
    });
    return;
  }
  const list = listObjects(ctx.store, r.path.resource, r.path.namespace, { filter, limit: intParam(r.params, 'limit'), continueToken: r.params.get('continue') ?? undefined });
  if (wantsTable(r.req.headers.accept)) {
    const objects = list.items.map((item) => ({ ...item, apiVersion: list.apiVersion, kind: r.path.resource.kind }));
    sendJson(r.res, 200, toTable(r.path.resource, objects, list.metadata, r.params.get('includeObject') ?? 'Metadata'));
    return;
  }
  sendJson(r.res, 200, list);
}

async function readDeleteOptions(r: Request): Promise<DeleteOptions> {
  const body = await readOptionalObjectBody(r.req);
  const options: DeleteOptions = {};
  const source = isRecord(body) ? body : {};
  const policy = r.params.get('propagationPolicy') ?? source['propagationPolicy'];
  if (policy !== undefined && policy !== null) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`);
    }
    options.propagationPolicy = policy satisfies PropagationPolicy;
  }
  const grace = intParam(r.params, 'gracePeriodSeconds') ?? source['gracePeriodSeconds'];
  if (typeof grace === 'number') {
    options.gracePeriodSeconds = grace;
  }
  const orphan = r.params.get('orphanDependents') ?? source['orphanDependents'];
  if (orphan !== undefined && orphan !== null) {
    options.orphanDependents = orphan === true || orphan === 'true';
  }
  if (isRecord(source['preconditions'])) {
    options.preconditions = { uid: String(source['preconditions']['uid'] ?? '') || undefined, resourceVersion: String(source['preconditions']['resourceVersion'] ?? '') || undefined };
  }
  options.dryRun = dryRunOf(r.params) || (Array.isArray(source['dryRun']) && source['dryRun'].includes('All'));
  return options;
}

async function handleDelete(ctx: HandlerContext, r: Request, namespace: string, name: string): Promise<void> {
  const outcome = ctx.deleter.delete(r.path.resource, namespace, name, await readDeleteOptions(r));
  // Pods and namespaces answer with the object; other kinds with a Success Status once gone.
  const returnsObject = !outcome.removed || r.path.resource === PODS || r.path.resource === NAMESPACES;
  sendJson(r.res, 200, returnsObject ? outcome.object : deletedStatus(r.path.resource, name, outcome.object.metadata.uid));
}

async function handleDeleteCollection(ctx: HandlerContext, r: Request, namespace: string): Promise<void> {
  const options = await readDeleteOptions(r);
  const items: KubeObject[] = [];
  for (const obj of selectObjects(ctx.store, r.path.resource, r.path.namespace, filterOf(r.path, r.params))) {
    try {
      items.push(ctx.deleter.delete(r.path.resource, namespace || (obj.metadata.namespace ?? ''), obj.metadata.name ?? '', options).object);
    } catch (err) {
      // Deleted concurrently (e.g. by the garbage collector): nothing left to do for it.
      if (!(err instanceof ApiError && err.status.code === 404)) {
        throw err;
      }
    }
  }
  sendJson(r.res, 200, { apiVersion: r.path.resource.apiVersion, kind: `${r.path.resource.kind}List`, metadata: { resourceVersion: String(ctx.store.currentVersion()) }, items });
}

async function handlePatch(ctx: HandlerContext, r: Request, namespace: string, name: string, subresource: Subresource): Promise<void> {
  const type = toPatchType(r.req.headers['content-type']);
  const patch = parseJson(await readBody(r.req));
  const options = { dryRun: dryRunOf(r.params) };
  const existing = ctx.store.get(r.path.resource, namespace, name);
  if (!existing && type === 'apply' && subresource === undefined) {
    // Server-side apply creates missing objects; the patch is the whole object.
    respondObject(r, 201, createObject(ctx.store, r.path.resource, namespace, patch, options));
    return;
  }
  const current = existing ?? getObject(ctx.store, r.path.resource, namespace, name);
  const patched = applyPatch(type, structuredClone(current), patch);
  respondObject(r, 200, updateObject(ctx.store, r.path.resource, current, patched, options, subresource));
}

async function handleObject(ctx: HandlerContext, r: Request, name: string): Promise<void> {
  const namespace = r.path.namespace ?? '';
  const sub = r.path.subresource;
  if (sub === 'log' && r.path.resource === PODS && r.req.method === 'GET') {
    servePodLog(ctx.podRunner, getObject(ctx.store, PODS, namespace, name), r.req, r.res, r.params);
    return;
  }
  if (sub !== undefined && !(sub === 'status' && r.path.resource.statusSubresource)) {
    throw unknownPath();
  }
  const subresource: Subresource = sub === 'status' ? 'status' : undefined;
  switch (r.req.method) {
    case 'GET':
      respondObject(r, 200, getObject(ctx.store, r.path.resource, namespace, name));
      return;
    case 'PUT': {
      const existing = getObject(ctx.store, r.path.resource, namespace, name);
      respondObject(r, 200, updateObject(ctx.store, r.path.resource, existing, await readJsonBody(r.req), { dryRun: dryRunOf(r.params) }, subresource));
      return;
    }
    case 'PATCH':
      await handlePatch(ctx, r, namespace, name, subresource);
      return;
    case 'DELETE':
      if (subresource) {
        throw methodNotAllowed();
      }
      await handleDelete(ctx, r, namespace, name);
      return;
    default:
      throw methodNotAllowed();
  }
}

async function handleCollection(ctx: HandlerContext, r: Request): Promise<void> {
  const { resource, namespace } = r.path;
  const scoped = !resource.namespaced || namespace !== undefined;
  switch (r.req.method) {
    case 'GET':
      handleList(ctx, r);
      return;
    case 'POST':
      if (!scoped) {
        throw methodNotAllowed();
      }
      respondObject(r, 201, createObject(ctx.store, resource, namespace ?? '', await readJsonBody(r.req), { dryRun: dryRunOf(r.params) }));
      return;
    case 'DELETE':
      if (!scoped) {
        throw methodNotAllowed();
      }
      await handleDeleteCollection(ctx, r, namespace ?? '');
      return;
    default:
      throw methodNotAllowed();
  }
}

export async function handleResource(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, path: ResourcePath, params: URLSearchParams): Promise<void> {
  const r: Request = { req, res, path, params };
  if (path.name === undefined) {
    await handleCollection(ctx, r);
    return;
  }
  if (req.method === 'GET' && (path.watchPrefix || boolParam(params, 'watch'))) {
    // Watching one object is a watch on its collection narrowed to its name.
    const fieldSelector = [params.get('fieldSelector'), `metadata.name=${path.name}`].filter(Boolean).join(',');
    const narrowed = new URLSearchParams(params);
    narrowed.set('fieldSelector', fieldSelector);
    handleList(ctx, { ...r, path: { ...path, name: undefined }, params: narrowed });
    return;
  }
  await handleObject(ctx, r, path.name);
}
