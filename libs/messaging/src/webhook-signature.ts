import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures as the Standard Webhooks specification has them (standardwebhooks.com):
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>")>`,
 * where the secret is `whsec_<base64 key>`. A receiver checks it in a few lines (docs/API.md) and
 * refuses a timestamp more than five minutes off, so a captured delivery cannot be replayed later.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_TOLERANCE_SECONDS = 300;

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error(`a webhook secret starts with ${WEBHOOK_SECRET_PREFIX}`);
  return Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
}

export function signWebhook(secret: string, id: string, timestamp: number, body: Buffer | string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

export type WebhookCheck = { ok: true } | { ok: false; problem: string };

/** Checks a delivery's headers against the body and the secret; `now` in seconds. */
export function verifyWebhook(
  secret: string, headers: { id?: string; timestamp?: string; signature?: string }, body: Buffer | string, now = Math.floor(Date.now() / 1000),
): WebhookCheck {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, problem: 'webhook-id, webhook-timestamp and webhook-signature headers are all required' };
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return { ok: false, problem: `webhook-timestamp '${timestamp}' is not a whole number of seconds` };
  if (Math.abs(now - ts) > WEBHOOK_TOLERANCE_SECONDS) return { ok: false, problem: `webhook-timestamp is ${now - ts} s off; at most ${WEBHOOK_TOLERANCE_SECONDS} s is accepted` };
  const expected = Buffer.from(signWebhook(secret, id, ts, body).slice(3), 'base64');
  // The header may carry several space-separated signatures during a secret rotation.
  const match = signature.split(' ').some((candidate) => {
    const [version, mac] = candidate.split(',', 2);
    if (version !== 'v1' || !mac) return false;
    const given = Buffer.from(mac, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true } : { ok: false, problem: 'no v1 signature in webhook-signature matches the body and the secret' };
}
