/**
 * The realistic mix of chain events the bench and the fault run produce: per family a request for
 * help at the municipality's local access (it creates the family), a Veilig Thuis report, two
 * veiligheidskaart contributions and a triage, for the Flevoland region (config/regions/flevoland).
 * The same story as bench.ts's familyStory, here so that more than one instrument can use it.
 */
import { randomUUID } from 'node:crypto';
import { isValidBsn } from '@ketenhub/domain';

/** One event for one partner's inbound topic; `key` is the same for all of a family's events. */
export interface ChainEvent {
  partner: string;
  key: string;
  /** Which family (the story's number) and which step of its story. */
  family: number;
  step: number;
  event: Record<string, unknown> & { id: string };
}

export const TOEGANG = ['toegang-almere', 'toegang-dronten', 'toegang-lelystad', 'toegang-noordoostpolder', 'toegang-urk', 'toegang-zeewolde'];
export const GEMEENTE = ['GM0034', 'GM0303', 'GM0995', 'GM0171', 'GM0184', 'GM0050'];
export const STORY_LENGTH = 5;
/** bsnOf gives 100,000 distinct BSNs; children take the first half, their parents the second. */
export const MAX_FAMILIES = 50_000;

/** A BSN that passes the elfproef, from a counter (never a real person's: the 99 range). */
export function bsnOf(n: number): string {
  for (let k = 0; ; k++) {
    const first8 = String(99_000_000 + ((n * 10 + k) % 1_000_000));
    for (let check = 0; check <= 9; check++) if (isValidBsn(`${first8}${check}`)) return `${first8}${check}`;
  }
}

/** The mix one family goes through; its first event creates the family. */
export function familyStory(n: number): ChainEvent[] {
  if (!Number.isInteger(n) || n < 0 || n >= MAX_FAMILIES) throw new Error(`family number ${n} is outside 0..${MAX_FAMILIES - 1}: its persons would share a BSN with another family's`);
  const child = bsnOf(n);
  // bench.ts's bsnOf(n + 5_000_000) wraps around to the child's own BSN: the parent was the child.
  const parent = bsnOf(n + MAX_FAMILIES);
  const m = n % TOEGANG.length;
  // A case reference rather than a BSN as the Kafka key: one key per family keeps its events in
  // order on each partner's topic, and keys are visible to anyone who may read the topic.
  const key = `gezin-${n}`;
  let step = 0;
  const ce = (partner: string, type: string, data: Record<string, unknown>): ChainEvent => ({
    partner, key, family: n, step: step++,
    event: { specversion: '1.0', id: randomUUID(), source: `urn:ketenhub:partner:${partner}`, type: `nl.ketenhub.${type}.v1`, time: new Date().toISOString(), datacontenttype: 'application/json', data },
  });
  const kinderen = [{ bsn: child }];
  return [
    ce(TOEGANG[m], 'toegang.hulpvraag-geregistreerd', {
      zaakreferentie: `Z-${n}`, gemeente: GEMEENTE[m], toegangsroute: 'GEZIN_ZELF', perspectief: 'THUIS',
      kinderen: [{ persoon: { bsn: child }, geboortedatum: '2014-03-15' }], gezagdragers: [{ persoon: { bsn: parent }, relatie: 'OUDER' }],
    }),
    ce('veilig-thuis-flevoland', 'veiligthuis.melding-ontvangen', { kinderen, gemeente: GEMEENTE[m], melder: 'POLITIE' }),
    ce('veilig-thuis-flevoland', 'keten.veiligheidskaart-bijdrage', { kinderen, zorgen: ['Spanningen thuis'] }),
    ce('veilig-thuis-flevoland', 'veiligthuis.triage-afgerond', { kinderen, uitkomst: 'WACHTLIJST' }),
    ce(TOEGANG[m], 'keten.veiligheidskaart-bijdrage', { kinderen, krachten: ['Oma helpt mee'] }),
  ];
}

/**
 * Stories of families `first`..`first + families - 1` interleaved step by step: every family's
 * first event, then every family's second, and so on, so that a family's events lie far apart in
 * the stream (as they do in the chain) and the first of each creates its family.
 */
export function interleavedMix(families: number, first = 0): ChainEvent[] {
  const stories = Array.from({ length: families }, (_, i) => familyStory(first + i));
  const mix: ChainEvent[] = [];
  for (let step = 0; step < STORY_LENGTH; step++) for (const story of stories) mix.push(story[step]);
  return mix;
}
