import { BsnVault } from './bsn-vault';
import { openPayload } from './sealed-payload';

const vault = new BsnVault(Buffer.alloc(32, 1), Buffer.alloc(32, 2));

describe('BsnVault', () => {
  it('finds the same person by the same keyed hash, and another key gives another hash', () => {
    expect(vault.lookupHash('111222333').equals(vault.lookupHash('111222333'))).toBe(true);
    const other = new BsnVault(Buffer.alloc(32, 9), Buffer.alloc(32, 2));
    expect(other.lookupHash('111222333').equals(vault.lookupHash('111222333'))).toBe(false);
  });

  it('encrypts with a fresh IV each time and decrypts back', () => {
    const a = vault.encrypt('111222333');
    const b = vault.encrypt('111222333');
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain('111222333');
    expect(vault.decrypt(a)).toBe('111222333');
  });

  it('never uses an IV twice, across the draws it takes them from', () => {
    const fresh = new BsnVault(Buffer.alloc(32, 1), Buffer.alloc(32, 2));
    const ivs = Array.from({ length: 1000 }, () => fresh.encrypt('111222333').subarray(0, 12).toString('hex'));
    expect(new Set(ivs).size).toBe(1000);
    expect(ivs.every((iv) => iv !== '0'.repeat(24))).toBe(true);
  });

  it('refuses a ciphertext that was changed', () => {
    const sealed = vault.encrypt('111222333');
    sealed[14] ^= 0xff;
    expect(() => vault.decrypt(sealed)).toThrow();
  });

  it('seals any bytes bound to a context, and opens them only with the same key and context', () => {
    const original = Buffer.from('{"kinderen":[{"bsn":"111222333"}], not even JSON');
    const sealed = vault.sealBytes(original, 'message-1');
    expect(sealed[0]).toBe(1);
    expect(sealed.toString('latin1')).not.toContain('111222333');
    expect(openPayload(Buffer.alloc(32, 2), sealed, 'message-1').equals(original)).toBe(true);
    expect(vault.sealBytes(original, 'message-1').equals(sealed)).toBe(false);
    expect(() => openPayload(Buffer.alloc(32, 2), sealed, 'message-2')).toThrow();
    expect(() => openPayload(Buffer.alloc(32, 3), sealed, 'message-1')).toThrow();
    const changed = Buffer.from(sealed);
    changed[20] ^= 0x01;
    expect(() => openPayload(Buffer.alloc(32, 2), changed, 'message-1')).toThrow();
    expect(() => openPayload(Buffer.alloc(32, 2), Buffer.from('plain'), 'message-1')).toThrow(/not a sealed payload/);
    expect(openPayload(Buffer.alloc(32, 2), vault.sealBytes(Buffer.alloc(0), 'empty'), 'empty').length).toBe(0);
  });
});
