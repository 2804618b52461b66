import { randomUUID } from 'node:crypto';

let counter = Math.floor(Math.random() * 10_000_000);

/** Every BSN this test process made, so a test can scan output for any of them. */
export const issuedBsns: string[] = [];

/** A fresh BSN that passes the elfproef (realistic shape, never a real person's: drawn from a counter). */
export function makeBsn(): string {
  for (;;) {
    counter = (counter + 7919) % 100_000_000;
    const first8 = String(counter).padStart(8, '0');
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(first8[i]) * (9 - i);
    const check = sum % 11;
    if (check <= 9) {
      const bsn = first8 + String(check);
      if (bsn !== '000000000') {
        issuedBsns.push(bsn);
        return bsn;
      }
    }
  }
}

export interface CloudEventInput {
  source: string;
  type: string;
  data: unknown;
  id?: string;
  time?: string;
}

export function cloudEvent(input: CloudEventInput): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: input.id ?? randomUUID(),
    source: input.source,
    type: input.type,
    time: input.time ?? new Date().toISOString(),
    datacontenttype: 'application/json',
    data: input.data,
  };
}

export function hulpvraag(partnerId: string, children: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return cloudEvent({
    source: `urn:ketenhub:partner:${partnerId}`,
    type: 'nl.ketenhub.toegang.hulpvraag-geregistreerd.v1',
    data: {
      zaakreferentie: `Z-${randomUUID().slice(0, 8)}`,
      gemeente: 'GM0034',
      toegangsroute: 'GEZIN_ZELF',
      kinderen: children.map((bsn, i) => ({ persoon: { bsn }, geboortedatum: `201${i}-0${i + 1}-15` })),
      gezagdragers: [{ persoon: { bsn: makeBsn() }, relatie: 'OUDER' }],
      perspectief: 'THUIS',
      ...overrides,
    },
  });
}

export function triage(partnerId: string, children: string[], uitkomst = 'WACHTLIJST', toelichting?: string): Record<string, unknown> {
  return cloudEvent({
    source: `urn:ketenhub:partner:${partnerId}`,
    type: 'nl.ketenhub.veiligthuis.triage-afgerond.v1',
    data: { kinderen: children.map((bsn) => ({ bsn })), uitkomst, ...(toelichting ? { toelichting } : {}) },
  });
}

/** Any chain event from a partner, about the given children (by BSN). */
export function chainEvent(partnerId: string, type: string, children: string[], data: Record<string, unknown> = {}, time?: string): Record<string, unknown> {
  return cloudEvent({
    source: `urn:ketenhub:partner:${partnerId}`,
    type: `nl.ketenhub.${type}.v1`,
    time,
    data: { kinderen: children.map((bsn) => ({ bsn })), ...data },
  });
}

/**
 * The family's consent, recorded by a partner: every child consents for itself and a parent for
 * all, which covers every age rule. Dates of birth as hulpvraag() gives them, unless named.
 */
export function toestemming(partnerId: string, children: string[], overrides: Record<string, unknown> = {}, parent = makeBsn()): Record<string, unknown> {
  return cloudEvent({
    source: `urn:ketenhub:partner:${partnerId}`,
    type: 'nl.ketenhub.keten.toestemming-gegeven.v1',
    data: {
      kinderen: children.map((bsn, i) => ({ persoon: { bsn }, geboortedatum: `201${i}-0${i + 1}-15` })),
      toestemmingId: `T-${randomUUID().slice(0, 8)}`,
      gegevenDoor: [...children.map((bsn) => ({ persoon: { bsn }, relatie: 'JEUGDIGE' })), { persoon: { bsn: parent }, relatie: 'OUDER' }],
      doel: 'Veilig Thuis mag weten dat wij hulp vragen, zodat een melding in samenhang wordt bekeken.',
      // The local access of this municipality records it: consent before the request for help starts the family.
      gemeente: 'GM0034',
      vanaf: '2026-01-01',
      ...overrides,
    },
  });
}
