/**
 * client-node 2.x builds a new undici Agent for every request whose cluster
 * has TLS options (a CA, client certificates, or skip-verify), so no
 * connection is ever reused: each API call pays a TCP and TLS handshake, and
 * its socket lingers for the keep-alive timeout. With hundreds of runs that
 * was a large share of the agent's memory. Here every request of this
 * KubeConfig uses one Agent (one connection pool), renewed every few minutes
 * so TLS material read from files (a rotated CA or client certificate) is
 * still picked up; requests under way keep their old Agent.
 */
import type { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

const DEFAULT_MAX_AGE_MS = 5 * 60_000;

export function shareDispatcher(kubeConfig: KubeConfig, maxAgeMs = DEFAULT_MAX_AGE_MS, now: () => number = Date.now): void {
  const apply = kubeConfig.applySecurityAuthentication.bind(kubeConfig);
  let shared: { dispatcher: Dispatcher; since: number } | undefined;
  kubeConfig.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await apply(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) {
      // No TLS options: undici's global dispatcher, which pools already.
      return;
    }
    if (shared === undefined || now() - shared.since >= maxAgeMs) {
      shared = { dispatcher: fresh, since: now() };
      return;
    }
    // The fresh Agent has no connections yet; dropping it costs nothing.
    context.setDispatcher(shared.dispatcher);
  };
}
