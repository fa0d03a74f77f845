/**
 * GET /api/v1/namespaces/{ns}/pods/{name}/log: the kubelet's log endpoint.
 * Plain text; `follow` streams until the container exits (headers flushed
 * first, since clients await them); logs stay readable after the pod ends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from './http-status.ts';
import { boolParam, intParam } from './http-io.ts';
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';
import type { LogBuffer } from './log-buffer.ts';
import { formatSegment, selectSegments } from './log-buffer.ts';
import type { PodRunner } from './pod-runner.ts';

function containerNames(pod: KubeObject): string[] {
  const containers = isRecord(pod['spec']) ? pod['spec']['containers'] : undefined;
  return Array.isArray(containers) ? containers.map((c: unknown) => (isRecord(c) ? String(c['name'] ?? '') : '')) : [];
}

function waitingReason(pod: KubeObject, container: string): string {
  const statuses = isRecord(pod['status']) ? pod['status']['containerStatuses'] : undefined;
  const status = Array.isArray(statuses) ? statuses.find((s: unknown) => isRecord(s) && s['name'] === container) : undefined;
  const waiting = isRecord(status) && isRecord(status['state']) ? status['state']['waiting'] : undefined;
  return isRecord(waiting) && typeof waiting['reason'] === 'string' ? waiting['reason'] : 'ContainerCreating';
}

function pickContainer(pod: KubeObject, requested: string | null): string {
  const names = containerNames(pod);
  const podName = pod.metadata.name ?? '';
  if (!requested) {
    if (names.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`);
    }
    return names[0] ?? '';
  }
  if (!names.includes(requested)) {
    throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  }
  return requested;
}

function sinceFrom(params: URLSearchParams): Date | undefined {
  const sinceSeconds = intParam(params, 'sinceSeconds');
  const sinceTime = params.get('sinceTime');
  if (sinceSeconds !== undefined) {
    return new Date(Date.now() - sinceSeconds * 1000);
  }
  if (sinceTime) {
    const parsed = Date.parse(sinceTime);
    if (Number.isNaN(parsed)) {
      throw badRequest(`invalid value for sinceTime: ${sinceTime}`);
    }
    return new Date(parsed);
  }
  return undefined;
}

function findLogs(runner: PodRunner, pod: KubeObject, container: string, previous: boolean): LogBuffer {
  const logs = runner.logsFor(pod, container, previous);
  const podName = pod.metadata.name ?? '';
  if (!logs) {
    throw badRequest(
      previous
        ? `previous terminated container "${container}" in pod "${podName}" not found`
        : `container "${container}" in pod "${podName}" is waiting to start: ${waitingReason(pod, container)}`,
    );
  }
  return logs;
}

export function servePodLog(runner: PodRunner, pod: KubeObject, req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
  const container = pickContainer(pod, params.get('container'));
  const logs = findLogs(runner, pod, container, boolParam(params, 'previous'));
  const timestamps = boolParam(params, 'timestamps');
  const limitBytes = intParam(params, 'limitBytes');
  let budget = limitBytes ?? Number.POSITIVE_INFINITY;
  const write = (text: string): boolean => {
    const chunk = budget < Buffer.byteLength(text) ? Buffer.from(text).subarray(0, Math.max(0, budget)).toString('utf8') : text;
    budget -= Buffer.byteLength(chunk);
    res.write(chunk);
    return budget > 0;
  };
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const selected = selectSegments(logs.segments(), { tailLines: intParam(params, 'tailLines'), since: sinceFrom(params), timestamps });
  const open = selected.every((segment) => write(formatSegment(segment, timestamps)));
  if (!boolParam(params, 'follow') || logs.closed || !open) {
    res.end();
    return;
  }
  const stop = logs.subscribe(
    (segment) => {
      if (!write(formatSegment(segment, timestamps))) {
        stop();
        res.end();
      }
    },
    () => res.end(),
  );
  req.on('close', () => stop());
}
