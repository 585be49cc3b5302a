import { insertCheckinIfFirst } from '../db/repos/checkins.js';
import { getBalance } from '../db/repos/ledger.js';
import { findCard, findMember } from '../db/repos/members.js';
import type { Queryable } from '../db/sqlite.js';
import { clubDay } from './day.js';
import { checkinMayEarn, DEFAULT_FRAUD_LIMITS, type FraudLimits, raiseFraudAlert } from './fraud.js';
import { credit } from './ledger.js';
import { DAY_MS } from './lots.js';
import type { EventOutcome } from './outcome.js';
import { type ActiveRules, activeRules } from './rules/store.js';

export interface CheckinPolicy {
  /**
   * Points for the first check-in of the day at a device, until operators publish a rule set;
   * from then on the rule set's `checkin.points` is what counts.
   */
  points: number;
  timeZone: string;
  limits?: FraudLimits;
}

export interface CheckinInput {
  eventId: string;
  deviceId: string;
  memberId: string;
  cardUid: string;
  /** When the member tapped, by the kiosk's clock (ISO 8601). */
  at: string;
}

/**
 * A visit check-in: `policy.points` the first time a member checks in at a device on a club day,
 * 0 after that. A repeat is not an error: the member did tap, the kiosk just shows 0 points.
 * Runs in one transaction so the check-in row and its ledger row stand or fall together.
 */
export function applyCheckin(
  db: Queryable,
  input: CheckinInput,
  policy: CheckinPolicy,
  now: Date = new Date(),
): Promise<EventOutcome> {
  return db.transaction(async () => {
    const member = await findMember(db, input.memberId);
    if (!member) return { status: 'rejected', reason: `unknown member ${input.memberId}` };
    const card = await findCard(db, input.cardUid);
    if (!card || card.member_id !== member.id) {
      return { status: 'rejected', reason: `card ${input.cardUid} does not belong to member ${member.id}` };
    }
    if (card.status !== 'active') return { status: 'rejected', reason: `card ${input.cardUid} is blocked` };

    // The day the member acted, so check-ins queued offline count for the day they happened; never
    // a future day, so a kiosk clock running fast cannot grant tomorrow's check-in today.
    const tapped = new Date(input.at);
    const day = clubDay(tapped.getTime() > now.getTime() ? now : tapped, policy.timeZone);
    const first = await insertCheckinIfFirst(db, {
      memberId: member.id,
      deviceId: input.deviceId,
      day,
      eventId: input.eventId,
    });
    const rules = await activeRules(db);
    // Check-ins at many stores in one day is how a shared or cloned card shows up: beyond the cap
    // they still count as visits but earn nothing, and the console is told.
    const mayEarn =
      !first || (await checkinMayEarn(db, member.id, day, policy.limits ?? DEFAULT_FRAUD_LIMITS));
    if (!mayEarn) {
      await raiseFraudAlert(
        db,
        { kind: 'checkins', subject: `member:${member.id}`, details: { day, cardUid: input.cardUid } },
        now,
      );
    }
    const points = mayEarn ? checkinPoints(rules, policy) : 0;
    if (!first || points === 0) {
      return { status: 'applied', result: { pointsAwarded: 0, balance: await getBalance(db, member.id) } };
    }
    const { balance } = await credit(
      db,
      {
        memberId: member.id,
        kind: 'earn',
        points,
        cause: 'checkin',
        eventId: input.eventId,
        deviceId: input.deviceId,
      },
      now,
      { expiresAt: new Date(now.getTime() + rules.config.lots.lifetimeDays * DAY_MS) },
    );
    return { status: 'applied', result: { pointsAwarded: points, balance } };
  });
}

/** The env-configured amount applies only while no rule set has been published. */
export function checkinPoints(rules: ActiveRules, policy: CheckinPolicy): number {
  return rules.version === 0 ? policy.points : rules.config.checkin.points;
}
