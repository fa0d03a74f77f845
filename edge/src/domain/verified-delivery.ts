/** A webhook delivery whose signature, headers and JSON were checked (routes/github-webhooks.ts). */
export interface VerifiedDelivery {
  deliveryId: string;
  event: string;
  payload: unknown;
  receivedAt: Date;
}
