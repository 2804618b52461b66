import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ketenhub/config';
import { Contracts } from '@ketenhub/contracts';
import { Topics } from '@ketenhub/messaging';
import { buildAsyncApi, loadRegion, parseRegion } from '@ketenhub/routing';
import { partnerProfile, type PartnerProfile } from './partner-profile';
import { freshEvent, invalidVariant, otherSourceVariant, repeatable, unknownPersonVariant, type Freshness } from './sample-events';

const contracts = Contracts.load();
const regionsDir = path.join(repoRoot(), 'config', 'regions');
const WEBHOOK_URL = 'https://ontvanger.toegang-almere.example/ketenhub/geheim-pad';

/** Flevoland with toegang-almere on a webhook and veilig-thuis-flevoland on the feed. */
function flevolandWithHttps() {
  const text = fs.readFileSync(path.join(regionsDir, 'flevoland', 'region.yaml'), 'utf8')
    .replace(/(  - \{ id: toegang-almere, [^\n]*?) \}\n/, `$1, connection: { via: HTTPS_WEBHOOK, webhookUrl: "${WEBHOOK_URL}", rateLimitPerSecond: 20 } }\n`)
    .replace(/(  - \{ id: veilig-thuis-flevoland, [^\n]*?) \}\n/, '$1, connection: { via: HTTPS_FEED } }\n');
  return parseRegion(text, 'flevoland (test)', contracts);
}

function profileOf(document: unknown, id: string): PartnerProfile {
  const result = partnerProfile(document, id);
  if (!result.ok) throw new Error(result.problem);
  return result.profile;
}

describe('partnerProfile: what a conformance run reads from the hub\'s AsyncAPI document', () => {
  const region = flevolandWithHttps();
  const document = buildAsyncApi(contracts, region, new Topics('acc.'));

  it.each([
    ['toegang-almere', 'LOKALE_TOEGANG', 'HTTPS_WEBHOOK'],
    ['veilig-thuis-flevoland', 'VEILIG_THUIS', 'HTTPS_FEED'],
    ['rvdk-flevoland', 'RVDK', 'KAFKA'],
  ])('reads %s as %s connected via %s, with its topics and prefix', (id, role, via) => {
    expect(profileOf(document, id)).toMatchObject({
      id, role, connection: via, inboundTopic: `acc.inbound.${id}`, outboundTopic: `acc.outbound.${id}`, topicPrefix: 'acc.',
    });
  });

  it('says how a partner connects but never where: the document is public and the webhook address is not in it', () => {
    const channels = document.channels as Record<string, Record<string, unknown>>;
    expect(channels['inbound.toegang-almere']['x-ketenhub-connection']).toEqual({ via: 'HTTPS_WEBHOOK', rateLimitPerSecond: 20 });
    expect(channels['outbound.toegang-almere']['x-ketenhub-role']).toBe('LOKALE_TOEGANG');
    expect(JSON.stringify(document)).not.toContain('ontvanger.toegang-almere.example');
  });

  it('takes one sample per example of exactly the types the role may publish, each with its data schema', () => {
    const profile = profileOf(document, 'rvdk-flevoland');
    expect(profile.samples.map((s) => s.type)).toEqual(contracts.eventTypes().filter((t) => contracts.publishersOf(t).includes('RVDK')));
    expect(profile.samples.every((s) => Array.isArray(s.dataSchema?.required))).toBe(true);
    expect(profile.otherPartners).toHaveLength(region.config.partners.length - 1);
  });

  it('falls back to the channel texts of a hub without the x-ketenhub extensions', () => {
    const old = JSON.parse(JSON.stringify(document)) as { channels: Record<string, Record<string, unknown>> };
    for (const channel of Object.values(old.channels)) for (const key of Object.keys(channel)) if (key.startsWith('x-')) delete channel[key];
    expect(profileOf(old, 'toegang-almere')).toMatchObject({ role: 'LOKALE_TOEGANG', connection: 'HTTPS_WEBHOOK' });
    expect(profileOf(old, 'rvdk-flevoland')).toMatchObject({ role: 'RVDK', connection: 'KAFKA' });
  });

  it('names the partners it knows when asked for one it does not', () => {
    expect(partnerProfile(document, 'toegang-amsterdam')).toEqual({ ok: false, problem: expect.stringContaining('knows toegang-almere, toegang-dronten') });
    expect(partnerProfile({ openapi: '3.1.0' }, 'toegang-almere')).toMatchObject({ ok: false });
  });
});

describe.each(fs.readdirSync(regionsDir).sort())('the samples a conformance run sends in config/regions/%s', (name) => {
  const region = loadRegion(path.join(regionsDir, name), contracts);
  const document = buildAsyncApi(contracts, region, new Topics());
  const ids = region.config.partners.map((p) => p.id);
  let n = 0;
  const freshness = (partnerId: string): Freshness => ({
    partnerId, runTag: 'a1b2c3d4', now: new Date('2026-11-23T10:00:00Z'), otherPartners: ids.filter((id) => id !== partnerId), newId: () => `conformance-${++n}`,
  });

  it.each(ids)('for %s: every sample is a valid event of the partner, and a consent names a partner of this region', (id) => {
    const profile = profileOf(document, id);
    expect(profile.samples.length).toBeGreaterThan(0);
    for (const sample of profile.samples) {
      const event = freshEvent(sample.event, freshness(id));
      expect([sample.type, contracts.validateEnvelope(event)]).toEqual([sample.type, []]);
      expect([sample.type, contracts.validateData(sample.type, event.data)]).toEqual([sample.type, []]);
      expect(event.source).toBe(`urn:ketenhub:partner:${id}`);
      if (typeof event.data.aan === 'string' && sample.type.includes('toestemming')) expect(ids).toContain(event.data.aan);
    }
  });

  it.each(ids)('for %s: the broken sample fails the schema exactly where the run expects, and the other variants are valid', (id) => {
    const profile = profileOf(document, id);
    const f = freshness(id);
    const invalid = invalidVariant(profile.samples, f)!;
    const pointers = contracts.validateData(invalid.event.type, invalid.event.data).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(invalid.pointers));
    const unknown = unknownPersonVariant(profile.samples, f)!;
    expect(contracts.validateData(unknown.type, unknown.data)).toEqual([]);
    expect(JSON.stringify(unknown.data)).not.toMatch(/"bsn"/);
    const spoofed = otherSourceVariant(profile.samples.find(repeatable)!, f)!;
    expect(spoofed.event.source).not.toBe(`urn:ketenhub:partner:${id}`);
    expect(contracts.validateEnvelope(spoofed.event)).toEqual([]);
  });
});
