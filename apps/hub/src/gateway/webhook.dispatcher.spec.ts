import { backoffMs } from './webhook.dispatcher';

describe('webhook backoff', () => {
  it('doubles from the base after each failed attempt, up to the cap', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 1_000, 10_000, middle))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it('spreads retries by ±20 % so receivers coming back are not hit by every hub at once', () => {
    expect(backoffMs(3, 1_000, 60_000, () => 0)).toBe(3_200);
    expect(backoffMs(3, 1_000, 60_000, () => 1)).toBe(4_800);
  });
});
