import { findCard, findMember } from '../db/repos/members.js';
import type { Queryable } from '../db/sqlite.js';
import { EngineError } from './errors.js';
import { withFraudAlerts } from './fraud.js';
import type { EventOutcome } from './outcome.js';
import { claimReward } from './rewards.js';
import { applySurveyAnswerTx } from './survey.js';

/**
 * Member actions that arrive from kiosks as events (besides check-in). Business refusals become
 * a `rejected` outcome with a code, which the kiosk can show; anything else is thrown, so the
 * event is not acked and the device resends it.
 */

export interface KioskEventBase {
  eventId: string;
  deviceId: string;
  memberId: string;
  cardUid: string;
}

/** The card must belong to the member and be active: a kiosk acts only for the card tapped. */
export async function checkMemberCard(
  db: Queryable,
  memberId: string,
  cardUid: string,
): Promise<Extract<EventOutcome, { status: 'rejected' }> | undefined> {
  const member = await findMember(db, memberId);
  if (!member) return { status: 'rejected', reason: `unknown member ${memberId}`, code: 'member-not-found' };
  const card = await findCard(db, cardUid);
  if (!card || card.member_id !== member.id) {
    return {
      status: 'rejected',
      reason: `card ${cardUid} does not belong to member ${member.id}`,
      code: 'card-mismatch',
    };
  }
  if (card.status !== 'active')
    return { status: 'rejected', reason: `card ${cardUid} is blocked`, code: 'card-blocked' };
  return undefined;
}

async function refusalsAsOutcome(run: () => Promise<EventOutcome>): Promise<EventOutcome> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof EngineError) return { status: 'rejected', reason: err.message, code: err.code };
    throw err;
  }
}

export function applyRewardClaim(
  db: Queryable,
  e: KioskEventBase & { rewardId: string },
  now: Date,
  timeZone = 'Asia/Tehran',
): Promise<EventOutcome> {
  return withFraudAlerts(db, now, () => claimOutcome(db, e, now, timeZone)).catch((err: unknown) => {
    if (err instanceof EngineError) return { status: 'rejected', reason: err.message, code: err.code };
    throw err;
  });
}

function claimOutcome(
  db: Queryable,
  e: KioskEventBase & { rewardId: string },
  now: Date,
  timeZone: string,
): Promise<EventOutcome> {
  // Refusals propagate (rolling the claim back) so withFraudAlerts sees velocity limits.
  return db.transaction(async () => {
    const bad = await checkMemberCard(db, e.memberId, e.cardUid);
    if (bad) return bad;
    const v = await claimReward(
      db,
      { memberId: e.memberId, rewardId: e.rewardId, requestKey: `event:${e.eventId}`, deviceId: e.deviceId },
      now,
      { timeZone },
    );
    return {
      status: 'applied',
      result: {
        pointsSpent: v.points,
        balance: v.balance,
        voucher: { code: v.code, token: v.token, rewardId: v.rewardId, expiresAt: v.expiresAt },
      },
    };
  });
}

/** A survey answer from a kiosk (survey.ts has the rules: known survey, bonus once). */
export function applySurveyAnswer(
  db: Queryable,
  e: KioskEventBase & { surveyId: string; answer: number | string; reasons?: string[] | undefined },
  now: Date,
): Promise<EventOutcome> {
  return db.transaction(() =>
    refusalsAsOutcome(
      async () => (await checkMemberCard(db, e.memberId, e.cardUid)) ?? applySurveyAnswerTx(db, e, now),
    ),
  );
}
