/**
 * The fault run's verdict, as pure code: given what the partners' produces had acknowledged, what
 * the hub recorded (inbox, outbox, audit trail) and what arrived on the topics, it counts what was
 * lost, delivered twice, audited wrongly or delivered out of order, and describes the first few
 * problems so that a failing run says which event or message, where.
 */

/** An event whose produce the broker acknowledged (acks from all in-sync replicas). */
export interface AcceptedEvent {
  source: string;
  eventId: string;
  /** The inbound topic and key it was written with; order is defined per topic and key. */
  topic: string;
  key: string;
  /** Position in this producer's sequence of sends: a lower number was acknowledged before it was sent. */
  producedSeq: number;
  /** When the broker (or the HTTPS door) acknowledged it, in epoch ms. */
  acknowledgedAt: number;
}

export interface InboxRow {
  source: string;
  eventId: string;
  /**
   * inbox.accepted_seq: the order of acceptance. One transaction may accept events of several
   * partitions (group commit across partitions), all with one received_at; the seq still orders
   * them as applied, and per family it orders them across concurrent transactions too (a group
   * writes its inbox rows only once it holds its families' locks).
   */
  acceptedSeq: bigint;
}

/** Whether the hub accepted a before b: exact within a partition and within a family. */
export function acceptedBefore(a: InboxRow, b: InboxRow): boolean {
  return a.acceptedSeq < b.acceptedSeq;
}

export interface OutboxRow {
  seq: bigint;
  messageId: string;
  topic: string;
  /** Set on every disclosure (the DisclosureBatch writes it); null on rejections and dead letters. */
  familyId: string | null;
}

/** One copy of a message as read from a topic. */
export interface Delivery {
  topic: string;
  partition: number;
  offset: bigint;
  /** The ketenhub-message-id header (the CloudEvent id for the hub's own messages). */
  messageId: string | null;
  /** The CloudEvent's causationid: the event that caused the message (none on a dead letter). */
  causationId: string | null;
}

export interface AuditRow {
  seq: bigint;
  action: string;
  outcome: string;
  messageId: string | null;
}

/** A deadline the hub kept (its timer table). */
export interface DeadlineRow {
  timerId: string;
  kind: string;
  /**
   * The family, named by the smallest id among its accepted events: the same in two hubs given the
   * same events, where family and timer ids are each hub's own.
   */
  familyKey: string;
  dueAt: Date;
  warnedAt: Date | null;
  firedAt: Date | null;
  cancelledAt: Date | null;
}

/** A message the hub wrote because a deadline was announced or fell due (its causation is `timer:<id>`). */
export interface SignalRow {
  timerId: string;
  messageId: string;
  type: string;
  /** The partner it is for: the outbound topic's name without the prefix. */
  recipient: string;
}

/** The type of the message that announces a deadline before it falls due; every other signal is its firing. */
export const ANNOUNCEMENT_TYPE = 'nl.ketenhub.hub.termijn-nadert.v1';

/**
 * What was signalled per family and deadline kind: `${familyKey} ${kind}` to the set of message
 * types (the announcement, the firing). Two hubs given the same events must give the same map.
 * Not the recipients: a deadline goes to the family's regisseur at the moment it fires, and who
 * that is depends on which of the family's events were applied by then, which differs between
 * a hub under faults and one that is not (a handover deadline that is due at once fires after
 * the family's first event in one and after its last in the other). Whether each signal reached
 * its recipient and was audited once is checked with every other message.
 */
export function signalsByFamily(deadlines: { rows: DeadlineRow[]; signals: SignalRow[] }): Map<string, Set<string>> {
  const timers = new Map(deadlines.rows.map((t) => [t.timerId, t]));
  const out = new Map<string, Set<string>>();
  for (const s of deadlines.signals) {
    const timer = timers.get(s.timerId);
    if (!timer) continue;
    const key = `${timer.familyKey} ${timer.kind}`;
    out.set(key, (out.get(key) ?? new Set()).add(s.type));
  }
  return out;
}

