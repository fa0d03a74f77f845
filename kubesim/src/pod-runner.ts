/**
 * POD RUNNER: the kubelet of the simulated node.
 *
 *   pod ADDED ─ nodeSelector does not fit the node ─▶ Pending, PodScheduled=False Unschedulable (scheduler.ts)
 *     └─bind──▶ Pending (ContainerCreating) ──podStartDelayMs──▶ pull images (image-registry.ts)
 *     ├─ malformed image ─▶ waiting InvalidImageName (no retry)
 *     ├─ image tag `missing` ─▶ waiting ErrImagePull ⇄ ImagePullBackOff, retried with back-off
 *     ├─ missing Secret/key ─▶ waiting CreateContainerConfigError, retried on Secret/ConfigMap changes
 *     └─ spawn each container ─▶ Running ─exit─▶ terminated ─▶ Succeeded / Failed
 *                                               └─ restartPolicy says restart ─▶ CrashLoopBackOff ─▶ run again
 *   deletionTimestamp ─▶ SIGTERM the groups, SIGKILL at the end of the grace period, then remove the pod
 *   pod DELETED ─▶ SIGKILL whatever still runs; logs go with the pod
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { KubeObject } from './kube-object.ts';
import { isRecord, toKubeTime } from './kube-object.ts';
import type { LogBuffer } from './log-buffer.ts';
import { createLogBuffer } from './log-buffer.ts';
import type { ContainerRun } from './pod-status.ts';
import { buildPodStatus } from './pod-status.ts';
import { CONFIGMAPS, PODS, SECRETS } from './resource-registry.ts';
import { ensureNode } from './simulated-node.ts';
import type { Store } from './store.ts';
import { createWorkQueue } from './work-queue.ts';
import { recordEvent } from './events.ts';
import { pullImages, type PullHooks } from './image-pulls.ts';
import { containersOf, newRun, specOf, type PodRun } from './pod-run.ts';
import { nodeLabels, schedulingFailure, unschedulableStatus } from './scheduler.ts';
import { containerArgv, resolveContainerEnv } from './container-env.ts';
import { signalGroup, startContainerProcess } from './container-process.ts';
import { FS_ROOT_ENV, mountVolumes, workingDirIn } from './pod-volumes.ts';
import type { ProcessExit } from './container-process.ts';

export interface PodRunnerOptions {
  store: Store;
  workDir: string;
  startDelayMs: number;
  nodeName: string;
  /** First CrashLoopBackOff delay; doubles per restart up to 5 minutes. The kubelet uses 10 s. */
  restartBackoffMs: number;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface PodRunner {
  logsFor(pod: KubeObject, container: string, previous: boolean): LogBuffer | undefined;
  close(): void;
}

