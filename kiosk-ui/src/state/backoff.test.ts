import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base and caps at the maximum', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('survives silly attempt counts', () => {
    expect(backoffDelay(-1)).toBe(500);
    expect(backoffDelay(Number.NaN)).toBe(500);
    expect(backoffDelay(10_000)).toBe(10_000);
  });
});
