import { describe, expect, it } from 'vitest';
import { percentile, summary } from './stats.js';

describe('percentile', () => {
  it('uses nearest rank', () => {
    const sample = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(sample, 50)).toBe(5);
    expect(percentile(sample, 95)).toBe(10);
    expect(percentile(sample, 10)).toBe(1);
    expect(sample[0]).toBe(5); // not sorted in place
  });
  it('summarises an empty sample as NaN', () => {
    expect(Number.isNaN(summary([]).p50)).toBe(true);
  });
});
