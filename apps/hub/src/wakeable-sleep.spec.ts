import { WakeableSleep } from './wakeable-sleep';

describe('WakeableSleep', () => {
  it('sleeps the time asked, or until woken', async () => {
    const pause = new WakeableSleep();
    const started = Date.now();
    await pause.sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const woken = pause.sleep(60_000);
    pause.wake();
    await expect(woken).resolves.toBeUndefined();
  });

  it('keeps a wake that came while nobody was asleep for the next sleep, once', async () => {
    const pause = new WakeableSleep();
    pause.wake();
    pause.wake();
    const woken = pause.sleep(60_000);
    await expect(Promise.race([woken.then(() => 'woken'), new Promise((r) => setTimeout(() => r('slept'), 1_000))])).resolves.toBe('woken');
    // Both wakes came before the sleep they cut short: the one after it sleeps again.
    const started = Date.now();
    await pause.sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
