import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The first byte of a sealed payload: its format, so a later one can sit beside it. */
export const SEALED_PAYLOAD_VERSION = 1;

/**
 * Any bytes under AES-256-GCM, bound to `context` (a dead letter's message id) as additional
 * authenticated data, so a sealed payload cannot be passed off as another message's. Stored as
 * version(1) || iv(12) || ciphertext || tag(16). `iv` must never have been used with this key.
 */
export function sealPayload(key: Buffer, bytes: Buffer, context: string, iv: Buffer = randomBytes(IV_BYTES)): Buffer {
  if (key.length !== 32) throw new Error('the payload key must be 32 bytes');
  if (iv.length !== IV_BYTES) throw new Error(`the IV must be ${IV_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(bytes), cipher.final()]);
  return Buffer.concat([Buffer.from([SEALED_PAYLOAD_VERSION]), iv, body, cipher.getAuthTag()]);
}

/** The bytes sealPayload sealed with this key and context; throws when the key, the context or any byte differs. */
export function openPayload(key: Buffer, sealed: Buffer, context: string): Buffer {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== SEALED_PAYLOAD_VERSION) throw new Error('not a sealed payload of this version');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + IV_BYTES));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}
