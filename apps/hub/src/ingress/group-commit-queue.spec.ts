import type { BatchResult } from './accept-message.use-case';
import type { Outcome } from './inbound-message';
import { GroupCommitQueue } from './group-commit-queue';

const accepted = (id: string): Outcome => ({ kind: 'accepted', eventId: id, type: 't', familyId: 'f', deliveries: 0 });

/** An apply function that records the groups it was given and fails on the ids in `failing`. */
function recorder(failing = new Set<string>()) {
  const groups: string[][] = [];
  const release: Array<() => void> = [];
  let hold = false;
  const apply = async (messages: string[]): Promise<BatchResult> => {
    groups.push([...messages]);
    if (hold) await new Promise<void>((r) => release.push(r));
    const outcomes: Outcome[] = [];
    for (const m of messages) {
      if (failing.has(m)) return { outcomes, failure: new Error(`cannot apply ${m}`) };
      outcomes.push(accepted(m));
    }
    return { outcomes };
  };
  return { groups, apply, holdNext: () => { hold = true; }, releaseAll: () => { hold = false; release.splice(0).forEach((r) => r()); } };
}

const ids = (r: BatchResult) => r.outcomes.map((o) => ('eventId' in o ? o.eventId : '?'));

describe('GroupCommitQueue', () => {
  it('puts the partitions submitted in one turn of the event loop into one group', async () => {
    const { groups, apply } = recorder();
    const queue = new GroupCommitQueue(apply, { maxGroup: 100, transactions: 1 });
    const answers = await Promise.all([queue.submit(['a1', 'a2']), queue.submit(['b1']), queue.submit(['c1', 'c2', 'c3'])]);
    expect(groups).toEqual([['a1', 'a2', 'b1', 'c1', 'c2', 'c3']]);
    expect(answers.map(ids)).toEqual([['a1', 'a2'], ['b1'], ['c1', 'c2', 'c3']]);
    expect(answers.every((a) => a.failure === undefined)).toBe(true);
  });

  it('gathers what arrives while a group is applied into the next group, never above maxGroup, never splitting a submission', async () => {
    const { groups, apply, holdNext, releaseAll } = recorder();
    const queue = new GroupCommitQueue(apply, { maxGroup: 4, transactions: 1 });
    holdNext();
    const first = queue.submit(['a1']);
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([['a1']]);
    const later = [queue.submit(['b1', 'b2']), queue.submit(['c1']), queue.submit(['d1', 'd2']), queue.submit(['e1', 'e2', 'e3', 'e4', 'e5'])];
    expect(queue.pending).toBe(4);
    releaseAll();
    await Promise.all([first, ...later]);
    expect(groups).toEqual([['a1'], ['b1', 'b2', 'c1'], ['d1', 'd2'], ['e1', 'e2', 'e3', 'e4', 'e5']]);
  });

  it('answers a failure to the submission that holds the failing message and tries the ones after it again', async () => {
    const { groups, apply } = recorder(new Set(['b2']));
    const queue = new GroupCommitQueue(apply, { maxGroup: 100, transactions: 1 });
    const [a, b, c] = await Promise.all([queue.submit(['a1']), queue.submit(['b1', 'b2', 'b3']), queue.submit(['c1'])]);
    expect(ids(a)).toEqual(['a1']);
    expect(a.failure).toBeUndefined();
    expect(ids(b)).toEqual(['b1']);
    expect((b.failure as Error).message).toBe('cannot apply b2');
    expect(ids(c)).toEqual(['c1']);
    expect(c.failure).toBeUndefined();
    expect(groups).toEqual([['a1', 'b1', 'b2', 'b3', 'c1'], ['c1']]);
  });

  it('answers a failure at the first message of a submission with no outcomes, and a thrown error to every submission tried', async () => {
    const { apply } = recorder(new Set(['b1']));
    const queue = new GroupCommitQueue(apply, { maxGroup: 100, transactions: 1 });
    const [a, b] = await Promise.all([queue.submit(['a1']), queue.submit(['b1'])]);
    expect(ids(a)).toEqual(['a1']);
    expect(ids(b)).toEqual([]);
    expect(b.failure).toBeInstanceOf(Error);

    const broken = new GroupCommitQueue<string>(async () => { throw new Error('database gone'); }, { maxGroup: 100, transactions: 1 });
    const [x, y] = await Promise.all([broken.submit(['x1']), broken.submit(['y1'])]);
    expect(x).toEqual({ outcomes: [], failure: new Error('database gone') });
    // y was not tried in the group that failed at x1, so it got a group of its own, which failed too.
    expect(y).toEqual({ outcomes: [], failure: new Error('database gone') });
  });

  it('runs up to `transactions` groups at once and starts the next as soon as one ends', async () => {
    const { groups, apply, holdNext, releaseAll } = recorder();
    const queue = new GroupCommitQueue(apply, { maxGroup: 2, transactions: 2 });
    holdNext();
    const answers = [queue.submit(['a1', 'a2']), queue.submit(['b1', 'b2']), queue.submit(['c1'])];
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([['a1', 'a2'], ['b1', 'b2']]);
    expect(queue.pending).toBe(1);
    releaseAll();
    await Promise.all(answers);
    expect(groups).toEqual([['a1', 'a2'], ['b1', 'b2'], ['c1']]);
  });

  it('refuses a size or a parallelism below one', () => {
    expect(() => new GroupCommitQueue(async () => ({ outcomes: [] }), { maxGroup: 0, transactions: 1 })).toThrow(RangeError);
    expect(() => new GroupCommitQueue(async () => ({ outcomes: [] }), { maxGroup: 10, transactions: 0 })).toThrow(RangeError);
  });
});
