import type { BatchResult } from './accept-message.use-case';

interface Submission<M> {
  messages: M[];
  resolve: (result: BatchResult) => void;
}

/**
 * Group commit across partitions. Each partition's consumer hands its messages in here and waits;
 * a transaction takes everything gathered since the last one started, from all partitions, up to
 * `maxGroup` messages (a submission is never split, so one larger than that goes alone). Under load
 * groups grow by themselves, because messages gather while a transaction runs; with little load a
 * message waits only for the turn of the event loop in which the rest of its fetch arrives.
 *
 * At most `transactions` groups are applied at the same time. A partition has at most one
 * submission here (its consumer waits for the answer before handing in the next), so order per
 * partition holds; order per family is held by the family locks each transaction takes.
 *
 * `apply` answers as AcceptMessageUseCase.executeBatch does: the outcomes of a prefix, and the
 * failure of the message after it. Each submission gets its share: whole, or up to the failure
 * (with it) when the failing message is its own; submissions after the failing one were not tried
 * and go back to the front of the queue for the next group.
 */
export class GroupCommitQueue<M> {
  private readonly waiting: Array<Submission<M>> = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly apply: (messages: M[]) => Promise<BatchResult>,
    private readonly options: { maxGroup: number; transactions: number },
  ) {
    if (options.maxGroup < 1 || options.transactions < 1) throw new RangeError(`maxGroup and transactions must be at least 1 (got ${options.maxGroup} and ${options.transactions})`);
  }

  /** Messages of one partition, in order; resolves when they are applied, or up to the one that failed. */
  submit(messages: M[]): Promise<BatchResult> {
    if (messages.length === 0) return Promise.resolve({ outcomes: [] });
    return new Promise((resolve) => {
      this.waiting.push({ messages, resolve });
      this.schedule();
    });
  }

  /** Submissions waiting for a transaction. */
  get pending(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.transactions || this.waiting.length === 0) return;
    this.scheduled = true;
    // One turn of the event loop: the other partitions of the same fetch submit in it.
    setImmediate(() => {
      this.scheduled = false;
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.running < this.options.transactions && this.waiting.length > 0) {
      const taken = [this.waiting.shift()!];
      let size = taken[0].messages.length;
      while (this.waiting.length > 0 && size + this.waiting[0].messages.length <= this.options.maxGroup) {
        const next = this.waiting.shift()!;
        taken.push(next);
        size += next.messages.length;
      }
      this.running += 1;
      void this.run(taken).finally(() => {
        this.running -= 1;
        this.schedule();
      });
    }
  }

  private async run(taken: Array<Submission<M>>): Promise<void> {
    const all = taken.flatMap((s) => s.messages);
    let result: BatchResult;
    try {
      result = await this.apply(all);
    } catch (error) {
      result = { outcomes: [], failure: error };
    }
    const done = result.outcomes.length;
    const failure = done < all.length ? result.failure ?? new Error(`only ${done} of ${all.length} messages were applied, without a reason`) : undefined;
    const untried: Array<Submission<M>> = [];
    let at = 0;
    for (const submission of taken) {
      const end = at + submission.messages.length;
      if (end <= done) submission.resolve({ outcomes: result.outcomes.slice(at, end) });
      else if (at <= done) submission.resolve({ outcomes: result.outcomes.slice(at, done), failure });
      else untried.push(submission);
      at = end;
    }
    this.waiting.unshift(...untried);
  }
}
