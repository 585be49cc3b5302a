import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryDb } from '../../../test/engine-fixtures.js';
import type { SqliteDb } from '../../db/sqlite.js';
import { EngineError } from '../errors.js';
import { DEFAULT_RULES } from './config.js';
import { activeRules, listRuleVersions, publishRules } from './store.js';

describe('rule sets', () => {
  let db: SqliteDb;
  beforeEach(async () => {
    db = await memoryDb();
  });
  afterEach(() => db.close());

  it('starts on the defaults and makes each published set a new live version', async () => {
    expect(await activeRules(db)).toEqual({ version: 0, config: DEFAULT_RULES });
    await publishRules(db, { ...DEFAULT_RULES, welcome: { points: 150 } }, 'op:1');
    const v2 = await publishRules(db, { ...DEFAULT_RULES, welcome: { points: 175 } }, 'op:2');
    expect(v2.version).toBe(2);
    expect((await activeRules(db)).config.welcome.points).toBe(175);
    expect((await listRuleVersions(db)).map((v) => [v.version, v.createdBy])).toEqual([
      [1, 'op:1'],
      [2, 'op:2'],
    ]);
  });

  it.each([
    [
      'falling tier thresholds',
      {
        tiers: {
          ...DEFAULT_RULES.tiers,
          levels: { ...DEFAULT_RULES.tiers.levels, gold: { threshold: 500, multiplierPct: 150 } },
        },
      },
      /tiers.levels: tier thresholds must rise/,
    ],
    [
      'a promotion on an unknown category',
      {
        promotions: [
          {
            id: 'p',
            name: { fa: 'ا', en: 'p' },
            multiplierPct: 200,
            from: '2025-01-01',
            to: '2025-01-02',
            categories: ['tea'],
          },
        ],
      },
      /category tea, which is not in categories/,
    ],
    [
      'a promotion ending before it starts',
      {
        promotions: [
          { id: 'p', name: { fa: 'ا', en: 'p' }, multiplierPct: 200, from: '2025-02-01', to: '2025-01-02' },
        ],
      },
      /end on or after/,
    ],
    ['negative multipliers', { categories: { general: -100 } }, /cannot be negative/],
    ['a missing general category', { categories: { coffee: 200 } }, /'general' category is required/],
    ['fractional points', { welcome: { points: 1.5 } }, /welcome.points/],
    ['unknown keys (typos)', { welcom: { points: 5 } }, /welcom/],
  ])('refuses %s and stores nothing', async (_name, over, message) => {
    const err = await publishRules(db, { ...DEFAULT_RULES, ...over }, 'op').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('invalid-rules');
    expect((err as Error).message).toMatch(message);
    expect(await listRuleVersions(db)).toEqual([]);
  });
});
