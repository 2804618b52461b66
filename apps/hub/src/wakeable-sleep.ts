/**
 * A polling loop's pause that new work can cut short: `sleep(ms)` resolves after ms, or at once
 * when `wake()` is called (new outbox rows, a resend, shutdown). A wake with nobody asleep is
 * a no-op: the loop looks again at its next turn anyway.
 */
export class WakeableSleep {
  private wakeUp?: () => void;

  sleep(ms: number): Promise<void> {
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
    this.wakeUp?.();
  }
}
