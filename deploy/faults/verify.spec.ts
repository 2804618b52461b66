import { signalsByFamily, verify, type AcceptedEvent, type DeadlineRow, type AuditRow, type Delivery, type InboxRow, type OutboxRow, type VerifyInput } from './verify';

const TOEGANG = 'urn:ketenhub:partner:toegang-almere';
const VT = 'urn:ketenhub:partner:veilig-thuis-flevoland';

/**
 * A run without faults: two families, each with two events at the local access and one at Veilig
 * Thuis, every event disclosed to two recipients, a rejection with its dead letter, every message
 * delivered once in seq order and every disclosure audited once.
 */
function cleanRun(): VerifyInput {
  const accepted: AcceptedEvent[] = [];
  const inbox: InboxRow[] = [];
  const outbox: OutboxRow[] = [];
  const deliveries: Delivery[] = [];
  const audit: AuditRow[] = [];
  let produced = 0;
  let acceptedSeq = 1_000n;
  let seq = 0n;
  const offsets = new Map<string, bigint>();
  const deliver = (topic: string, partition: number, messageId: string) => {
    const at = `${topic}/${partition}`;
    const offset = offsets.get(at) ?? 0n;
    offsets.set(at, offset + 1n);
    deliveries.push({ topic, partition, offset, messageId, causationId: messageId.split('->')[0] });
  };
  for (const family of [1, 2]) {
    const familyId = `family-${family}`;
    for (const [source, topic] of [[TOEGANG, 'inbound.toegang-almere'], [VT, 'inbound.veilig-thuis-flevoland'], [TOEGANG, 'inbound.toegang-almere']]) {
      const eventId = `event-${family}-${produced}`;
      accepted.push({ source, eventId, topic, key: `gezin-${family}`, producedSeq: produced++, acknowledgedAt: 0 });
      inbox.push({ source, eventId, acceptedSeq: (acceptedSeq += 1n) });
      for (const recipient of ['outbound.rvdk-flevoland', 'outbound.samen-veilig']) {
        const messageId = `${eventId}->${recipient}`;
        outbox.push({ seq: ++seq, messageId, topic: recipient, familyId });
        audit.push({ seq: seq + 100n, action: 'DISCLOSE', outcome: 'SUCCESS', messageId });
        deliver(recipient, family, messageId);
      }
    }
  }
  outbox.push({ seq: ++seq, messageId: 'rejection-1', topic: 'outbound.toegang-almere', familyId: null });
  outbox.push({ seq: ++seq, messageId: 'deadletter-1', topic: 'ketenhub.deadletter', familyId: null });
  deliveries.push({ topic: 'outbound.toegang-almere', partition: 0, offset: 0n, messageId: 'rejection-1', causationId: 'unknown-event' });
  deliveries.push({ topic: 'ketenhub.deadletter', partition: 0, offset: 0n, messageId: 'deadletter-1', causationId: null });
  audit.push({ seq: 1n, action: 'CONFIG_CHANGE', outcome: 'SUCCESS', messageId: null });
  audit.push({ seq: 2n, action: 'DISCLOSE', outcome: 'REFUSED', messageId: null });
  return { accepted, inbox, outbox, deliveries, audit, chain: { ok: true } };
}

/** An HTTPS partner that received each of its topic's messages once, in outbox order. */
const everyMessageOnce = (run: VerifyInput, topic: string) => run.outbox.filter((m) => m.topic === topic).map((m) => ({ messageId: m.messageId }));

const counts = (input: VerifyInput) => {
  const { lost, duplicateDeliveries, auditMismatches, orderViolations } = verify(input);
  return { lost, duplicateDeliveries, auditMismatches, orderViolations };
};
const zero = { lost: 0, duplicateDeliveries: 0, auditMismatches: 0, orderViolations: 0 };