export interface VerifyInput {
  accepted: AcceptedEvent[];
  inbox: InboxRow[];
  outbox: OutboxRow[];
  deliveries: Delivery[];
  audit: AuditRow[];
  /** What verifyAuditChain answered. */
  chain: { ok: true } | { ok: false; detail: string };
  /**
   * Per accepted event id, the message ids an undisturbed hub wrote for it, given the same events
   * in the same order per family (oracle.ts); absent when no oracle ran.
   */
  oracle?: Map<string, Set<string>>;
  /**
   * A partner connected by webhook: the outbound topic the hub fills for it, and every request its
   * endpoint received, in arrival order (the webhook-id header is the message id).
   */
  webhook?: { topic: string; arrivals: WebhookArrival[] };
  /**
   * A partner connected by the cursor feed: the outbound topic the hub fills for it, and every
   * event its reader took from GET /feed, in the order read (the CloudEvent id is the message id).
   */
  feed?: { topic: string; arrivals: Array<{ messageId: string }> };
  /**
   * The hub's deadlines and the messages it signalled them by; every deadline due by `dueBy` (when
   * the drain ended) must have fired. `oracle`: signalsByFamily of an undisturbed hub given the
   * same events.
   */
  deadlines?: { rows: DeadlineRow[]; signals: SignalRow[]; dueBy: Date; oracle?: Map<string, Set<string>> };
}

export interface WebhookArrival {
  messageId: string;
  signatureOk: boolean;
}

export type ProblemKind = 'LOST_EVENT' | 'LOST_MESSAGE' | 'AUDIT_MISMATCH' | 'AUDIT_CHAIN' | 'ORDER_DELIVERY' | 'ORDER_ACCEPTANCE' | 'ORACLE_MISSING' | 'ORACLE_UNEXPECTED'
  | 'LOST_WEBHOOK' | 'ORDER_WEBHOOK' | 'WEBHOOK_SIGNATURE' | 'LOST_FEED' | 'ORDER_FEED' | 'LOST_DEADLINE' | 'DEADLINE_STATE';

export interface Problem {
  kind: ProblemKind;
  detail: string;
}

export interface Verdict {
  accepted: number;
  /** Acknowledged events not accepted, outbox messages not delivered, and messages the oracle expected but that never arrived. */
  lost: number;
  duplicateDeliveries: number;
  auditMismatches: number;
  orderViolations: number;
  /** Deliveries and outbox messages seen, for the report. */
  deliveries: number;
  messages: number;
  disclosures: number;
  /** With an oracle: events compared, and messages that arrived although an undisturbed hub did not send them. */
  oracle?: { events: number; missing: number; unexpected: number };
  /** With a webhook partner: its messages, the requests that reached it, and those whose signature did not check. */
  webhook?: { messages: number; arrivals: number; badSignatures: number };
  /** With a feed partner: its messages, and the events its reader took (repeats included). */
  feed?: { messages: number; arrivals: number };
  /**
   * With deadlines: how many were due and fired, how many messages signalled them, how many
   * signals were sent for a deadline the hub did not mark as announced or fired (a broken
   * transaction: it would be signalled again), and, given an undisturbed hub's signals, those it
   * sent that this one did not (by family, kind and message type; counted as lost too) and those
   * this one sent that it did not.
   */
  deadlines?: { due: number; fired: number; signals: number; unmarked: number; oracleMissing: number; oracleUnexpected: number };
  /** The first `maxProblems` problems, in the order the checks found them. */
  problems: Problem[];
}

const eventKey = (source: string, eventId: string) => `${source}\u0000${eventId}`;

