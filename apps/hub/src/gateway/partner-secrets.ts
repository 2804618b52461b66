import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_SECRET_PREFIX } from '@ketenhub/messaging';

/**
 * Each partner's two secrets, derived from PARTNER_SECRET_KEY and the partner id, so the hub
 * stores none of them: the OAuth2 client secret it presents at /oauth/token, and the key the hub
 * signs its webhook deliveries with. `npm run partner -- secrets <id>` prints them for handing
 * over. Rotating PARTNER_SECRET_KEY replaces every partner's secrets at once.
 */
export function clientSecretOf(key: Buffer, partnerId: string): string {
  return createHmac('sha256', key).update(`ketenhub/client-secret/v1/${partnerId}`).digest('base64url');
}

export function webhookSecretOf(key: Buffer, partnerId: string): string {
  return WEBHOOK_SECRET_PREFIX + createHmac('sha256', key).update(`ketenhub/webhook-secret/v1/${partnerId}`).digest('base64');
}

/** Compares in constant time, whatever the lengths. */
export function clientSecretMatches(key: Buffer, partnerId: string, presented: string): boolean {
  const expected = createHmac('sha256', key).update(clientSecretOf(key, partnerId)).digest();
  const given = createHmac('sha256', key).update(presented).digest();
  return timingSafeEqual(expected, given);
}
