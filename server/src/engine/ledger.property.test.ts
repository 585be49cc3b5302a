import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addMember, books, memoryDb, rulesWith } from '../../test/engine-fixtures.js';
import type { SqliteDb } from '../db/sqlite.js';
import { EngineError } from './errors.js';
import { appendLedgerEntry, debit } from './ledger.js';
import { expireDueLots } from './lots.js';
import { type PurchaseInput, type RefundInput, recordPurchase, refundPurchase } from './purchases.js';
import { createReward } from './rewards.js';
import { publishRules } from './rules/store.js';

/**
 * Ledger invariants over random sequences of purchases (earn), redemptions, partial and full
 * refunds, expiry runs, operator adjustments, clock ticks and replays of earlier POS calls.
 */

const MEMBERS = ['m1', 'm2'] as const;
const TZ = 'Asia/Tehran';
const start = new Date('2025-01-01T06:00:00.000Z').getTime();
// 1 point per 1,000 minor units, pending for 2 days, lapsing after 10: short enough that random
// sequences cross both windows often.
const RULES = rulesWith({
  spend: { points: 1, perAmountMinor: 1_000 },
  lots: { lifetimeDays: 10, pendingDays: 2 },
});

const member = fc.constantFrom(...MEMBERS);
const Op = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('purchase' as const),
      member,
      amount: fc.integer({ min: 1, max: 90_000 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('redeem' as const),
      member,
      points: fc.integer({ min: 1, max: 80 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('refund' as const),
      pick: fc.nat(),
      part: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant('expire' as const) }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('adjust' as const),
      member,
      points: fc.integer({ min: -30, max: 30 }).filter((p) => p !== 0),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constant('tick' as const), hours: fc.integer({ min: 1, max: 24 * 6 }) }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('replay' as const), pick: fc.nat() }), weight: 2 },
);

type Call = { kind: 'purchase'; input: PurchaseInput } | { kind: 'refund'; input: RefundInput };

async function snapshot(db: SqliteDb) {
  return {
    books: await books(db),
    rows: await db.get<{ n: number }>('SELECT count(*) AS n FROM points_ledger'),
    lots: await db.all('SELECT id, remaining FROM point_lots ORDER BY id'),
    purchases: await db.all('SELECT id, refunded_minor, points_reversed FROM purchases ORDER BY id'),
  };
}

async function checkInvariants(db: SqliteDb) {
  for (const b of await books(db)) {
    expect(b.balance, `balance of ${b.member_id} equals its ledger`).toBe(b.ledger);
    expect(b.lots, `open lots of ${b.member_id} hold its balance`).toBe(b.balance);
    expect(b.balance, `balance of ${b.member_id} is never negative`).toBeGreaterThanOrEqual(0);
  }
  const over = await db.get<{ n: number }>(
    'SELECT count(*) AS n FROM purchases p WHERE (SELECT coalesce(sum(points_reversed + shortfall), 0) FROM refunds r WHERE r.purchase_id = p.id) > p.points',
  );
  expect(over?.n, 'no purchase has more points taken back than it earned').toBe(0);
}