export function verify(input: VerifyInput, maxProblems = 20): Verdict {
  const problems: Problem[] = [];
  const report = (kind: ProblemKind, detail: string) => {
    if (problems.length < maxProblems) problems.push({ kind, detail });
  };
  const oracle = input.oracle ? compareWithOracle(input, input.oracle, report) : undefined;
  const webhook = input.webhook ? httpsPartnerCheck(input.outbox, input.webhook, 'webhook', report) : undefined;
  const feed = input.feed ? httpsPartnerCheck(input.outbox, { topic: input.feed.topic, arrivals: input.feed.arrivals.map((a) => ({ ...a, signatureOk: true })) }, 'feed', report) : undefined;
  const deadlines = input.deadlines ? deadlineCheck(input.deadlines, report) : undefined;
  const lost = lostEvents(input, report) + lostMessages(input, report) + (oracle?.missing ?? 0) + (webhook?.lost ?? 0) + (feed?.lost ?? 0)
    + (deadlines ? deadlines.lost + deadlines.oracleMissing : 0);
  const duplicateDeliveries = duplicates(input.deliveries) + (webhook?.repeats ?? 0) + (feed?.repeats ?? 0);
  const auditMismatches = auditCheck(input, report);
  const orderViolations = deliveryOrder(input, report) + acceptanceOrder(input, report) + (webhook?.orderViolations ?? 0) + (feed?.orderViolations ?? 0);
  return {
    accepted: input.accepted.length, lost, duplicateDeliveries, auditMismatches, orderViolations,
    deliveries: input.deliveries.length, messages: input.outbox.length,
    disclosures: input.outbox.filter((m) => m.familyId !== null).length, ...(oracle ? { oracle } : {}),
    ...(webhook && input.webhook ? { webhook: { messages: webhook.messages, arrivals: input.webhook.arrivals.length, badSignatures: webhook.badSignatures } } : {}),
    ...(feed && input.feed ? { feed: { messages: feed.messages, arrivals: input.feed.arrivals.length } } : {}),
    ...(deadlines ? {
      deadlines: {
        due: deadlines.due, fired: deadlines.fired, signals: deadlines.signals, unmarked: deadlines.unmarked,
        oracleMissing: deadlines.oracleMissing, oracleUnexpected: deadlines.oracleUnexpected,
      },
    } : {}), problems,
  };
}

/** Every acknowledged event must have been accepted: a row in the inbox by (source, id). */
function lostEvents(input: VerifyInput, report: (kind: ProblemKind, detail: string) => void): number {
  const inbox = new Set(input.inbox.map((r) => eventKey(r.source, r.eventId)));
  let lost = 0;
  for (const e of input.accepted) {
    if (inbox.has(eventKey(e.source, e.eventId))) continue;
    lost++;
    report('LOST_EVENT', `event ${e.eventId} from ${e.source} was acknowledged on ${e.topic} (key ${e.key}) but is not in the inbox`);
  }
  return lost;
}

/**
 * Per accepted event, the messages that arrived because of it against those an undisturbed hub
 * wrote: one it wrote that never arrived is lost; one that arrived but it did not write is unexpected.
 */
function compareWithOracle(input: VerifyInput, oracle: Map<string, Set<string>>, report: (kind: ProblemKind, detail: string) => void): { events: number; missing: number; unexpected: number } {
  const arrived = new Map<string, Set<string>>();
  for (const d of input.deliveries) {
    if (d.causationId === null || d.messageId === null) continue;
    arrived.set(d.causationId, (arrived.get(d.causationId) ?? new Set()).add(d.messageId));
  }
  const inbox = new Set(input.inbox.map((r) => eventKey(r.source, r.eventId)));
  let events = 0;
  let missing = 0;
  let unexpected = 0;
  for (const e of input.accepted) {
    // An event the hub never accepted is lost already, and the oracle was not given it.
    if (!inbox.has(eventKey(e.source, e.eventId))) continue;
    events++;
    const expected = oracle.get(e.eventId) ?? new Set<string>();
    const got = arrived.get(e.eventId) ?? new Set<string>();
    for (const id of expected) {
      if (got.has(id)) continue;
      missing++;
      report('ORACLE_MISSING', `event ${e.eventId} from ${e.source}: message ${id} that an undisturbed hub sent for it never arrived`);
    }
    for (const id of got) {
      if (expected.has(id)) continue;
      unexpected++;
      report('ORACLE_UNEXPECTED', `event ${e.eventId} from ${e.source}: message ${id} arrived, but an undisturbed hub did not send it`);
    }
  }
  return { events, missing, unexpected };
}

