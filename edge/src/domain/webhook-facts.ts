import type { DeliveryFacts } from '@stageline/policy';
import { z } from 'zod';

/**
 * The fields of a GitHub payload the policy reads. Parsing is lenient: a
 * payload without them is a valid delivery that starts nothing; a field that
 * is present with the wrong type makes the whole payload unreadable (null).
 */
const label = z.looseObject({ name: z.string() });
const repositoryRef = z.looseObject({ id: z.number().int(), full_name: z.string() });

const factsSchema = z.looseObject({
  action: z.string().optional(),
  label: label.optional(),
  sender: z.looseObject({ id: z.number(), login: z.string(), type: z.string() }).optional(),
  installation: z.looseObject({ id: z.number().int() }).optional(),
  repository: z
    .looseObject({
      id: z.number().int(),
      full_name: z.string(),
      name: z.string(),
      private: z.boolean().optional(),
      fork: z.boolean().optional(),
      default_branch: z.string().optional(),
    })
    .optional(),
  issue: z
    .looseObject({
      id: z.number(),
      number: z.number().int().positive(),
      title: z.string().optional(),
      html_url: z.string().optional(),
      state: z.string().optional(),
      labels: z.array(label).optional(),
      // Present (an object) when the "issue" of an issue_comment is a pull request.
      pull_request: z.looseObject({}).optional(),
    })
    .optional(),
  pull_request: z
    .looseObject({
      id: z.number(),
      number: z.number().int().positive(),
      title: z.string().optional(),
      html_url: z.string().optional(),
      state: z.string().optional(),
      updated_at: z.string().optional(),
      labels: z.array(label).optional(),
      head: z.looseObject({ sha: z.string().optional(), ref: z.string().optional() }).optional(),
      base: z.looseObject({ sha: z.string().optional(), ref: z.string().optional() }).optional(),
    })
    .optional(),
  review: z.looseObject({ state: z.string() }).optional(),
  // installation.created / deleted name `repositories`; installation_repositories names the delta.
  repositories: z.array(repositoryRef).optional(),
  repositories_added: z.array(repositoryRef).optional(),
  repositories_removed: z.array(repositoryRef).optional(),
});

export type WebhookFacts = z.infer<typeof factsSchema>;

/** Returns null when a field that is present has the wrong type. */
export function readWebhookFacts(payload: unknown): WebhookFacts | null {
  const parsed = factsSchema.safeParse(payload);
  return parsed.success ? parsed.data : null;
}

const names = (labels: readonly { name: string }[] | undefined): string[] => (labels ?? []).map((l) => l.name);
const refs = (repos: readonly { id: number; full_name: string }[] | undefined) => (repos ?? []).map((r) => ({ id: r.id, fullName: r.full_name }));

/** The policy's view of a delivery (routeDelivery input). */
export function toDeliveryFacts(event: string, facts: WebhookFacts, context: { repositoryBound: boolean; botLogin: string | null }): DeliveryFacts {
  const { issue, pull_request: pr, installation } = facts;
  const installationRepos =
    event === 'installation'
      ? { added: facts.action === 'deleted' ? [] : refs(facts.repositories), removed: facts.action === 'deleted' ? refs(facts.repositories) : [] }
      : { added: refs(facts.repositories_added), removed: refs(facts.repositories_removed) };
  return {
    event,
    action: facts.action ?? null,
    labelName: facts.label?.name ?? null,
    senderType: facts.sender?.type ?? null,
    senderLogin: facts.sender?.login ?? null,
    botLogin: context.botLogin,
    repositoryBound: context.repositoryBound,
    issue: issue ? { number: issue.number, labels: names(issue.labels), isPullRequest: issue.pull_request !== undefined } : null,
    pullRequest: pr ? { number: pr.number, labels: names(pr.labels), headSha: pr.head?.sha ?? null, headRef: pr.head?.ref ?? null, updatedAt: pr.updated_at ?? null } : null,
    reviewState: facts.review?.state.toLowerCase() ?? null,
    installation: installation && (event === 'installation' || event === 'installation_repositories') ? { id: installation.id, ...installationRepos } : null,
  };
}
