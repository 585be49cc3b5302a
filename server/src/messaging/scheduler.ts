import type { Logger } from 'pino';
import { runDueCampaigns } from '../campaigns/campaigns.js';
import { activeClubSettings } from '../console/club-settings.js';
import type { Queryable } from '../db/sqlite.js';
import { clubDay } from '../engine/day.js';
import { membersWithPointsExpiring } from '../engine/lots.js';
import { computeRfm } from '../reports/rfm.js';
import { deliverDue, enqueueMessage } from './outbox.js';
import type { MessageProvider } from './providers/provider.js';
import { formatDateFor } from './templates/templates.js';

export interface SchedulerDeps {
  db: Queryable;
  logger: Logger;
  timeZone: string;
  providers: Partial<Record<'sms' | 'email', MessageProvider>>;
  now?: () => Date;
  intervalMs?: number;
  maxAttempts?: number;
  backoffMs?: number;
}

const DAY = 86_400_000;

/**
 * Finds what should be said (welcome, points earned, voucher codes, once a club day birthdays,
 * expiry reminders and win-backs), runs due campaigns, and delivers. Every automatic message has a
 * dedupe key, so running a step twice (two ticks, a restart) never sends anything twice; the scans
 * are bounded by time or by recent ledger ids, so a tick costs the same on a million members.
 */
