import { z } from 'zod';

/**
 * The few fields of a GitHub payload the policy reads. Parsing is lenient:
 * a payload without them is a valid delivery that starts nothing.
 */
const factsSchema = z.looseObject({
  action: z.string().optional(),
  label: z.looseObject({ name: z.string() }).optional(),
  sender: z.looseObject({ id: z.number(), login: z.string(), type: z.string() }).optional(),
  repository: z
    .looseObject({
      id: z.number().int(),
      full_name: z.string(),
      name: z.string(),
      private: z.boolean().optional(),
      fork: z.boolean().optional(),
    })
    .optional(),
  issue: z
    .looseObject({
      id: z.number(),
      number: z.number().int().positive(),
      title: z.string().optional(),
      html_url: z.string().optional(),
      state: z.string().optional(),
    })
    .optional(),
});

export type WebhookFacts = z.infer<typeof factsSchema>;

/** Returns null when a field that is present has the wrong type. */
export function readWebhookFacts(payload: unknown): WebhookFacts | null {
  const parsed = factsSchema.safeParse(payload);
  return parsed.success ? parsed.data : null;
}
