/** The App's webhook delivery log: list, inspect, redeliver. */
import { notFound } from '../github-error.ts';
import { toIsoTime } from '../render-user.ts';
import type { DeliveryState } from '../state.ts';
import type { OperationHandler, RequestContext } from './handler.ts';

const CURSOR_PREFIX = 'v1_';

function renderDeliveryItem(d: DeliveryState): Record<string, unknown> {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: toIsoTime(d.deliveredAt),
    redelivery: d.redelivery,
    duration: d.duration,
    status: d.status,
    status_code: d.statusCode,
    event: d.event,
    action: d.action,
    installation_id: d.installationId,
    repository_id: d.repositoryId,
    throttled_at: null,
  };
}

function deliveryOf(ctx: RequestContext): DeliveryState {
  const delivery = ctx.state.deliveries.find((d) => d.id === Number(ctx.pathParams.delivery_id));
  if (delivery === undefined) {
    throw notFound('https://docs.github.com/rest/apps/webhooks#get-a-delivery-for-an-app-webhook');
  }
  return delivery;
}

/** Newest first, paged by an opaque cursor naming the first delivery of the next page, as GitHub does. */
export const listWebhookDeliveries: OperationHandler = {
  auth: 'app',
  handle(ctx) {
    const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
    const cursor = ctx.query.get('cursor');
    const status = ctx.query.get('status');
    const all = [...ctx.state.deliveries]
      .sort((a, b) => b.deliveredAt - a.deliveredAt || b.id - a.id)
      .filter((d) => status === null || (status === 'success') === (d.status === 'OK'));
    const from = cursor === null ? 0 : Math.max(0, all.findIndex((d) => `${CURSOR_PREFIX}${d.id}` === cursor));
    const page = all.slice(from, from + perPage);
    const next = all[from + perPage];
    const headers: Record<string, string> = {};
    if (next !== undefined) {
      const params = new URLSearchParams({ per_page: String(perPage), cursor: `${CURSOR_PREFIX}${next.id}` });
      headers.link = `<${ctx.api}/app/hook/deliveries?${params.toString()}>; rel="next"`;
    }
    return { status: 200, body: page.map(renderDeliveryItem), headers };
  },
};

export const getWebhookDelivery: OperationHandler = {
  auth: 'app',
  handle(ctx) {
    const d = deliveryOf(ctx);
    return {
      status: 200,
      body: {
        ...renderDeliveryItem(d),
        url: `${ctx.api}/app/hook/deliveries/${d.id}`,
        request: { headers: { 'X-GitHub-Event': d.event, 'X-GitHub-Delivery': d.guid }, payload: d.payload },
        response: { headers: {}, payload: null },
      },
    };
  },
};

export const redeliverWebhookDelivery: OperationHandler = {
  auth: 'app',
  handle(ctx) {
    const d = deliveryOf(ctx);
    ctx.state.redeliveries.push({ deliveryId: d.id, at: ctx.now });
    return { status: 202, body: {} };
  },
};
