import type { ActivityEntry, SurveyOffer } from '@bashgah/protocol';
import type { Queryable } from '../db/sqlite.js';
import type { KioskEventBase } from './kiosk-events.js';
import type { EventOutcome } from './outcome.js';
import { awardSurvey } from './rules/bonuses.js';
import type { RuleConfig } from './rules/config.js';
import { activeRules } from './rules/store.js';

/**
 * The kiosk's one-question survey (migration 015). A member is offered the newest active survey
 * once they have visited `after_visits` times and not answered it yet; an answer earns the survey
 * bonus once per survey (member_bonuses), however often a kiosk resends it.
 */

interface SurveyRow {
  id: string;
  question_fa: string;
  question_en: string;
  reasons: string;
  after_visits: number;
}

interface StoredReason {
  id: string;
  fa: string;
  en: string;
}

/** The survey due for this member now, or null (none active, too few visits, already answered). */
export async function surveyDue(
  db: Queryable,
  memberId: string,
  rules: RuleConfig,
): Promise<SurveyOffer | null> {
  // One statement: the newest active survey this member has not answered and has visited enough for.
  const row = await db.get<SurveyRow>(
    `SELECT s.id, s.question_fa, s.question_en, s.reasons, s.after_visits FROM surveys s
     WHERE s.active = 1
       AND NOT EXISTS (SELECT 1 FROM survey_answers a WHERE a.member_id = ? AND a.survey_id = s.id)
       AND s.after_visits <= (SELECT count(*) FROM checkins c WHERE c.member_id = ?)
     ORDER BY s.created_at DESC, s.id LIMIT 1`,
    [memberId, memberId],
  );
  if (!row) return null;
  const reasons = (JSON.parse(row.reasons) as StoredReason[])
    .filter((r) => r && typeof r.id === 'string' && r.fa && r.en)
    .slice(0, 8)
    .map((r) => ({ id: r.id, label: { fa: r.fa, en: r.en } }));
  return {
    id: row.id,
    question: { fa: row.question_fa, en: row.question_en },
    reasons,
    points: rules.survey.points,
  };
}

/** What a ledger cause means to a member, for the kiosk's recent activity. */
export function activityKind(kind: string, cause: string): ActivityEntry['kind'] {
  const head = cause.split(':', 1)[0] ?? '';
  if (kind === 'expire') return 'expire';
  switch (head) {
    case 'checkin':
      return 'visit';
    case 'purchase':
      return 'purchase';
    case 'reward':
    case 'cancel':
      return 'reward';
    case 'refund':
      return 'refund';
    case 'welcome':
    case 'birthday':
    case 'survey':
    case 'referral':
      return head;
    case 'adjust':
    case 'operator':
      return 'adjust';
    default:
      return kind === 'adjust' ? 'adjust' : kind === 'redeem' ? 'reward' : 'other';
  }
}

/**
 * Whether a voucher claimed now also reaches the member by SMS: the club sends voucher codes
 * (console setting, on by default), the member has a mobile number and has not opted out of
 * messages. The messaging scheduler does the sending (voucher codes are transactional); this only
 * lets the kiosk say so truthfully.
 */
export async function voucherBySms(db: Queryable, memberId: string): Promise<boolean> {
  const row = await db.get<{ reachable: number; enabled: number | null }>(
    `SELECT (m.phone IS NOT NULL AND m.messages_opt_out_at IS NULL) AS reachable,
       (SELECT json_extract(settings, '$.messages.voucherCode') FROM club_settings ORDER BY version DESC LIMIT 1) AS enabled
     FROM members m WHERE m.id = ?`,
    [memberId],
  );
  return row?.reachable === 1 && (row.enabled ?? 1) === 1;
}

/** The member's newest points movements (the ledger is append-only, so id order is time order). */
export async function recentActivity(db: Queryable, memberId: string, limit = 5): Promise<ActivityEntry[]> {
  const rows = await db.all<{ kind: string; cause: string; points: number; at: string }>(
    `SELECT kind, cause, points, created_at AS at FROM points_ledger
     WHERE member_id = ? ORDER BY id DESC LIMIT ?`,
    [memberId, limit],
  );
  // Ledger rows are signed already: spends and lapses are negative.
  return rows.map((r) => ({ at: r.at, kind: activityKind(r.kind, r.cause), points: r.points }));
}

/**
 * Applies a survey answer: the first answer per member and survey is kept (with its reasons) and
 * pays the bonus; a later one (another kiosk, a resend under a new id) changes nothing. An answer to
 * a survey that does not exist, or with reasons the survey does not offer, is refused: a kiosk
 * cannot invent surveys to collect bonuses.
 */
export async function applySurveyAnswerTx(
  db: Queryable,
  e: KioskEventBase & { surveyId: string; answer: number | string; reasons?: string[] | undefined },
  now: Date,
): Promise<EventOutcome> {
  const survey = await db.get<{ reasons: string }>('SELECT reasons FROM surveys WHERE id = ?', [e.surveyId]);
  if (!survey) {
    return { status: 'rejected', reason: `no survey ${e.surveyId}`, code: 'survey-unknown' };
  }
  const offered = new Set((JSON.parse(survey.reasons) as StoredReason[]).map((r) => r.id));
  const reasons = [...new Set(e.reasons ?? [])];
  const stray = reasons.find((r) => !offered.has(r));
  if (stray !== undefined) {
    return {
      status: 'rejected',
      reason: `survey ${e.surveyId} has no reason ${stray}`,
      code: 'survey-reason',
    };
  }
  await db.run(
    `INSERT INTO survey_answers (member_id, survey_id, answer, reasons, event_id, device_id, at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (member_id, survey_id) DO NOTHING`,
    [
      e.memberId,
      e.surveyId,
      String(e.answer),
      JSON.stringify(reasons),
      e.eventId,
      e.deviceId,
      now.toISOString(),
    ],
  );
  const { config } = await activeRules(db);
  const pointsAwarded = await awardSurvey(db, e.memberId, e.surveyId, config, now);
  const balance =
    (await db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [e.memberId]))
      ?.points ?? 0;
  return { status: 'applied', result: { pointsAwarded, balance } };
}
