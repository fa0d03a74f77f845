/**
 * Records whether the last Kubernetes API call succeeded (for /readyz) by
 * wrapping every request-response method of a gateway. The long-running
 * calls (a Job watch, a log stream) end by abort as often as by failure and
 * are left out.
 */
import type { KubeGateway } from '../kube/kube-gateway.ts';

export interface KubeHealth {
  /** Outcome of the last API call; undefined before the first. */
  lastOk(): boolean | undefined;
}

export function trackKubeHealth(gateway: KubeGateway): { gateway: KubeGateway; health: KubeHealth } {
  let last: boolean | undefined;
  const track =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        const result = await call(...args);
        last = true;
        return result;
      } catch (error) {
        last = false;
        throw error;
      }
    };
  const tracked: KubeGateway = {
    ensureNamespace: track((m) => gateway.ensureNamespace(m)),
    applyObject: track((m) => gateway.applyObject(m)),
    ensureJob: track((ns, m) => gateway.ensureJob(ns, m)),
    setJobOwner: track((o, j) => gateway.setJobOwner(o, j)),
    listManagedJobs: track(() => gateway.listManagedJobs()),
    findRunJobs: track((runId) => gateway.findRunJobs(runId)),
    deleteJob: track((ns, name) => gateway.deleteJob(ns, name)),
    waitForJobOutcome: (ref, signal) => gateway.waitForJobOutcome(ref, signal),
    listJobPods: track((ref) => gateway.listJobPods(ref)),
    watchJobPods: (ref, onPods, signal) => gateway.watchJobPods(ref, onPods, signal),
    followPodLog: (ref, pod, onLine, signal) => gateway.followPodLog(ref, pod, onLine, signal),
    listNamespaces: track((selector) => gateway.listNamespaces(selector)),
    readNamespace: track((name) => gateway.readNamespace(name)),
    patchNamespaceAnnotations: track((name, annotations, rv) => gateway.patchNamespaceAnnotations(name, annotations, rv)),
    deleteNamespace: track((name, pre) => gateway.deleteNamespace(name, pre)),
    listBusyNamespaces: track(() => gateway.listBusyNamespaces()),
  };
  return { gateway: tracked, health: { lastOk: () => last } };
}