/**
 * Deadlines: every one due by the end of the drain and not cancelled must have fired (else lost);
 * a signal must belong to a deadline marked as announced (termijn-nadert) or fired in the same
 * transaction (else the deadline would be signalled again); and, given an undisturbed hub's
 * signals, per family and kind the same kinds of message must have been sent (signalsByFamily).
 */
function deadlineCheck(input: NonNullable<VerifyInput['deadlines']>, report: (kind: ProblemKind, detail: string) => void):
  { due: number; fired: number; signals: number; unmarked: number; lost: number; oracleMissing: number; oracleUnexpected: number } {
  const timers = new Map(input.rows.map((t) => [t.timerId, t]));
  let due = 0;
  let fired = 0;
  let lost = 0;
  for (const t of input.rows) {
    if (t.cancelledAt !== null || t.dueAt > input.dueBy) continue;
    due++;
    if (t.firedAt !== null) {
      fired++;
      continue;
    }
    lost++;
    report('LOST_DEADLINE', `deadline ${t.kind} (timer ${t.timerId}, family of event ${t.familyKey}) was due at ${t.dueAt.toISOString()} but never fired`);
  }
  let unmarked = 0;
  for (const s of input.signals) {
    const timer = timers.get(s.timerId);
    const announcement = s.type === ANNOUNCEMENT_TYPE;
    if (timer && (announcement ? timer.warnedAt : timer.firedAt) !== null) continue;
    unmarked++;
    report('DEADLINE_STATE', `message ${s.messageId} (${s.type} to ${s.recipient}) signals timer ${s.timerId}, which is ${timer ? `not marked as ${announcement ? 'announced' : 'fired'}` : 'not in the timer table'}`);
  }
  let oracleMissing = 0;
  let oracleUnexpected = 0;
  if (input.oracle) {
    const got = signalsByFamily(input);
    for (const key of new Set([...input.oracle.keys(), ...got.keys()])) {
      const expected = input.oracle.get(key) ?? new Set<string>();
      const actual = got.get(key) ?? new Set<string>();
      const [familyKey, kind] = key.split(' ');
      for (const m of expected) {
        if (actual.has(m)) continue;
        oracleMissing++;
        report('ORACLE_MISSING', `deadline ${kind} of the family of event ${familyKey}: an undisturbed hub signalled it with ${m}, this one did not`);
      }
      for (const m of actual) {
        if (expected.has(m)) continue;
        oracleUnexpected++;
        report('ORACLE_UNEXPECTED', `deadline ${kind} of the family of event ${familyKey}: this hub signalled it with ${m}, an undisturbed one did not`);
      }
    }
  }
  return { due, fired, signals: input.signals.length, unmarked, lost, oracleMissing, oracleUnexpected };
}

/** Every message the hub wrote to its outbox must have arrived, at least once, on its topic. */
function lostMessages(input: VerifyInput, report: (kind: ProblemKind, detail: string) => void): number {
  const arrived = new Set(input.deliveries.map((d) => `${d.topic}\u0000${d.messageId}`));
  let lost = 0;
  for (const m of input.outbox) {
    if (arrived.has(`${m.topic}\u0000${m.messageId}`)) continue;
    lost++;
    report('LOST_MESSAGE', `outbox message ${m.messageId} (seq ${m.seq}${m.familyId ? `, family ${m.familyId}` : ''}) never arrived on ${m.topic}`);
  }
  return lost;
}

/**
 * An HTTPS partner's side of its outbound topic, by webhook or by feed: every message the outbox
 * wrote to that topic must have reached the partner at least once (with a signature that checks,
 * for a webhook), else it is lost; later copies are repeats (at least once, counted); per family
 * the first copies must arrive in outbox seq order (the dispatcher never lets a later message
 * overtake one it is still retrying; the feed gives a partner's messages in its delivery order); a
 * webhook request whose signature does not check is a problem of its own.
 */
