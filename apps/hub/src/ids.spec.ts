import { v5 as uuidv5 } from 'uuid';
import { auditIdFor, deadLetterId, forwardId, hubMessageId, rejectionId, timerMessageId } from './ids';

/**
 * Message ids are how every receiver recognises a message sent again, also by a hub restarted on
 * newer code: they may never change. These are the ids the hub gave before its ids were made from
 * bytes (uuid v5 of the name as a string, in the hub's namespace).
 */
describe('stable message ids', () => {
  it('are the ids the hub has always given', () => {
    expect(forwardId('urn:ketenhub:partner:veilig-thuis-flevoland', 'e-1', 'toegang-almere')).toBe('54a07f58-9b4f-501d-9098-f722feff2f9b');
    expect(deadLetterId('ketenhub.inbound.toegang-almere', 3, '42')).toBe('d7d316b3-d5ae-5ef6-9b3f-ed145ae2559e');
    expect(rejectionId('ketenhub.inbound.toegang-almere', 3, '42')).toBe('0d8fc099-b55b-54f5-a2b2-55d87c60bb74');
    expect(auditIdFor('0b8a6c1e-1111-4222-8333-944455556666')).toBe('ed534212-7e8c-5d61-a9bc-b697e26a3191');
    expect(hubMessageId('urn:ketenhub:hub', 'e-2', 'nl.ketenhub.hub.regie-vastgesteld.v1', 'samen-veilig')).toBe('bb6fe72c-82b3-5a35-8e36-9f617fe559fc');
    expect(timerMessageId('t-1', 'warn', 'toegang-almere')).toBe('a6e4534f-0104-56b8-b82b-1982df84948f');
  });

  it('agree with uuid v5 of the name as a string, also beyond ASCII', () => {
    const namespace = '1d7b6f0e-3c2a-5f43-9a7e-6b2f0c4d8e11';
    for (const [source, id, recipient] of [['urn:ketenhub:partner:a', 'gezin-é-👪', 'b'], ['urn:ketenhub:partner:x', 'ĳ-ß-中文', 'y'], ['s', '', 'r']]) {
      expect(forwardId(source, id, recipient)).toBe(uuidv5(`forward|${source}|${id}|${recipient}`, namespace));
    }
    expect(forwardId('urn:ketenhub:partner:a', 'gezin-é-👪', 'b')).toBe('6acc65f8-1fff-5df6-8734-6e075df901b7');
  });
});
