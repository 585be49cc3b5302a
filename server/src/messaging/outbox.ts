import type { Logger } from 'pino';
import type { ClubSettings } from '../console/club-settings.js';
import type { Queryable } from '../db/sqlite.js';
import { DeliveryError, type MessageProvider } from './providers/provider.js';
import { type Lang, type MessageKind, render, TEMPLATES, TRANSACTIONAL } from './templates/templates.js';

export interface EnqueueInput {
  memberId: string;
  kind: MessageKind;
  vars: Record<string, string | number>;
  /** Same key twice: the second is ignored (a job run twice sends nothing twice). */
  dedupeKey: string;
  campaignId?: number;
  /** Campaign texts per language, instead of the kind's template. */
  text?: { fa: string; en: string };
}

interface MemberContact {
  phone: string | null;
  email: string | null;
  lang: Lang;
  consent_marketing: number;
  messages_opt_out_at: string | null;
  display_name: string;
  number: number;
}

/**
 * Queues one message, or records why it is not sent: a member who opted out gets nothing, a
 * marketing message needs marketing consent, and a member without a number or address cannot be
 * reached. Either way there is a row in message_log, so the member page shows what happened.
 */
export async function enqueueMessage(
  db: Queryable,
  m: EnqueueInput,
  now: Date,
): Promise<'queued' | 'skipped' | 'duplicate'> {
  const c = await db.get<MemberContact>(
    'SELECT phone, email, lang, consent_marketing, messages_opt_out_at, display_name, number FROM members WHERE id = ?',
    [m.memberId],
  );
  if (!c) return 'skipped';
  const lang: Lang = c.lang === 'en' ? 'en' : 'fa';
  const template = m.text ? m.text[lang] : TEMPLATES[m.kind][lang];
  const body = render(template, { name: c.display_name, number: c.number, ...m.vars }, lang);
  const channel = c.phone ? 'sms' : 'email';
  const recipient = c.phone ?? c.email ?? '';
  let skip: string | undefined;
  if (c.messages_opt_out_at) skip = 'opted-out';
  else if (!TRANSACTIONAL.has(m.kind) && c.consent_marketing !== 1) skip = 'no-consent';
  else if (!recipient) skip = 'no-address';
  const r = await db.run(
    `INSERT INTO message_log (member_id, channel, kind, recipient, body, subject, status, reason, next_attempt_at, campaign_id, dedupe_key, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      m.memberId,
      channel,
      m.kind,
      recipient,
      body,
      channel === 'email' ? (lang === 'fa' ? 'باشگاه مشتریان' : 'Customer club') : null,
      skip ? 'skipped' : 'queued',
      skip ?? null,
      skip ? null : now.toISOString(),
      m.campaignId ?? null,
      m.dedupeKey,
      now.toISOString(),
    ],
  );
  if (r.changes === 0) return 'duplicate';
  return skip ? 'skipped' : 'queued';
}

export interface DeliveryOptions {
  providers: Partial<Record<'sms' | 'email', MessageProvider>>;
  settings: ClubSettings;
  timeZone: string;
  logger: Logger;
  maxAttempts?: number;
  /** First retry after this long, doubling each time. */
  backoffMs?: number;
  batch?: number;
}

/** Minutes since midnight in the club's time zone. */
function clubMinutes(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

const toMinutes = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));

/** How long until quiet hours end, or 0 when it is not quiet now. Handles windows across midnight. */
export function quietDelayMs(
  now: Date,
  quiet: ClubSettings['messages']['quietHours'],
  timeZone: string,
): number {
  if (!quiet) return 0;
  const t = clubMinutes(now, timeZone);
  const s = toMinutes(quiet.start);
  const e = toMinutes(quiet.end);
  const inQuiet = s <= e ? t >= s && t < e : t >= s || t < e;
  if (!inQuiet) return 0;
  const minutes = (e - t + 1440) % 1440;
  return minutes * 60_000 - (now.getUTCSeconds() * 1000 + now.getUTCMilliseconds());
}

/**
 * Sends what is due. A failure worth retrying is tried again after backoff (1×, 2×, 4× …) up to
 * maxAttempts, then marked failed with the last error; a permanent failure is failed at once.
 * During quiet hours only transactional messages go; the others wait for the end of the window.
 */
export async function deliverDue(
  db: Queryable,
  o: DeliveryOptions,
  now: Date,
): Promise<{ sent: number; failed: number; deferred: number; retried: number }> {
  const out = { sent: 0, failed: 0, deferred: 0, retried: 0 };
  const due = await db.all<{
    id: number;
    channel: 'sms' | 'email';
    kind: MessageKind;
    recipient: string;
    body: string;
    subject: string | null;
    attempts: number;
  }>(
    `SELECT id, channel, kind, recipient, body, subject, attempts FROM message_log
     WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
    [now.toISOString(), o.batch ?? 200],
  );
  const quiet = quietDelayMs(now, o.settings.messages.quietHours, o.timeZone);
  const max = o.maxAttempts ?? 5;
  const base = o.backoffMs ?? 30_000;
  for (const m of due) {
    if (quiet > 0 && !TRANSACTIONAL.has(m.kind)) {
      await db.run("UPDATE message_log SET next_attempt_at = ?, reason = 'quiet-hours' WHERE id = ?", [
        new Date(now.getTime() + quiet).toISOString(),
        m.id,
      ]);
      out.deferred++;
      continue;
    }
    const provider = o.providers[m.channel];
    if (!provider) {
      await db.run("UPDATE message_log SET status = 'failed', reason = ? WHERE id = ?", [
        `no ${m.channel} provider configured`,
        m.id,
      ]);
      out.failed++;
      continue;
    }
    const attempts = m.attempts + 1;
    try {
      const r = await provider.send({ to: m.recipient, body: m.body, subject: m.subject ?? undefined });
      await db.run(
        "UPDATE message_log SET status = 'sent', attempts = ?, sent_at = ?, provider = ?, provider_ref = ?, reason = NULL, next_attempt_at = NULL WHERE id = ?",
        [attempts, now.toISOString(), provider.name, r.ref ?? null, m.id],
      );
      out.sent++;
    } catch (err) {
      const retryable = err instanceof DeliveryError ? err.retryable : true;
      const reason = (err as Error).message.slice(0, 300);
      if (retryable && attempts < max) {
        const next = new Date(now.getTime() + base * 2 ** (attempts - 1)).toISOString();
        await db.run(
          'UPDATE message_log SET attempts = ?, next_attempt_at = ?, reason = ?, provider = ? WHERE id = ?',
          [attempts, next, reason, provider.name, m.id],
        );
        out.retried++;
      } else {
        await db.run(
          "UPDATE message_log SET status = 'failed', attempts = ?, reason = ?, provider = ?, next_attempt_at = NULL WHERE id = ?",
          [attempts, reason, provider.name, m.id],
        );
        out.failed++;
        o.logger.warn({ messageId: m.id, reason }, 'message failed');
      }
    }
  }
  return out;
}
