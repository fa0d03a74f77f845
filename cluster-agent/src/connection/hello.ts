/** The hello frame: versions for the edge's compatibility check and the Jobs this agent sees. */
import { POLICY_VERSION } from '@stageline/policy';
import { PROTOCOL_VERSION, type HelloFrame, type ObservedJob } from '@stageline/protocol';
import { AGENT_VERSION } from '../version.ts';

/** The protocol takes at most 1000 observed Jobs. */
export function buildHelloFrame(id: string, instanceId: string, observedJobs: readonly ObservedJob[]): HelloFrame {
  return {
    type: 'hello',
    id,
    protocolVersion: PROTOCOL_VERSION,
    policyVersion: POLICY_VERSION,
    instanceId,
    agentVersion: AGENT_VERSION,
    observedJobs: observedJobs.slice(0, 1000),
  };
}
