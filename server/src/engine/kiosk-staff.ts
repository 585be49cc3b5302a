import type { Queryable } from '../db/sqlite.js';
import { bindCard } from './cards.js';
import { EngineError } from './errors.js';
import { audit, withFraudAlerts } from './fraud.js';
import { checkMemberCard, type KioskEventBase } from './kiosk-events.js';
import { pointsSummary } from './lots.js';
import type { EventOutcome } from './outcome.js';
import { recordPurchase } from './purchases.js';
import { activeRules } from './rules/store.js';

/**
 * What staff do at a kiosk in staff mode (a staff card and PIN on the device): key in a purchase for
 * the member on screen, and bind a new card. Both arrive as outbox events, so the ingress applies
 * each once; the purchase also uses the event id as its receipt id, so even a replay under a
 * different event id could not count twice.
 */

/** Purchases keyed in at a kiosk count for the device's store, or for the kiosk itself. */
async function storeOf(db: Queryable, deviceId: string): Promise<string> {
  const row = await db.get<{ store: string | null }>('SELECT store FROM devices WHERE id = ?', [deviceId]);
  return row?.store ?? `kiosk:${deviceId}`;
}

const asRejection = (err: unknown): EventOutcome => {
  if (err instanceof EngineError) return { status: 'rejected', reason: err.message, code: err.code };
  throw err;
};

export function applyStaffPurchase(
  db: Queryable,
  e: KioskEventBase & { amountMinor: number; staffId: string },
  now: Date,
  timeZone = 'Asia/Tehran',
): Promise<EventOutcome> {
  // Refusals propagate inside (rolling the purchase back) so withFraudAlerts sees velocity limits.
  return withFraudAlerts(db, now, () =>
    db.transaction(async (): Promise<EventOutcome> => {
      const bad = await checkMemberCard(db, e.memberId, e.cardUid);
      if (bad) return bad;
      const { config } = await activeRules(db);
      const r = await recordPurchase(
        db,
        {
          storeId: await storeOf(db, e.deviceId),
          receiptId: `kiosk-${e.eventId}`,
          memberId: e.memberId,
          amountMinor: e.amountMinor,
          currency: config.currency,
          lines: [],
          // Staff ids are per kiosk configuration; the device makes them unique club-wide.
          staffId: `${e.deviceId}/${e.staffId}`,
        },
        { now, timeZone },
      );
      const summary = await pointsSummary(db, e.memberId, now);
      return {
        status: 'applied',
        result: {
          pointsAwarded: r.points + r.bonuses.birthday + r.bonuses.referral,
          balance: r.balance,
          pointsPending: summary.pending,
        },
      };
    }),
  ).catch(asRejection);
}

export function applyStaffCard(
  db: Queryable,
  e: {
    eventId: string;
    deviceId: string;
    memberId: string;
    newCardUid: string;
    replace: boolean;
    staffId: string;
  },
  now: Date,
): Promise<EventOutcome> {
  const actor = `staff:${e.deviceId}/${e.staffId}`;
  return db
    .transaction(async (): Promise<EventOutcome> => {
      const member = await db.get<{ id: string }>('SELECT id FROM members WHERE id = ?', [e.memberId]);
      if (!member) {
        return { status: 'rejected', reason: `unknown member ${e.memberId}`, code: 'member-not-found' };
      }
      if (e.replace) {
        // The old card stops working at once; the account, its points and history stay.
        await db.run(
          "UPDATE cards SET status = 'blocked' WHERE member_id = ? AND status = 'active' AND uid <> ?",
          [e.memberId, e.newCardUid],
        );
      }
      await bindCard(db, e.memberId, e.newCardUid, actor, now);
      if (e.replace) {
        await audit(
          db,
          {
            actor,
            action: 'card.replace',
            subject: `member:${e.memberId}`,
            details: { newCardUid: e.newCardUid },
          },
          now,
        );
      }
      const balance =
        (await db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [e.memberId]))
          ?.points ?? 0;
      return { status: 'applied', result: { balance } };
    })
    .catch(asRejection);
}
