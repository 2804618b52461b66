import { decodeCloudEvent, type Contracts, type RejectionReason, type SchemaError } from '@ketenhub/contracts';
import type { LocalChoices } from '@ketenhub/domain';
import { resolveRecipients, type Recipient } from './recipients';
import type { Region } from './region';

const PARTNER_SOURCE = /^urn:ketenhub:partner:/;

/** What a recipient gets of an event: all of its data, the route's fields, or a pointer-only notice. */
export type ContentKind = 'ALL' | 'FIELDS' | 'POINTER_ONLY';

export interface ExplainedRecipient extends Recipient {
  content: ContentKind;
  /** The same in words, e.g. "fields kinderen, maatregel, gi of data (BSNs as persoonId)". */
  receives: string;
}

export type Explanation =
  | {
    ok: true;
    eventId: string;
    eventType: string;
    senderId: string;
    municipality: string | null;
    involved: string[];
    configVersion: string;
    /** The municipality's local choices in force (defaults filled in); null when the municipality is unknown or not in the region. */
    localChoices: LocalChoices | null;
    recipients: ExplainedRecipient[];
  }
  /** The hub would not take it in: `GEEN_PARTNER` when the source is no partner of the region (its topic is not even read). */
  | { ok: false; reason: RejectionReason | 'GEEN_PARTNER'; source: string; errors: SchemaError[] };

export interface ExplainFacts {
  /** CBS code; default: the event's `gemeente`. */
  municipality?: string;
  /** Partners already involved with the family. */
  involved?: readonly string[];
  /** The family's kader and perspective, for routes with conditions (`when`); unknown: such routes do not apply. */
  kader?: string;
  perspectief?: string;
}

export function contentOf(recipient: Recipient): ContentKind {
  return recipient.pointerOnly ? 'POINTER_ONLY' : recipient.fields ? 'FIELDS' : 'ALL';
}

/** What a recipient gets, in words an information manager reads. */
export function describeContent(recipient: Recipient): string {
  const kind = contentOf(recipient);
  switch (kind) {
    case 'POINTER_ONLY':
      return 'pointer-only notice (sender and contact person, no content)';
    case 'FIELDS':
      return `fields ${(recipient.fields ?? []).join(', ')} of data (BSNs as persoonId)`;
    case 'ALL':
      return 'all fields of data (BSNs as persoonId)';
    default: {
      const never: never = kind;
      throw new Error(`unknown content kind ${String(never)}`);
    }
  }
}

/** A municipality's local choices in words, e.g. "regieLangdurigVerblijf LOKALE_TOEGANG, …, integraleFunctionarisAlleLeeftijden true (no 18+ handover deadline)". */
export function describeLocalChoices(choices: LocalChoices): string {
  return [
    `regieLangdurigVerblijf ${choices.regieLangdurigVerblijf}`,
    `preventiefKaderIngekocht ${String(choices.preventiefKaderIngekocht)}`,
    `integraleFunctionarisAlleLeeftijden ${String(choices.integraleFunctionarisAlleLeeftijden)}${choices.integraleFunctionarisAlleLeeftijden ? ' (no 18+ handover deadline)' : ''}`,
  ].join(', ');
}

/**
 * Who would receive this CloudEvent under `region`, under which rule, legal basis and purpose,
 * and what of it: the checks the hub makes on intake (partner, envelope, schema, publisher role),
 * then the routes. Sends nothing. The hub's own decisions that may follow (regisseur-toegewezen,
 * …) depend on the family's history and are not part of it.
 */
export function explainEvent(region: Region, contracts: Contracts, bytes: Buffer, facts: ExplainFacts = {}): Explanation {
  const source = readSource(bytes);
  const senderId = source.replace(PARTNER_SOURCE, '');
  const partner = PARTNER_SOURCE.test(source) ? region.partner(senderId) : undefined;
  if (!partner) {
    return {
      ok: false, reason: 'GEEN_PARTNER', source,
      errors: [{ pointer: '/source', keyword: 'ketenhub-partner', message: `source '${source}' is not a partner of region ${region.config.region}` }],
    };
  }
  const decoded = decodeCloudEvent(bytes, contracts, { maxBytes: 16 * 1024 * 1024, expectedSource: source });
  if (!decoded.ok) return { ok: false, reason: decoded.reason, source, errors: decoded.errors };
  const event = decoded.event;
  if (!contracts.publishersOf(event.type).includes(partner.role)) {
    return {
      ok: false, reason: 'NIET_TOEGESTAAN', source,
      errors: [{ pointer: '/type', keyword: 'ketenhub-publisher-role', message: `a ${partner.role} may not publish ${event.type}` }],
    };
  }
  const data = event.data as Record<string, unknown>;
  const municipality = facts.municipality ?? (typeof data.gemeente === 'string' ? data.gemeente : undefined);
  const involved = [...(facts.involved ?? [])];
  const recipients = resolveRecipients(region, { eventType: event.type, senderId, municipality, involved, kader: facts.kader, perspectief: facts.perspectief });
  return {
    ok: true, eventId: event.id, eventType: event.type, senderId, municipality: municipality ?? null, involved, configVersion: region.version,
    localChoices: municipality && region.config.municipalities.some((m) => m.code === municipality) ? region.localChoices(municipality) : null,
    recipients: recipients.map((r) => ({ ...r, content: contentOf(r), receives: describeContent(r) })),
  };
}

function readSource(bytes: Buffer): string {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    const source = typeof value === 'object' && value !== null ? (value as { source?: unknown }).source : undefined;
    return typeof source === 'string' ? source : '';
  } catch {
    return '';
  }
}