function httpsPartnerCheck(outboxRows: OutboxRow[], partner: { topic: string; arrivals: WebhookArrival[] }, way: 'webhook' | 'feed', report: (kind: ProblemKind, detail: string) => void):
  { messages: number; lost: number; repeats: number; orderViolations: number; badSignatures: number } {
  const outbox = new Map(outboxRows.filter((m) => m.topic === partner.topic).map((m) => [m.messageId, m]));
  const arrived = new Set<string>();
  const highest = new Map<string, OutboxRow>();
  let repeats = 0;
  let orderViolations = 0;
  let badSignatures = 0;
  for (const a of partner.arrivals) {
    if (!a.signatureOk) {
      badSignatures++;
      report('WEBHOOK_SIGNATURE', `a request for message ${a.messageId} reached the webhook of ${partner.topic} with a signature that does not check`);
      continue;
    }
    if (arrived.has(a.messageId)) {
      repeats++;
      continue;
    }
    arrived.add(a.messageId);
    const message = outbox.get(a.messageId);
    if (!message || message.familyId === null) continue;
    const before = highest.get(message.familyId);
    if (before && message.seq < before.seq) {
      orderViolations++;
      report(way === 'webhook' ? 'ORDER_WEBHOOK' : 'ORDER_FEED',
        `family ${message.familyId}: message ${message.messageId} (seq ${message.seq}) reached the ${way} of ${partner.topic} after ${before.messageId} (seq ${before.seq})`);
    } else {
      highest.set(message.familyId, message);
    }
  }
  let lost = 0;
  for (const m of outbox.values()) {
    if (arrived.has(m.messageId)) continue;
    lost++;
    report(way === 'webhook' ? 'LOST_WEBHOOK' : 'LOST_FEED',
      `outbox message ${m.messageId} (seq ${m.seq}${m.familyId ? `, family ${m.familyId}` : ''}) for ${partner.topic} never reached the partner's ${way}`);
  }
  return { messages: outbox.size, lost, repeats, orderViolations, badSignatures };
}

/** Copies beyond the first of each message id on its topic: allowed (at least once), counted. */
function duplicates(deliveries: Delivery[]): number {
  const seen = new Set<string>();
  let repeats = 0;
  for (const d of deliveries) {
    if (d.messageId === null) continue;
    const key = `${d.topic}\u0000${d.messageId}`;
    if (seen.has(key)) repeats++;
    else seen.add(key);
  }
  return repeats;
}

/**
 * Exactly one DISCLOSE record per disclosure: for every message id that is a disclosure in the
 * outbox, arrived on a topic as one, or is named by a DISCLOSE record, there must be one outbox
 * disclosure and exactly one record. Missing, doubled or orphaned records each count once per
 * message id; a chain that does not verify counts once.
 */
function auditCheck(input: VerifyInput, report: (kind: ProblemKind, detail: string) => void): number {
  const outbox = new Map(input.outbox.map((m) => [m.messageId, m]));
  const records = new Map<string, number>();
  for (const r of input.audit) {
    if (r.action !== 'DISCLOSE' || r.messageId === null) continue;
    records.set(r.messageId, (records.get(r.messageId) ?? 0) + 1);
  }
  const ids = new Set<string>([
    ...input.outbox.filter((m) => m.familyId !== null).map((m) => m.messageId),
    ...records.keys(),
    // A message on a topic that the outbox does not know is a disclosure nobody recorded.
    ...input.deliveries.flatMap((d) => (d.messageId !== null && !outbox.has(d.messageId) ? [d.messageId] : [])),
  ]);
  let mismatches = 0;
  for (const id of ids) {
    const message = outbox.get(id);
    const n = records.get(id) ?? 0;
    let detail: string | undefined;
    if (!message) detail = `message ${id} has ${n} DISCLOSE record(s) or arrived on a topic, but the outbox has no such message`;
    else if (message.familyId === null) detail = `message ${id} on ${message.topic} is not a disclosure (a rejection or dead letter) but has ${n} DISCLOSE record(s)`;
    else if (n !== 1) detail = `disclosure ${id} (seq ${message.seq}, family ${message.familyId}, to ${message.topic}) has ${n} DISCLOSE records, not exactly 1`;
    if (detail === undefined) continue;
    mismatches++;
    report('AUDIT_MISMATCH', detail);
  }
  if (!input.chain.ok) {
    mismatches++;
    report('AUDIT_CHAIN', `the audit chain does not verify: ${input.chain.detail}`);
  }
  return mismatches;
}