export function createPodRunner(options: PodRunnerOptions): PodRunner {
  const { store, log } = options;
  const pods = new Map<string, PodRun>();

  const later = (run: PodRun, ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      run.timers.delete(timer);
      fn();
    }, ms);
    run.timers.add(timer);
  };

  const currentPod = (run: PodRun): KubeObject | undefined => {
    const pod = store.get(PODS, run.namespace, run.name);
    return pod?.metadata.uid === run.uid ? pod : undefined;
  };

  const writeStatus = (run: PodRun): KubeObject | undefined => {
    const pod = currentPod(run);
    if (!pod) {
      return undefined;
    }
    const previous = isRecord(pod['status']) ? pod['status'] : {};
    const status = buildPodStatus({ runs: run.runs, restartPolicy: run.restartPolicy, startTime: run.startTime, hostIP: '127.0.0.1' }, previous);
    return store.put(PODS, { ...pod, status });
  };

  const destroy = (run: PodRun): void => {
    run.timers.forEach(clearTimeout);
    run.timers.clear();
    for (const c of run.runs) {
      if (c.process) {
        signalGroup(c.process, 'SIGKILL');
      }
      c.logs?.close();
    }
  };

  /** The kubelet's final DELETE once nothing runs any more (finalizers still hold it). */
  const finalizeDeletion = (run: PodRun): void => {
    const pod = writeStatus(run) ?? currentPod(run);
    if (pod && (pod.metadata.finalizers ?? []).length === 0) {
      store.remove(PODS, pod);
    }
  };

  const bind = (pod: KubeObject): PodRun => {
    const spec = specOf(pod);
    const policy = spec['restartPolicy'];
    const run: PodRun = {
      uid: pod.metadata.uid ?? '',
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      runs: containersOf(pod).map(newRun),
      restartPolicy: policy === 'Never' || policy === 'OnFailure' ? policy : 'Always',
      startTime: toKubeTime(new Date()),
      started: false,
      pullBlocked: false,
      pullFailures: 0,
      signalled: false,
      killAt: undefined,
      timers: new Set(),
    };
    // Scheduling: the only node takes every pod.
    store.put(PODS, { ...pod, spec: { ...spec, nodeName: options.nodeName } });
    writeStatus(run);
    later(run, options.startDelayMs, () => tryStart(run));
    return run;
  };

  const launch = (run: PodRun, c: ContainerRun, container: Record<string, unknown>, argv: string[], env: Record<string, string>): void => {
    c.logs = createLogBuffer();
    c.state = 'running';
    c.waiting = undefined;
    c.startedAt = toKubeTime(new Date());
    c.containerID = `containerd://${randomBytes(32).toString('hex')}`;
    if (argv.length === 0) {
      // No command: a container whose entrypoint exits 0 at once (we have no image to run).
      later(run, 0, () => onExit(run, c, { exitCode: 0, reason: 'Completed' }));
      return;
    }
    const pod = currentPod(run);
    const root = pod ? mountVolumes(store, pod, container, options.workDir) : options.workDir;
    const cwd = workingDirIn(root, container, options.workDir);
    mkdirSync(cwd, { recursive: true });
    const baseEnv = { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env['HOME'] ?? options.workDir, HOSTNAME: run.name, [FS_ROOT_ENV]: root };
    c.process = startContainerProcess({ argv, cwd, env: { ...baseEnv, ...env }, logs: c.logs, onExit: (exit) => onExit(run, c, exit) });
    log('container started', { namespace: run.namespace, pod: run.name, container: c.name, pid: c.process.pid });
  };

  const podEvent = (pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void =>
    recordEvent(store, { resource: PODS, object: pod, type, reason, message, component: 'kubelet' });

  const pullHooks: PullHooks = {
    backoffMs: options.restartBackoffMs,
    later,
    writeStatus: (run) => void writeStatus(run),
    podEvent,
    retry: (run) => tryStart(run),
  };

  const tryStart = (run: PodRun): void => {
    const pod = currentPod(run);
    if (!pod || pod.metadata.deletionTimestamp || run.started || run.pullBlocked) {
      return;
    }
    if (!pullImages(run, pod, pullHooks)) {
      return;
    }
    const prepared = containersOf(pod).map((container) => ({ container, env: resolveContainerEnv(store, pod, container) }));
    const failure = prepared.find((p) => p.env.kind === 'error');
    if (failure && failure.env.kind === 'error') {
      for (const c of run.runs) {
        c.waiting = { reason: 'CreateContainerConfigError', message: failure.env.message };
      }
      writeStatus(run);
      later(run, 2000, () => tryStart(run));
      return;
    }
    run.started = true;
    prepared.forEach(({ container, env }, i) => {
      const c = run.runs[i];
      if (c && env.kind === 'ok') {
        launch(run, c, container, containerArgv(container, env.env), env.env);
      }
    });
    writeStatus(run);
  };

  const shouldRestart = (run: PodRun, exitCode: number): boolean =>
    run.restartPolicy === 'Always' || (run.restartPolicy === 'OnFailure' && exitCode !== 0);

  const onExit = (run: PodRun, c: ContainerRun, exit: ProcessExit): void => {
    c.process = undefined;
    c.logs?.close();
    c.state = 'terminated';
    c.terminated = { ...exit, startedAt: c.startedAt ?? '', finishedAt: toKubeTime(new Date()), containerID: c.containerID ?? '' };
    log('container exited', { namespace: run.namespace, pod: run.name, container: c.name, exitCode: exit.exitCode });
    const pod = currentPod(run);
    if (!pod) {
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      if (run.runs.every((r) => !r.process)) {
        finalizeDeletion(run);
      }
      return;
    }
    writeStatus(run);
    if (shouldRestart(run, exit.exitCode)) {
      scheduleRestart(run, c);
    }
  };

  const scheduleRestart = (run: PodRun, c: ContainerRun): void => {
    const delayMs = Math.min(options.restartBackoffMs * 2 ** c.restartCount, 300_000);
    c.lastTerminated = c.terminated;
    c.state = 'waiting';
    c.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delayMs / 1000)}s restarting failed container=${c.name} pod=${run.name}_${run.namespace}(${run.uid})` };
    writeStatus(run);
    later(run, delayMs, () => {
      const pod = currentPod(run);
      const container = pod ? containersOf(pod).find((x) => x.name === c.name) : undefined;
      if (!pod || !container || pod.metadata.deletionTimestamp) {
        return;
      }
      const env = resolveContainerEnv(store, pod, container);
      c.restartCount += 1;
      c.previousLogs = c.logs;
      launch(run, c, container, containerArgv(container, env.kind === 'ok' ? env.env : {}), env.kind === 'ok' ? env.env : {});
      writeStatus(run);
    });
  };

  const terminate = (run: PodRun, pod: KubeObject): void => {
    const live = run.runs.filter((c) => c.process);
    if (live.length === 0) {
      run.timers.forEach(clearTimeout);
      finalizeDeletion(run);
      return;
    }
    if (!run.signalled) {
      run.signalled = true;
      live.forEach((c) => c.process && signalGroup(c.process, 'SIGTERM'));
    }
    const killAt = Date.parse(pod.metadata.deletionTimestamp ?? '') || Date.now();
    if (run.killAt === undefined || killAt < run.killAt) {
      run.killAt = killAt;
      later(run, Math.max(0, killAt - Date.now()), () => run.runs.forEach((c) => c.process && signalGroup(c.process, 'SIGKILL')));
    }
  };

  const reconcile = (key: string): void => {
    const [namespace = '', name = ''] = key.split('/');
    const pod = store.get(PODS, namespace, name);
    let run = pods.get(key);
    if (run && run.uid !== pod?.metadata.uid) {
      destroy(run);
      pods.delete(key);
      run = undefined;
    }
    if (!pod) {
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      if (run) {
        terminate(run, pod);
      } else if ((pod.metadata.finalizers ?? []).length === 0) {
        // Never started here (e.g. created with spec.nodeName preset): nothing to stop.
        store.remove(PODS, pod);
      }
      return;
    }
    const phase = isRecord(pod['status']) ? pod['status']['phase'] : undefined;
    if (!run && phase !== 'Succeeded' && phase !== 'Failed') {
      // A preset spec.nodeName bypasses the scheduler, as in Kubernetes.
      const unfit = specOf(pod)['nodeName'] ? undefined : schedulingFailure(pod, nodeLabels(options.nodeName));
      if (unfit === undefined) {
        pods.set(key, bind(pod));
      } else {
        leavePending(pod, unfit);
      }
    }
  };

  const leavePending = (pod: KubeObject, message: string): void => {
    const status = unschedulableStatus(pod['status'], message, new Date());
    if (JSON.stringify(status) === JSON.stringify(pod['status'])) {
      return;
    }
    store.put(PODS, { ...pod, status });
    podEvent(pod, 'Warning', 'FailedScheduling', message);
  };

  const queue = createWorkQueue(reconcile, (key, err) => log('pod runner error', { pod: key, error: String(err) }));
  const unsubscribe = store.subscribe((event) => {
    if (event.resource === PODS) {
      queue.add(`${event.object.metadata.namespace ?? ''}/${event.object.metadata.name ?? ''}`);
    }
    if ((event.resource === SECRETS || event.resource === CONFIGMAPS) && event.type !== 'DELETED') {
      // Pods stuck on CreateContainerConfigError retry as soon as their config shows up.
      for (const run of pods.values()) {
        if (run.namespace === event.object.metadata.namespace && !run.started) {
          setImmediate(() => tryStart(run));
        }
      }
    }
  });
  ensureNode(store, options.nodeName);

  return {
    logsFor(pod, container, previous) {
      const run = pods.get(`${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`);
      const c = run && run.uid === pod.metadata.uid ? run.runs.find((r) => r.name === container) : undefined;
      return previous ? c?.previousLogs : c?.logs;
    },
    close() {
      unsubscribe();
      queue.stop();
      pods.forEach(destroy);
      pods.clear();
    },
  };
}
