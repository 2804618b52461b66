import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * What the hub keeps of a BSN: a keyed hash to find the person again (HMAC-SHA256) and the
 * number itself under authenticated encryption (AES-256-GCM, random 96-bit IV). Stored as
 * iv(12) || ciphertext || tag(16).
 */
export class BsnVault {
  constructor(private readonly hashKey: Buffer, private readonly encryptionKey: Buffer) {
    if (hashKey.length !== 32 || encryptionKey.length !== 32) throw new Error('BSN keys must be 32 bytes each');
  }

  lookupHash(bsn: string): Buffer {
    return createHmac('sha256', this.hashKey).update(bsn, 'utf8').digest();
  }

  encrypt(bsn: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(bsn, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]);
  }

  decrypt(sealed: Buffer): string {
    const iv = sealed.subarray(0, 12);
    const tag = sealed.subarray(sealed.length - 16);
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
  }
}