export function createMessagingScheduler(deps: SchedulerDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'messaging' });
  let lastDailyRun = '';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function enqueueAutomatic(at: Date) {
    const { settings } = await activeClubSettings(deps.db);
    const m = settings.messages;
    const since = new Date(at.getTime() - 2 * DAY).toISOString();
    if (m.welcome) {
      const fresh = await deps.db.all<{ id: string }>(
        // Only members who signed up (accepted the terms): an import of existing members is no welcome.
        'SELECT id FROM members WHERE created_at >= ? AND consent_terms_at IS NOT NULL ORDER BY created_at LIMIT 5000',
        [since],
      );
      for (const r of fresh)
        await enqueueMessage(
          deps.db,
          { memberId: r.id, kind: 'welcome', vars: {}, dedupeKey: `welcome:${r.id}` },
          at,
        );
    }
    if (m.voucherCode) {
      const vouchers = await deps.db.all<{
        id: number;
        member_id: string;
        code: string;
        expires_at: string;
        name_fa: string;
        name_en: string;
        lang: 'fa' | 'en';
      }>(
        `SELECT v.id, v.member_id, v.code, v.expires_at, r.name_fa, r.name_en, m.lang FROM vouchers v
         JOIN rewards r ON r.id = v.reward_id JOIN members m ON m.id = v.member_id
         WHERE v.issued_at >= ? AND v.status = 'issued' LIMIT 5000`,
        [since],
      );
      for (const v of vouchers) {
        await enqueueMessage(
          deps.db,
          {
            memberId: v.member_id,
            kind: 'voucher',
            dedupeKey: `voucher:${v.id}`,
            vars: {
              code: v.code,
              reward: v.lang === 'en' ? v.name_en : v.name_fa,
              date: formatDateFor(v.expires_at, v.lang, deps.timeZone),
            },
          },
          at,
        );
      }
    }
    if (m.pointsEarned) {
      // The last few thousand ledger rows by id: the primary key bounds the scan.
      const earns = await deps.db.all<{ id: number; member_id: string; points: number; balance: number }>(
        `SELECT l.id, l.member_id, l.points, coalesce(b.points, 0) AS balance FROM points_ledger l LEFT JOIN balances b ON b.member_id = l.member_id
         WHERE l.id > (SELECT coalesce(max(id), 0) - 5000 FROM points_ledger) AND l.kind = 'earn' AND l.created_at >= ?`,
        [since],
      );
      for (const e of earns)
        await enqueueMessage(
          deps.db,
          {
            memberId: e.member_id,
            kind: 'points-earned',
            dedupeKey: `earn:${e.id}`,
            vars: { points: e.points, balance: e.balance },
          },
          at,
        );
    }
    const day = clubDay(at, deps.timeZone);
    if (day !== lastDailyRun) {
      lastDailyRun = day;
      await daily(at, day, settings);
    }
  }

  async function daily(
    at: Date,
    day: string,
    settings: Awaited<ReturnType<typeof activeClubSettings>>['settings'],
  ) {
    const m = settings.messages;
    // RFM first: the win-back below picks members by the segments it writes.
    const t0 = performance.now();
    const rfm = await computeRfm(deps.db, { now: at, windowDays: settings.rfmWindowDays });
    log.info({ ...rfm, ms: Math.round(performance.now() - t0) }, 'nightly RFM scores computed');
    if (m.birthday) {
      const md = day.slice(5);
      const born = await deps.db.all<{ id: string }>(
        'SELECT id FROM members WHERE birthday IS NOT NULL AND substr(birthday, 6) = ?',
        [md],
      );
      for (const r of born)
        await enqueueMessage(
          deps.db,
          { memberId: r.id, kind: 'birthday', dedupeKey: `birthday:${r.id}:${day.slice(0, 4)}`, vars: {} },
          at,
        );
    }
    if (m.expiryReminderDays > 0) {
      let after: string | undefined;
      for (;;) {
        const page = await membersWithPointsExpiring(deps.db, {
          now: at,
          days: m.expiryReminderDays,
          limit: 1000,
          ...(after ? { after } : {}),
        });
        if (page.length === 0) break;
        for (const e of page) {
          const lang =
            (await deps.db.get<{ lang: 'fa' | 'en' }>('SELECT lang FROM members WHERE id = ?', [e.memberId]))
              ?.lang ?? 'fa';
          await enqueueMessage(
            deps.db,
            {
              memberId: e.memberId,
              kind: 'expiry-reminder',
              dedupeKey: `expiry:${e.memberId}:${e.firstExpiresAt.slice(0, 10)}`,
              vars: { points: e.points, date: formatDateFor(e.firstExpiresAt, lang, deps.timeZone) },
            },
            at,
          );
        }
        after = page.at(-1)!.memberId;
      }
    }
    if (m.winBackEveryDays > 0) {
      const period = Math.floor(at.getTime() / (m.winBackEveryDays * DAY));
      const risk = await deps.db.all<{ id: string; balance: number }>(
        `SELECT s.member_id AS id, coalesce(b.points, 0) AS balance FROM member_stats s LEFT JOIN balances b ON b.member_id = s.member_id
         WHERE s.rfm_segment IN ('at-risk', 'cannot-lose', 'hibernating')`,
      );
      for (const r of risk)
        await enqueueMessage(
          deps.db,
          {
            memberId: r.id,
            kind: 'win-back',
            dedupeKey: `winback:${r.id}:${period}`,
            vars: { balance: r.balance },
          },
          at,
        );
    }
  }

  async function tick() {
    const at = now();
    await enqueueAutomatic(at);
    const campaigns = await runDueCampaigns(deps.db, at);
    const { settings } = await activeClubSettings(deps.db);
    const delivered = await deliverDue(
      deps.db,
      {
        providers: deps.providers,
        settings,
        timeZone: deps.timeZone,
        logger: log,
        ...(deps.maxAttempts ? { maxAttempts: deps.maxAttempts } : {}),
        ...(deps.backoffMs !== undefined ? { backoffMs: deps.backoffMs } : {}),
      },
      at,
    );
    if (campaigns || delivered.sent || delivered.failed)
      log.info({ campaigns, ...delivered }, 'messaging tick');
    return delivered;
  }

  return {
    tick,
    /** One tick at a time; a slow tick delays the next rather than overlapping it. */
    start() {
      const loop = () => {
        running = tick()
          .catch((err: unknown) => log.error({ err }, 'messaging tick failed'))
          .finally(() => {
            if (timer !== undefined) timer = setTimeout(loop, deps.intervalMs ?? 30_000);
          });
      };
      timer = setTimeout(loop, deps.intervalMs ?? 30_000);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
