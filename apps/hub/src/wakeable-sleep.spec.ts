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

  it('ignores a wake with nobody asleep', async () => {
    const pause = new WakeableSleep();
    pause.wake();
    const started = Date.now();
    await pause.sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
