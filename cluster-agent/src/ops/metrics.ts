/**
 * Prometheus metrics of the cluster-agent (issue 4 item 7), on a registry of
 * its own (not prom-client's global one, so several agents in one test
 * process do not collide). Gauges that mirror state (runs in progress, the
 * log outbox) read it at scrape time through `observe()`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricSources {
  runsInProgress(): number;
  logBacklog(): { frames: number; oldestQueuedAt: number | undefined };
  now(): number;
}

export interface AgentMetrics {
  readonly registry: Registry;
  readonly claims: Counter;
  readonly claimToJobCreated: Histogram;
  readonly claimToPodRunning: Histogram;
  /** Runs of the cluster waiting to be claimed, as the edge last reported. */
  readonly queueDepth: Gauge;
  readonly queueToJobCreated: Histogram;
  readonly leaseLost: Counter;
  readonly edgeReconnects: Counter;
  readonly namespacesDeleted: Counter;
  /** Connect the state-mirroring gauges to their sources (they read 0 until then). */
  observe(sources: MetricSources): void;
}

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  const registers = [registry];
  let sources: MetricSources | undefined;
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'stageline_agent_runs_in_progress',
    help: 'Runs this agent holds and supervises',
    registers,
    collect() {
      this.set(sources?.runsInProgress() ?? 0);
    },
  });
  new Gauge({
    name: 'stageline_agent_log_outbox_frames',
    help: 'Log chunks sent but not yet acknowledged by the edge (log lag in frames)',
    registers,
    collect() {
      this.set(sources?.logBacklog().frames ?? 0);
    },
  });
  new Gauge({
    name: 'stageline_agent_log_lag_seconds',
    help: 'Age of the oldest unacknowledged log chunk',
    registers,
    collect() {
      const oldest = sources?.logBacklog().oldestQueuedAt;
      this.set(sources && oldest !== undefined ? Math.max(0, (sources.now() - oldest) / 1000) : 0);
    },
  });
  return {
    registry,
    claims: new Counter({ name: 'stageline_agent_claims_total', help: 'Runs claimed from the edge', registers }),
    claimToJobCreated: new Histogram({
      name: 'stageline_agent_claim_to_job_created_seconds',
      help: 'Time from a claim result to the run Job being created',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    claimToPodRunning: new Histogram({
      name: 'stageline_agent_claim_to_pod_running_seconds',
      help: 'Time from a claim result to the run pod running',
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    queueDepth: new Gauge({ name: 'stageline_agent_queue_depth', help: 'Runs of this cluster waiting to be claimed, as last reported by the edge', registers }),
    queueToJobCreated: new Histogram({
      name: 'stageline_agent_queue_to_job_created_seconds',
      help: 'Time from a run being queued at the edge to its Job being created (includes clock skew between edge and agent)',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    }),
    leaseLost: new Counter({ name: 'stageline_agent_lease_lost_total', help: 'Run leases the edge took away from this agent', registers }),
    edgeReconnects: new Counter({ name: 'stageline_agent_edge_reconnects_total', help: 'Edge socket connections after the first', registers }),
    namespacesDeleted: new Counter({ name: 'stageline_agent_namespaces_deleted_total', help: 'Run namespaces deleted by the TTL sweep', registers }),
    observe(next) {
      sources = next;
    },
  };
}
