import { describe, expect, it } from 'vitest';
import { newId, ULID_PATTERN } from './ids.js';

describe('newId', () => {
  it('is unique and sorts in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids.slice(0, 10)) expect(id).toMatch(ULID_PATTERN);
  });
});