describe('ledger invariants (property-based)', () => {
  it('hold over any sequence of earn, redeem, refund, expire, adjust and replay', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const db = await memoryDb();
        try {
          await publishRules(db, RULES, 'test');
          for (const [i, id] of MEMBERS.entries()) await addMember(db, { id, number: i + 1 });
          let now = start;
          let receipts = 0;
          const calls: Call[] = [];
          const purchases: PurchaseInput[] = [];
          const clock = () => ({ now: new Date(now), timeZone: TZ });

          for (const op of ops) {
            switch (op.op) {
              case 'purchase': {
                const input: PurchaseInput = {
                  storeId: 's1',
                  receiptId: `r${++receipts}`,
                  memberId: op.member,
                  amountMinor: op.amount,
                  currency: 'IRR',
                  lines: [],
                };
                const r = await recordPurchase(db, input, clock());
                expect(r.points).toBe(Math.floor(op.amount / 1_000));
                purchases.push(input);
                calls.push({ kind: 'purchase', input });
                break;
              }
              case 'redeem': {
                const at = new Date(now).toISOString();
                const before = await db.all<{ id: number; remaining: number }>(
                  'SELECT id, remaining FROM point_lots WHERE member_id = ? AND remaining > 0 AND available_at <= ? ORDER BY earned_at, id',
                  [op.member, at],
                );
                const spendable = before.reduce((s, l) => s + l.remaining, 0);
                const snap = await snapshot(db);
                const r = await debit(
                  db,
                  { memberId: op.member, kind: 'redeem', points: op.points, cause: 'reward' },
                  new Date(now),
                ).catch((e: unknown) => e);
                if (op.points > spendable) {
                  expect(r).toBeInstanceOf(EngineError);
                  expect(await snapshot(db), 'a refused redemption writes nothing').toEqual(snap);
                  break;
                }
                // Oldest first: the lots drawn on are a prefix of the spendable lots in age order,
                // each emptied except possibly the last.
                const used = await db.all<{ lot_id: number; points: number }>(
                  'SELECT lot_id, points FROM lot_consumptions WHERE ledger_id = ?',
                  [(r as { entryId: number }).entryId],
                );
                const order = new Map(before.map((l, k) => [l.id, k]));
                const ranks = used.map((u) => order.get(u.lot_id)!).sort((a, b) => a - b);
                expect(ranks).toEqual(ranks.map((_, k) => k));
                for (const u of used) {
                  const k = order.get(u.lot_id)!;
                  if (k < ranks.length - 1) expect(u.points).toBe(before[k]!.remaining);
                }
                break;
              }
              case 'refund': {
                if (purchases.length === 0) break;
                const p = purchases[op.pick % purchases.length]!;
                const row = await db.get<{ left: number }>(
                  'SELECT amount_minor - refunded_minor AS left FROM purchases WHERE store_id = ? AND receipt_id = ?',
                  [p.storeId, p.receiptId],
                );
                if (!row || row.left === 0) break;
                const input: RefundInput = {
                  storeId: p.storeId,
                  refundId: `f${calls.length}`,
                  receiptId: p.receiptId,
                  amountMinor:
                    op.part === undefined ? undefined : Math.max(1, Math.floor((row.left * op.part) / 100)),
                };
                const before = (await books(db)).find((b) => b.member_id === p.memberId)!.balance;
                const r = await refundPurchase(db, input, clock());
                expect(r.balance).toBe(before - r.pointsReversed);
                expect(r.pointsReversed + r.shortfall).toBeLessThanOrEqual(Math.floor(p.amountMinor / 1_000));
                calls.push({ kind: 'refund', input });
                break;
              }
              case 'expire': {
                await expireDueLots(db, new Date(now));
                const twice = await expireDueLots(db, new Date(now));
                expect(twice, 'a second expiry run finds nothing').toEqual({
                  members: 0,
                  lots: 0,
                  points: 0,
                });
                break;
              }
              case 'adjust': {
                await appendLedgerEntry(
                  db,
                  { memberId: op.member, kind: 'adjust', points: op.points, cause: 'operator' },
                  new Date(now),
                ).catch((e: unknown) => {
                  if (!(e instanceof EngineError)) throw e;
                });
                break;
              }
              case 'tick':
                now += op.hours * 3600_000;
                break;
              case 'replay': {
                if (calls.length === 0) break;
                const call = calls[op.pick % calls.length]!;
                const snap = await snapshot(db);
                const r =
                  call.kind === 'purchase'
                    ? await recordPurchase(db, call.input, clock())
                    : await refundPurchase(db, call.input, clock());
                expect(r.replay).toBe(true);
                expect(await snapshot(db), 'a replay changes nothing').toEqual(snap);
                break;
              }
            }
            await checkInvariants(db);
          }
        } finally {
          await db.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a refund, partial or full, never leaves more points or stamps than before the purchase', async () => {
    const card = {
      id: 'c5',
      name: { fa: 'کارت', en: 'Card' },
      category: 'coffee',
      required: 5,
      rewardId: 'free',
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 1_000, max: 400_000 }),
        fc.integer({ min: 0, max: 12 }),
        fc.boolean(),
        fc.array(
          fc.record({ hours: fc.integer({ min: 0, max: 24 * 4 }), points: fc.integer({ min: 1, max: 300 }) }),
          { maxLength: 6 },
        ),
        // Refund parts as shares of what is left (the last refund takes the rest).
        fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 3 }),
        async (opening, amount, coffees, referred, spends, parts) => {
          const db = await memoryDb();
          try {
            await createReward(
              db,
              { id: 'free', name: { fa: 'هدیه', en: 'Gift' }, pointsCost: 1 },
              new Date(start),
            );
            await publishRules(
              db,
              { ...RULES, categories: { general: 100, coffee: 100 }, punchCards: [card] },
              'test',
            );
            await addMember(db, { id: 'ref', number: 2 });
            await addMember(db, { id: 'm1', number: 1, ...(referred ? { referredBy: 'ref' } : {}) });
            let now = start;
            if (opening > 0)
              await appendLedgerEntry(
                db,
                { memberId: 'm1', kind: 'adjust', points: opening, cause: 'opening' },
                new Date(now),
              );
            const stampsBefore = 0;
            const purchase: PurchaseInput = {
              storeId: 's1',
              receiptId: 'r1',
              memberId: 'm1',
              amountMinor: amount,
              currency: 'IRR',
              lines: coffees > 0 ? [{ category: 'coffee', amountMinor: amount, quantity: coffees }] : [],
            };
            const bought = await recordPurchase(db, purchase, { now: new Date(now), timeZone: TZ });
            for (const s of spends) {
              now += s.hours * 3600_000;
              await debit(
                db,
                { memberId: 'm1', kind: 'redeem', points: s.points, cause: 'reward' },
                new Date(now),
              ).catch((e: unknown) => {
                if (!(e instanceof EngineError)) throw e;
              });
            }
            let refunded = 0;
            let reversed = 0;
            for (const [i, share] of [...parts, 100].entries()) {
              const left = amount - refunded;
              if (left === 0) break;
              const part = i === parts.length ? left : Math.max(1, Math.floor((left * share) / 100));
              const r = await refundPurchase(
                db,
                { storeId: 's1', refundId: `f${i}`, receiptId: 'r1', amountMinor: part },
                { now: new Date(now), timeZone: TZ },
              );
              refunded += part;
              reversed += r.pointsReversed + r.shortfall;
              // Never more than right after the purchase, whatever was spent since.
              expect(r.balance).toBeLessThanOrEqual(bought.balance);
              expect(reversed).toBe(Math.floor((bought.points * refunded) / amount));
              await checkInvariants(db);
            }
            const after = await db.get<{ points: number }>(
              "SELECT points FROM balances WHERE member_id = 'm1'",
            );
            expect(after?.points ?? 0).toBeLessThanOrEqual(opening);
            expect(reversed).toBe(Math.floor(amount / 1_000));
            // Stamps: back to where they were, counting a voided voucher's stamps as stamps.
            const p = await db.get<{ stamps: number; completions: number }>(
              "SELECT stamps, completions FROM punch_progress WHERE member_id = 'm1'",
            );
            expect((p?.stamps ?? 0) + (p?.completions ?? 0) * card.required).toBeLessThanOrEqual(
              stampsBefore,
            );
            // The referrer keeps nothing of a referral whose only purchase was refunded.
            const ref = await db.get<{ points: number }>(
              "SELECT points FROM balances WHERE member_id = 'ref'",
            );
            expect(ref?.points ?? 0).toBe(0);
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
