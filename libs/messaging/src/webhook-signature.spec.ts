import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook } from './webhook-signature';

const SECRET = `whsec_${Buffer.from('a 32-byte key for these tests!!!').toString('base64')}`;
const body = '{"specversion":"1.0","id":"m-1"}';

describe('webhook signatures (Standard Webhooks)', () => {
  it('signs id.timestamp.body with HMAC-SHA256 under the decoded secret, as a receiver recomputes it by hand', () => {
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const byHand = createHmac('sha256', key).update(`m-1.1700000000.${body}`).digest('base64');
    expect(signWebhook(SECRET, 'm-1', 1700000000, body)).toBe(`v1,${byHand}`);
  });

  it('accepts a fresh delivery, also among several signatures during a secret rotation', () => {
    const now = 1700000000;
    const signature = signWebhook(SECRET, 'm-1', now, body);
    expect(verifyWebhook(SECRET, { id: 'm-1', timestamp: String(now), signature }, body, now + 10)).toEqual({ ok: true });
    expect(verifyWebhook(SECRET, { id: 'm-1', timestamp: String(now), signature: `v1,AAAA ${signature}` }, body, now)).toEqual({ ok: true });
  });

  it('refuses a changed body, another id, another secret, an old timestamp and missing headers, saying why', () => {
    const now = 1700000000;
    const signature = signWebhook(SECRET, 'm-1', now, body);
    expect(verifyWebhook(SECRET, { id: 'm-1', timestamp: String(now), signature }, `${body} `, now)).toMatchObject({ ok: false, problem: expect.stringContaining('no v1 signature') });
    expect(verifyWebhook(SECRET, { id: 'm-2', timestamp: String(now), signature }, body, now).ok).toBe(false);
    const other = `whsec_${Buffer.from('another 32-byte key for the test').toString('base64')}`;
    expect(verifyWebhook(other, { id: 'm-1', timestamp: String(now), signature }, body, now).ok).toBe(false);
    expect(verifyWebhook(SECRET, { id: 'm-1', timestamp: String(now), signature }, body, now + 301)).toMatchObject({ ok: false, problem: expect.stringContaining('301 s off') });
    expect(verifyWebhook(SECRET, { id: 'm-1', signature }, body, now)).toMatchObject({ ok: false, problem: expect.stringContaining('required') });
    expect(() => signWebhook('plain-secret', 'm-1', now, body)).toThrow(/whsec_/);
  });
});
