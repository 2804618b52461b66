/**
 * A polling loop's pause that new work can cut short: `sleep(ms)` resolves after ms, or at once
 * when `wake()` is called (new outbox rows, a resend, shutdown). A wake while nobody is asleep is
 * kept for the next `sleep`, which then returns at once: the loop was busy when the work arrived,
 * and may have looked before that work was committed. Without that, such work waited a whole
 * `ms` (the outbox relay: RELAY_IDLE_MS) for a poll.
 */
export class WakeableSleep {
  private wakeUp?: () => void;
  private woken = false;

  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.wakeUp === done) self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }
}
