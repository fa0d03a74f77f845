/** A webhook delivery whose signature, headers and JSON were checked (routes/github-webhooks.ts). */
export interface VerifiedDelivery {
  deliveryId: string;
  event: string;
  payload: unknown;
  /** The payload's JSON text as Postgres takes it (db/jsonb.ts jsonbSafeText): stored as is, never serialised again. */
  payloadText: string;
  receivedAt: Date;
}

/**
 * What crosses into the repository's inbox (do/webhook-inbox.ts): the text
 * only. Copying a string into a Durable Object call is far cheaper than
 * copying the parsed object tree, and the inbox parses it once itself.
 */
export type DeliveryText = Omit<VerifiedDelivery, 'payload'>;

/** The delivery a `DeliveryText` carries (its text is JSON of an object: the route checked it). */
export function readDeliveryText(d: DeliveryText): VerifiedDelivery {
  return { ...d, payload: JSON.parse(d.payloadText) as unknown };
}

/** A delivery the edge makes up itself (the reconciler's re-evaluation): no received text. */
export type SyntheticDelivery = Omit<VerifiedDelivery, 'payloadText'>;
