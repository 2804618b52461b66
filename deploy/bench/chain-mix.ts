/**
 * The realistic mix of chain events the bench and the fault run produce: per family a request for
 * help at the municipality's local access (it creates the family), a Veilig Thuis report, two
 * veiligheidskaart contributions and a triage, for the Flevoland region (config/regions/flevoland).
 * One story for every instrument (bench.ts, faults.ts, group-equivalence.spec.ts); seed.ts seeds
 * families that went through it.
 */
import { randomUUID } from 'node:crypto';
import { isValidBsn } from '@ketenhub/domain';

/** One event for one partner's inbound topic; `key` is the same for all of a family's events. */
export interface ChainEvent {
  partner: string;
  key: string;
  /** Which family (the story's number; for an event about a seeded family, its seed index) and which step of its story. */
  family: number;
  step: number;
  event: Record<string, unknown> & { id: string };
}

export const TOEGANG = ['toegang-almere', 'toegang-dronten', 'toegang-lelystad', 'toegang-noordoostpolder', 'toegang-urk', 'toegang-zeewolde'];
export const GEMEENTE = ['GM0034', 'GM0303', 'GM0995', 'GM0171', 'GM0184', 'GM0050'];
export const STORY_LENGTH = 5;
/** bsnOf gives each of this many families its own child and parent. */
export const MAX_FAMILIES = 100_000;

/**
 * A BSN that passes the elfproef, from a counter (never a real person's: the 99 range). Family n
 * owns the eight-digit prefixes n*10 .. n*10+9: the child (slot 0) takes the first valid one of
 * the lower five, the parent (slot 1) of the upper five (among five neighbours at most one has no
 * check digit, since each step adds 2 to the weighted sum mod 11). Unique for n below MAX_FAMILIES.
 */
export function bsnOf(n: number, slot: 0 | 1): string {
  for (let k = slot * 5; k < slot * 5 + 5; k++) {
    const first8 = String(99_000_000 + ((n * 10 + k) % 1_000_000));
    for (let check = 0; check <= 9; check++) if (isValidBsn(`${first8}${check}`)) return `${first8}${check}`;
  }
  throw new Error(`no BSN for family ${n} slot ${slot}: five neighbouring prefixes without a check digit cannot happen`);
}

/**
 * A partner's chain event as it puts it on its inbound topic. The key is a case reference rather
 * than a BSN: one key per family keeps its events in order on each partner's topic, and keys are
 * visible to anyone who may read the topic.
 */
export function chainEvent(partner: string, type: string, data: Record<string, unknown>, where: { key: string; family: number; step: number }): ChainEvent {
  return {
    partner, ...where,
    event: { specversion: '1.0', id: randomUUID(), source: `urn:ketenhub:partner:${partner}`, type: `nl.ketenhub.${type}.v1`, time: new Date().toISOString(), datacontenttype: 'application/json', data },
  };
}

/** What may differ between families of the story. */
export interface StoryOptions {
  /**
   * The child's date of birth (yyyy-mm-dd). The bench's child is born in 2014, so its only
   * deadline (the handover before its eighteenth birthday) lies years ahead; the fault run makes
   * some children nearly eighteen, so that their deadline falls due as soon as the family exists.
   */
  childBorn?: string;
}

/** The mix one family goes through; its first event creates the family. */
export function familyStory(n: number, options: StoryOptions = {}): ChainEvent[] {
  if (!Number.isInteger(n) || n < 0 || n >= MAX_FAMILIES) throw new Error(`family number ${n} is outside 0..${MAX_FAMILIES - 1}: its persons would share a BSN with another family's`);
  const child = bsnOf(n, 0);
  const parent = bsnOf(n, 1);
  const m = n % TOEGANG.length;
  let step = 0;
  const ce = (partner: string, type: string, data: Record<string, unknown>) => chainEvent(partner, type, data, { key: `gezin-${n}`, family: n, step: step++ });
  const kinderen = [{ bsn: child }];
  return [
    ce(TOEGANG[m], 'toegang.hulpvraag-geregistreerd', {
      zaakreferentie: `Z-${n}`, gemeente: GEMEENTE[m], toegangsroute: 'GEZIN_ZELF', perspectief: 'THUIS',
      kinderen: [{ persoon: { bsn: child }, geboortedatum: options.childBorn ?? '2014-03-15' }], gezagdragers: [{ persoon: { bsn: parent }, relatie: 'OUDER' }],
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
export function interleavedMix(families: number, first = 0, optionsOf: (n: number) => StoryOptions = () => ({})): ChainEvent[] {
  const stories = Array.from({ length: families }, (_, i) => familyStory(first + i, optionsOf(first + i)));
  const mix: ChainEvent[] = [];
  for (let step = 0; step < STORY_LENGTH; step++) for (const story of stories) mix.push(story[step]);
  return mix;
}