/**
 * Per family and recipient topic, the first copy of each message must arrive in outbox seq order.
 * Copies after the first (a resend after a crash) may come later. A first arrival with a lower seq
 * than one that arrived before it is one violation.
 */
function deliveryOrder(input: VerifyInput, report: (kind: ProblemKind, detail: string) => void): number {
  const outbox = new Map(input.outbox.map((m) => [m.messageId, m]));
  const inLogOrder = [...input.deliveries].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  const seen = new Set<string>();
  const highest = new Map<string, { seq: bigint; messageId: string; partition: number; offset: bigint }>();
  let violations = 0;
  for (const d of inLogOrder) {
    const message = d.messageId === null ? undefined : outbox.get(d.messageId);
    if (!message || message.familyId === null || message.topic !== d.topic) continue;
    if (seen.has(message.messageId)) continue;
    seen.add(message.messageId);
    const group = `${message.familyId}\u0000${d.topic}`;
    const before = highest.get(group);
    if (before && before.partition !== d.partition) {
      violations++;
      report('ORDER_DELIVERY', `family ${message.familyId} on ${d.topic}: message ${message.messageId} arrived on partition ${d.partition}, an earlier one (${before.messageId}) on ${before.partition}; a family's messages must share one partition`);
    } else if (before && message.seq < before.seq) {
      violations++;
      report('ORDER_DELIVERY', `family ${message.familyId} on ${d.topic}: message ${message.messageId} (seq ${message.seq}) first arrived at offset ${d.offset}, after ${before.messageId} (seq ${before.seq}) at offset ${before.offset}`);
    }
    // After a split, compare with the partition the family's messages went on to (one violation per split).
    if (!before || message.seq > before.seq || before.partition !== d.partition) {
      highest.set(group, { seq: message.seq, messageId: message.messageId, partition: d.partition, offset: d.offset });
    }
  }
  return violations;
}

/**
 * Per inbound topic and key (a family's events at one partner), the hub must accept events in the
 * order they were produced. An event accepted before one produced ahead of it is one violation.
 * Events that were never accepted are counted as lost, not here.
 */
function acceptanceOrder(input: VerifyInput, report: (kind: ProblemKind, detail: string) => void): number {
  const inbox = new Map(input.inbox.map((r) => [eventKey(r.source, r.eventId), r]));
  const streams = new Map<string, AcceptedEvent[]>();
  for (const e of input.accepted) {
    const stream = `${e.topic}\u0000${e.key}`;
    const list = streams.get(stream) ?? [];
    list.push(e);
    streams.set(stream, list);
  }
  let violations = 0;
  for (const events of streams.values()) {
    events.sort((a, b) => a.producedSeq - b.producedSeq);
    let latest: { at: InboxRow; event: AcceptedEvent } | undefined;
    for (const e of events) {
      const at = inbox.get(eventKey(e.source, e.eventId));
      if (at === undefined) continue;
      if (latest && acceptedBefore(at, latest.at)) {
        violations++;
        report('ORDER_ACCEPTANCE', `${e.topic} key ${e.key}: event ${e.eventId} (produced #${e.producedSeq}) was accepted before ${latest.event.eventId} (produced #${latest.event.producedSeq})`);
      }
      if (!latest || acceptedBefore(latest.at, at)) latest = { at, event: e };
    }
  }
  return violations;
}
