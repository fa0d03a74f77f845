/** Implemented operations, keyed by GitHub's operationId. Anything else in the description is a violation. */
import { createFromManifest } from './app-manifests.ts';
import { getWebhookDelivery, listWebhookDeliveries, redeliverWebhookDelivery } from './app-webhooks.ts';
import { createComment, createIssueReaction, listComments, updateComment } from './comments.ts';
import type { OperationHandler } from './handler.ts';
import { createInstallationAccessToken, getInstallation, getRepoInstallation, revokeInstallationAccessToken } from './installations.ts';
import { listIssueEvents } from './issue-events.ts';
import { getCollaboratorPermission, getIssue, listIssuesForRepo } from './issues.ts';
import { addLabels, createLabel, getLabel, listLabelsForRepo, listLabelsOnIssue, removeLabel, updateLabel } from './labels.ts';
import { createPull, getPull, listPulls, updatePull } from './pulls.ts';
import { getAuthenticatedUser } from './users.ts';

export const OPERATION_HANDLERS: Readonly<Record<string, OperationHandler>> = {
  'apps/create-installation-access-token': createInstallationAccessToken,
  'apps/get-installation': getInstallation,
  'apps/get-repo-installation': getRepoInstallation,
  'apps/list-webhook-deliveries': listWebhookDeliveries,
  'apps/get-webhook-delivery': getWebhookDelivery,
  'apps/redeliver-webhook-delivery': redeliverWebhookDelivery,
  'apps/create-from-manifest': createFromManifest,
  'apps/revoke-installation-access-token': revokeInstallationAccessToken,
  'repos/get-collaborator-permission-level': getCollaboratorPermission,
  'issues/list-labels-for-repo': listLabelsForRepo,
  'issues/create-label': createLabel,
  'issues/get-label': getLabel,
  'issues/update-label': updateLabel,
  'issues/list-labels-on-issue': listLabelsOnIssue,
  'issues/add-labels': addLabels,
  'issues/remove-label': removeLabel,
  'issues/list-comments': listComments,
  'issues/create-comment': createComment,
  'issues/update-comment': updateComment,
  'reactions/create-for-issue': createIssueReaction,
  'issues/list-for-repo': listIssuesForRepo,
  'issues/get': getIssue,
  'issues/list-events': listIssueEvents,
  'pulls/get': getPull,
  'pulls/list': listPulls,
  'pulls/create': createPull,
  'pulls/update': updatePull,
  'users/get-authenticated': getAuthenticatedUser,
};

export type { CallerAuth, HandlerResult, OperationHandler, RequestContext } from './handler.ts';