describe('the fault run verifier', () => {
  it('finds nothing wrong with a run without faults', () => {
    const verdict = verify(cleanRun());
    expect(counts(cleanRun())).toEqual(zero);
    expect(verdict).toMatchObject({ accepted: 6, messages: 14, disclosures: 12, deliveries: 14, problems: [] });
  });

  it('counts an acknowledged event that is not in the inbox as lost', () => {
    const run = cleanRun();
    run.inbox = run.inbox.filter((r) => r.eventId !== 'event-2-4');
    const verdict = verify(run);
    expect(counts(run)).toEqual({ ...zero, lost: 1 });
    expect(verdict.problems).toEqual([{ kind: 'LOST_EVENT', detail: expect.stringContaining('event event-2-4 from urn:ketenhub:partner:veilig-thuis-flevoland') }]);
  });

  it('counts an outbox message that never arrived on its topic as lost, also when it went to another topic', () => {
    const run = cleanRun();
    run.deliveries = run.deliveries.filter((d) => d.messageId !== 'event-1-0->outbound.samen-veilig');
    expect(counts(run)).toEqual({ ...zero, lost: 1 });
    expect(verify(run).problems[0]).toEqual({ kind: 'LOST_MESSAGE', detail: expect.stringContaining('event-1-0->outbound.samen-veilig (seq 2, family family-1) never arrived on outbound.samen-veilig') });

    const elsewhere = cleanRun();
    const misrouted = elsewhere.deliveries.find((d) => d.messageId === 'deadletter-1')!;
    misrouted.topic = 'outbound.toegang-almere';
    expect(counts(elsewhere).lost).toBe(1);
  });

  it('counts each repeated copy of a message id as a duplicate delivery, and a repeat after later messages is not out of order', () => {
    const run = cleanRun();
    const resent = run.deliveries.filter((d) => d.topic === 'outbound.rvdk-flevoland' && d.partition === 1);
    // A relay killed between send and mark sends its batch again after the later messages.
    let next = 100n;
    for (const d of resent) run.deliveries.push({ ...d, offset: next++ });
    run.deliveries.push({ ...resent[0], offset: next++ });
    expect(counts(run)).toEqual({ ...zero, duplicateDeliveries: resent.length + 1 });
  });

  it('counts a disclosure without its audit record, or with two, as an audit mismatch', () => {
    const missing = cleanRun();
    missing.audit = missing.audit.filter((r) => r.messageId !== 'event-1-2->outbound.rvdk-flevoland');
    expect(counts(missing)).toEqual({ ...zero, auditMismatches: 1 });
    expect(verify(missing).problems[0].detail).toContain('disclosure event-1-2->outbound.rvdk-flevoland (seq 5, family family-1, to outbound.rvdk-flevoland) has 0 DISCLOSE records');

    const doubled = cleanRun();
    doubled.audit.push({ seq: 999n, action: 'DISCLOSE', outcome: 'SUCCESS', messageId: 'event-2-5->outbound.samen-veilig' });
    expect(counts(doubled)).toEqual({ ...zero, auditMismatches: 1 });
    expect(verify(doubled).problems[0].detail).toContain('has 2 DISCLOSE records');
  });

  it('counts a record for a message that does not exist, a record for a rejection and an unrecorded delivery as audit mismatches', () => {
    const orphan = cleanRun();
    orphan.audit.push({ seq: 999n, action: 'DISCLOSE', outcome: 'SUCCESS', messageId: 'never-written' });
    expect(counts(orphan)).toEqual({ ...zero, auditMismatches: 1 });

    const rejection = cleanRun();
    rejection.audit.push({ seq: 999n, action: 'DISCLOSE', outcome: 'SUCCESS', messageId: 'rejection-1' });
    expect(counts(rejection)).toEqual({ ...zero, auditMismatches: 1 });
    expect(verify(rejection).problems[0].detail).toContain('is not a disclosure');

    const stray = cleanRun();
    stray.deliveries.push({ topic: 'outbound.samen-veilig', partition: 2, offset: 0n, messageId: 'not-in-outbox', causationId: null });
    expect(counts(stray)).toEqual({ ...zero, auditMismatches: 1 });
  });

  it('counts an audit chain that does not verify as a mismatch', () => {
    const run = cleanRun();
    run.chain = { ok: false, detail: 'record 7 was changed: its content does not match its hash' };
    expect(counts(run)).toEqual({ ...zero, auditMismatches: 1 });
    expect(verify(run).problems).toEqual([{ kind: 'AUDIT_CHAIN', detail: expect.stringContaining('record 7 was changed') }]);
  });

  it('counts two of a family\'s messages arriving in swapped order as an order violation', () => {
    const run = cleanRun();
    const onTopic = run.deliveries.filter((d) => d.topic === 'outbound.samen-veilig' && d.partition === 2);
    [onTopic[0].offset, onTopic[1].offset] = [onTopic[1].offset, onTopic[0].offset];
    expect(counts(run)).toEqual({ ...zero, orderViolations: 1 });
    expect(verify(run).problems[0]).toEqual({ kind: 'ORDER_DELIVERY', detail: expect.stringContaining(`message ${onTopic[0].messageId} (seq`) });
  });

  it('counts a family\'s messages split over two partitions as an order violation', () => {
    const run = cleanRun();
    const last = run.deliveries.filter((d) => d.topic === 'outbound.rvdk-flevoland' && d.partition === 1).pop()!;
    last.partition = 0;
    last.offset = 50n;
    expect(counts(run).orderViolations).toBe(1);
  });

  it('counts an event accepted before one produced ahead of it on the same topic and key as an order violation', () => {
    const run = cleanRun();
    const first = run.inbox.find((r) => r.eventId === 'event-1-0')!;
    const third = run.inbox.find((r) => r.eventId === 'event-1-2')!;
    [first.acceptedSeq, third.acceptedSeq] = [third.acceptedSeq, first.acceptedSeq];
    expect(counts(run)).toEqual({ ...zero, orderViolations: 1 });
    expect(verify(run).problems[0]).toEqual({ kind: 'ORDER_ACCEPTANCE', detail: expect.stringContaining('event event-1-2 (produced #2) was accepted before event-1-0 (produced #0)') });

    // Another topic or key is another stream: no order is promised between them.
    const across = cleanRun();
    const vt = across.inbox.find((r) => r.eventId === 'event-1-1')!;
    vt.acceptedSeq = 0n;
    expect(counts(across)).toEqual(zero);
  });

  it('with an oracle, counts a message an undisturbed hub sent that never arrived as lost, and one it did not send as unexpected', () => {
    const oracleOf = (run: VerifyInput) => {
      const expected = new Map<string, Set<string>>();
      for (const m of run.outbox.filter((o) => o.familyId !== null)) {
        const cause = m.messageId.split('->')[0];
        expected.set(cause, (expected.get(cause) ?? new Set()).add(m.messageId));
      }
      return expected;
    };
    const agrees = cleanRun();
    agrees.oracle = oracleOf(agrees);
    expect(counts(agrees)).toEqual(zero);
    expect(verify(agrees).oracle).toEqual({ events: 6, missing: 0, unexpected: 0 });

    // The hub under faults never wrote one message that the undisturbed hub wrote: nothing else notices.
    const forgot = cleanRun();
    forgot.oracle = oracleOf(forgot);
    forgot.outbox = forgot.outbox.filter((m) => m.messageId !== 'event-2-3->outbound.rvdk-flevoland');
    forgot.audit = forgot.audit.filter((r) => r.messageId !== 'event-2-3->outbound.rvdk-flevoland');
    forgot.deliveries = forgot.deliveries.filter((d) => d.messageId !== 'event-2-3->outbound.rvdk-flevoland');
    expect(counts(forgot)).toEqual({ ...zero, lost: 1 });
    expect(verify(forgot).problems).toEqual([{ kind: 'ORACLE_MISSING', detail: expect.stringContaining('event event-2-3 from urn:ketenhub:partner:toegang-almere: message event-2-3->outbound.rvdk-flevoland') }]);

    const extra = cleanRun();
    extra.oracle = oracleOf(extra);
    extra.oracle.get('event-1-1')!.delete('event-1-1->outbound.samen-veilig');
    expect(counts(extra)).toEqual(zero);
    expect(verify(extra).oracle).toEqual({ events: 6, missing: 0, unexpected: 1 });
  });

  it('keeps only the first problems, but counts all of them', () => {
    const run = cleanRun();
    run.deliveries = [];
    const verdict = verify(run, 3);
    expect(verdict.lost).toBe(14);
    expect(verdict.problems).toHaveLength(3);
  });

  describe('with a partner connected by webhook (its outbound topic outbound.samen-veilig)', () => {
    const TOPIC = 'outbound.samen-veilig';
    /** The clean run with every message of the topic reaching the webhook once, in seq order. */
    const withWebhook = (): VerifyInput => {
      const run = cleanRun();
      run.webhook = { topic: TOPIC, arrivals: everyMessageOnce(run, TOPIC).map((a) => ({ ...a, signatureOk: true })) };
      return run;
    };

    it('finds nothing wrong when each message arrived once, in order', () => {
      expect(counts(withWebhook())).toEqual(zero);
      expect(verify(withWebhook()).webhook).toEqual({ messages: 6, arrivals: 6, badSignatures: 0 });
    });

    it('counts a message that never reached the webhook as lost, and a repeat as a duplicate', () => {
      const missing = withWebhook();
      missing.webhook!.arrivals.splice(2, 1);
      expect(counts(missing)).toEqual({ ...zero, lost: 1 });
      expect(verify(missing).problems).toEqual([{ kind: 'LOST_WEBHOOK', detail: expect.stringContaining('never reached the partner\'s webhook') }]);

      const repeated = withWebhook();
      repeated.webhook!.arrivals.push({ ...repeated.webhook!.arrivals[0] });
      expect(counts(repeated)).toEqual({ ...zero, duplicateDeliveries: 1 });
    });

    it('counts a family\'s messages reaching the webhook in swapped order as an order violation', () => {
      const run = withWebhook();
      const arrivals = run.webhook!.arrivals;
      [arrivals[0], arrivals[1]] = [arrivals[1], arrivals[0]];
      expect(counts(run)).toEqual({ ...zero, orderViolations: 1 });
      expect(verify(run).problems).toEqual([{ kind: 'ORDER_WEBHOOK', detail: expect.stringContaining('family family-1') }]);
    });

    it('reports a request whose signature did not check, and counts the message lost when no good copy came', () => {
      const run = withWebhook();
      run.webhook!.arrivals[0].signatureOk = false;
      expect(counts(run)).toEqual({ ...zero, lost: 1 });
      expect(verify(run).webhook?.badSignatures).toBe(1);
      expect(verify(run).problems.map((p) => p.kind)).toEqual(['WEBHOOK_SIGNATURE', 'LOST_WEBHOOK']);
    });
  });

  describe('with a partner connected by the feed (its outbound topic outbound.rvdk-flevoland)', () => {
    const TOPIC = 'outbound.rvdk-flevoland';
    const withFeed = (): VerifyInput => {
      const run = cleanRun();
      run.feed = { topic: TOPIC, arrivals: everyMessageOnce(run, TOPIC) };
      return run;
    };

    it('finds nothing wrong when its reader took each message once, in order', () => {
      expect(counts(withFeed())).toEqual(zero);
      expect(verify(withFeed()).feed).toEqual({ messages: 6, arrivals: 6 });
    });

    it('counts a message its reader never took as lost, one taken again as a duplicate, and a swapped pair as an order violation', () => {
      const missing = withFeed();
      missing.feed!.arrivals.splice(1, 1);
      expect(counts(missing)).toEqual({ ...zero, lost: 1 });
      expect(verify(missing).problems).toEqual([{ kind: 'LOST_FEED', detail: expect.stringContaining(`for ${TOPIC} never reached the partner's feed`) }]);

      // A reader that did not pass its cursor on before the hub went away is given the page again.
      const again = withFeed();
      again.feed!.arrivals.push(...again.feed!.arrivals.slice(3));
      expect(counts(again)).toEqual({ ...zero, duplicateDeliveries: 3 });

      const swapped = withFeed();
      const arrivals = swapped.feed!.arrivals;
      [arrivals[3], arrivals[4]] = [arrivals[4], arrivals[3]];
      expect(counts(swapped)).toEqual({ ...zero, orderViolations: 1 });
      expect(verify(swapped).problems).toEqual([{ kind: 'ORDER_FEED', detail: expect.stringContaining('family family-2') }]);
    });
  });

  describe('with deadlines', () => {
    const DUE_BY = new Date('2026-12-01T12:00:00Z');
    const EIGHTEEN = 'nl.ketenhub.hub.achttien-plus-overdracht.v1';
    /** The clean run where family 1's handover deadline fell due and fired, signalled to two partners; family 2's lies ahead. */
    const withDeadlines = (): VerifyInput => {
      const run = cleanRun();
      const rows: DeadlineRow[] = [
        { timerId: '7', kind: 'ACHTTIEN_PLUS', familyKey: 'event-1-0', dueAt: new Date('2026-06-01T00:00:00Z'), warnedAt: null, firedAt: new Date('2026-12-01T11:00:00Z'), cancelledAt: null },
        { timerId: '8', kind: 'ACHTTIEN_PLUS', familyKey: 'event-2-3', dueAt: new Date('2031-09-15T00:00:00Z'), warnedAt: null, firedAt: null, cancelledAt: null },
      ];
      const signals = ['toegang-almere', 'rvdk-flevoland'].map((recipient) => ({ timerId: '7', messageId: `timer-7->${recipient}`, type: EIGHTEEN, recipient }));
      run.deadlines = { rows, signals, dueBy: DUE_BY };
      return run;
    };

    it('finds nothing wrong when every deadline due has fired, and says how many', () => {
      expect(counts(withDeadlines())).toEqual(zero);
      expect(verify(withDeadlines()).deadlines).toEqual({ due: 1, fired: 1, signals: 2, unmarked: 0, oracleMissing: 0, oracleUnexpected: 0 });
    });

    it('counts a deadline that was due but never fired as lost; one cancelled or not yet due is not', () => {
      const run = withDeadlines();
      run.deadlines!.rows[0].firedAt = null;
      run.deadlines!.signals = [];
      expect(counts(run)).toEqual({ ...zero, lost: 1 });
      expect(verify(run).problems).toEqual([{ kind: 'LOST_DEADLINE', detail: expect.stringContaining('deadline ACHTTIEN_PLUS (timer 7, family of event event-1-0) was due at 2026-06-01T00:00:00.000Z but never fired') }]);

      const cancelled = withDeadlines();
      cancelled.deadlines!.rows[0] = { ...cancelled.deadlines!.rows[0], firedAt: null, cancelledAt: new Date('2026-05-01T00:00:00Z') };
      cancelled.deadlines!.signals = [];
      expect(counts(cancelled)).toEqual(zero);
    });

    it('reports a signal for a deadline not marked as fired or announced', () => {
      const run = withDeadlines();
      run.deadlines!.signals.push({ timerId: '8', messageId: 'timer-8->toegang-almere', type: EIGHTEEN, recipient: 'toegang-almere' });
      run.deadlines!.signals.push({ timerId: '8', messageId: 'timer-8-warn->toegang-almere', type: 'nl.ketenhub.hub.termijn-nadert.v1', recipient: 'toegang-almere' });
      expect(verify(run).deadlines).toMatchObject({ signals: 4, unmarked: 2 });
      expect(verify(run).problems.map((p) => p.detail)).toEqual([
        expect.stringContaining('signals timer 8, which is not marked as fired'),
        expect.stringContaining('signals timer 8, which is not marked as announced'),
      ]);

      const announced = withDeadlines();
      announced.deadlines!.rows[1].warnedAt = new Date('2026-12-01T10:00:00Z');
      announced.deadlines!.signals.push({ timerId: '8', messageId: 'timer-8-warn->toegang-almere', type: 'nl.ketenhub.hub.termijn-nadert.v1', recipient: 'toegang-almere' });
      expect(verify(announced).deadlines?.unmarked).toBe(0);
    });

    it('with an undisturbed hub\'s signals, counts a kind of signal it sent that this hub did not as lost, and the reverse as unexpected', () => {
      const agrees = withDeadlines();
      agrees.deadlines!.oracle = signalsByFamily(agrees.deadlines!);
      expect(counts(agrees)).toEqual(zero);
      expect([...agrees.deadlines!.oracle.entries()]).toEqual([['event-1-0 ACHTTIEN_PLUS', new Set([EIGHTEEN])]]);

      // The regisseur at the moment of firing may differ between the two hubs: recipients are not compared.
      const elsewhere = withDeadlines();
      elsewhere.deadlines!.oracle = signalsByFamily(elsewhere.deadlines!);
      elsewhere.deadlines!.signals.pop();
      expect(counts(elsewhere)).toEqual(zero);

      // Marked as fired, but it signalled nothing.
      const silent = withDeadlines();
      silent.deadlines!.oracle = signalsByFamily(silent.deadlines!);
      silent.deadlines!.signals = [];
      expect(counts(silent)).toEqual({ ...zero, lost: 1 });
      expect(verify(silent).problems).toEqual([{ kind: 'ORACLE_MISSING', detail: `deadline ACHTTIEN_PLUS of the family of event event-1-0: an undisturbed hub signalled it with ${EIGHTEEN}, this one did not` }]);

      const more = withDeadlines();
      more.deadlines!.oracle = new Map();
      expect(counts(more)).toEqual(zero);
      expect(verify(more).deadlines).toMatchObject({ oracleMissing: 0, oracleUnexpected: 1 });
    });
  });
});
