import { CardUid, TIER_CODES } from '@bashgah/protocol';
import { z } from 'zod';
import type { Queryable } from '../db/sqlite.js';
import { blockCard, replaceCard } from '../engine/cards.js';
import { EngineError } from '../engine/errors.js';
import { audit } from '../engine/fraud.js';
import { appendLedgerEntry, credit } from '../engine/ledger.js';
import { maskPhone, normaliseIranMobile } from '../engine/phone.js';

/** Who did a console write: the operator's username, recorded in the audit log and ledger causes. */
export type Actor = string;

const Phone = z.string().transform((s, ctx) => {
  const p = normaliseIranMobile(s);
  if (!p) {
    ctx.addIssue({
      code: 'custom',
      message: 'a mobile number such as 09121234567',
      params: { code: 'invalid-phone' },
    });
    return z.NEVER;
  }
  return p;
});

export const MemberPatch = z
  .object({
    displayName: z.string().trim().min(1).max(80).optional(),
    phone: Phone.nullable().optional(),
    email: z.email().max(254).nullable().optional(),
    lang: z.enum(['fa', 'en']).optional(),
    birthday: z.iso.date().nullable().optional(),
    consentMarketing: z.boolean().optional(),
    optedOut: z.boolean().optional(),
  })
  .strict();
export type MemberPatch = z.infer<typeof MemberPatch>;

export const Adjustment = z
  .object({
    points: z
      .number()
      .int()
      .refine((n) => n !== 0, 'an adjustment moves at least one point')
      .refine((n) => Math.abs(n) <= 1_000_000, 'at most 1,000,000 points at once'),
    reason: z.string().trim().min(3, 'say why, in a few words').max(200),
  })
  .strict();

interface MemberRow {
  id: string;
  number: number;
  display_name: string;
  phone: string | null;
  email: string | null;
  lang: 'fa' | 'en';
  tier: string;
  birthday: string | null;
  referred_by: string | null;
  consent_terms_at: string | null;
  consent_marketing: number;
  messages_opt_out_at: string | null;
  created_at: string;
}

async function memberRow(db: Queryable, id: string): Promise<MemberRow> {
  const row = await db.get<MemberRow>(
    `SELECT id, number, display_name, phone, email, lang, tier, birthday, referred_by, consent_terms_at,
       consent_marketing, messages_opt_out_at, created_at FROM members WHERE id = ?`,
    [id],
  );
  if (!row) throw new EngineError('member-not-found', `no member ${id}`);
  return row;
}

function profile(row: MemberRow, revealPhone: boolean) {
  return {
    id: row.id,
    number: row.number,
    displayName: row.display_name,
    phone: row.phone && !revealPhone ? maskPhone(row.phone) : row.phone,
    phoneMasked: Boolean(row.phone) && !revealPhone,
    email: row.email,
    lang: row.lang,
    tier: row.tier,
    birthday: row.birthday,
    referredBy: row.referred_by,
    consentTermsAt: row.consent_terms_at,
    consentMarketing: row.consent_marketing === 1,
    optedOutAt: row.messages_opt_out_at,
    createdAt: row.created_at,
  };
}

/** Everything the member page shows, in one call. The phone is masked unless asked for. */
export async function memberDetail(db: Queryable, id: string, opts: { revealPhone: boolean }) {
  const row = await memberRow(db, id);
  const [balance, stats, cards, ledger, vouchers, messages, campaigns] = await Promise.all([
    db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [id]),
    db.get<Record<string, unknown>>(
      `SELECT purchases, spend_minor AS spendMinor, visits, first_purchase_at AS firstPurchaseAt,
         last_purchase_at AS lastPurchaseAt, nullif(last_visit_at, '') AS lastVisitAt, rfm_r AS r, rfm_f AS f, rfm_m AS m,
         rfm_segment AS segment, churn_risk AS churnRisk FROM member_stats WHERE member_id = ?`,
      [id],
    ),
    db.all('SELECT uid, status, issued_at AS issuedAt FROM cards WHERE member_id = ? ORDER BY issued_at', [
      id,
    ]),
    db.all(
      `SELECT id, kind, points, cause, device_id AS deviceId, created_at AS createdAt
       FROM points_ledger WHERE member_id = ? ORDER BY id DESC LIMIT 200`,
      [id],
    ),
    db.all(
      `SELECT code, reward_id AS rewardId, source, points, status, issued_at AS issuedAt, expires_at AS expiresAt,
         used_at AS usedAt FROM vouchers WHERE member_id = ? ORDER BY id DESC LIMIT 100`,
      [id],
    ),
    db.all(
      `SELECT id, channel, kind, status, reason, attempts, created_at AS createdAt, sent_at AS sentAt, body
       FROM message_log WHERE member_id = ? ORDER BY id DESC LIMIT 100`,
      [id],
    ),
    db.all(
      `SELECT c.id, c.name, cm.code, cm.at, cm.redeemed_at AS redeemedAt FROM campaign_members cm
       JOIN campaigns c ON c.id = cm.campaign_id WHERE cm.member_id = ? ORDER BY cm.at DESC LIMIT 50`,
      [id],
    ),
  ]);
  return {
    member: profile(row, opts.revealPhone),
    points: balance?.points ?? 0,
    stats: stats ?? null,
    cards,
    ledger,
    vouchers,
    messages,
    campaigns,
  };
}

/** Records who saw a member's full number: personal data, so looking is itself audited. */
export async function revealPhoneAudit(db: Queryable, id: string, actor: Actor, now: Date) {
  await audit(db, { actor, action: 'member.phone.reveal', subject: `member:${id}` }, now);
}

export async function updateMember(db: Queryable, id: string, patch: MemberPatch, actor: Actor, now: Date) {
  return db.transaction(async () => {
    const before = profile(await memberRow(db, id), true);
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (col: string, v: unknown) => {
      sets.push(`${col} = ?`);
      params.push(v);
    };
    if (patch.displayName !== undefined) set('display_name', patch.displayName);
    if (patch.phone !== undefined) {
      if (patch.phone) {
        const other = await db.get<{ id: string }>('SELECT id FROM members WHERE phone = ? AND id <> ?', [
          patch.phone,
          id,
        ]);
        if (other) throw new EngineError('phone-taken', `${patch.phone} belongs to member ${other.id}`);
      }
      set('phone', patch.phone);
    }
    if (patch.email !== undefined) set('email', patch.email);
    if (patch.lang !== undefined) set('lang', patch.lang);
    if (patch.birthday !== undefined) set('birthday', patch.birthday);
    if (patch.consentMarketing !== undefined) set('consent_marketing', patch.consentMarketing ? 1 : 0);
    if (patch.optedOut !== undefined) set('messages_opt_out_at', patch.optedOut ? now.toISOString() : null);
    if (sets.length === 0) return before;
    await db.run(`UPDATE members SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
    const after = profile(await memberRow(db, id), true);
    await audit(
      db,
      { actor, action: 'member.update', subject: `member:${id}`, details: { before, after } },
      now,
    );
    return after;
  });
}

/**
 * A manual correction of a member's points. Positive: a never-expiring lot; negative: taken from
 * spendable points, oldest first (refused if there are not enough). The reason goes into the ledger
 * cause, so the member's history explains it, and into the audit log with the balances around it.
 */
export async function adjustPoints(
  db: Queryable,
  id: string,
  input: z.infer<typeof Adjustment>,
  actor: Actor,
  now: Date,
) {
  return db.transaction(async () => {
    await memberRow(db, id);
    const before =
      (await db.get<{ points: number }>('SELECT points FROM balances WHERE member_id = ?', [id]))?.points ??
      0;
    const r = await appendLedgerEntry(
      db,
      { memberId: id, kind: 'adjust', points: input.points, cause: `adjust:${actor}: ${input.reason}` },
      now,
    );
    await audit(
      db,
      {
        actor,
        action: 'points.adjust',
        subject: `member:${id}`,
        details: {
          points: input.points,
          reason: input.reason,
          before: { balance: before },
          after: { balance: r.balance },
          ledgerId: r.entryId,
        },
      },
      now,
    );
    return { balance: r.balance, ledgerId: r.entryId };
  });
}

export async function blockMemberCard(
  db: Queryable,
  id: string,
  uid: string,
  reason: string,
  actor: Actor,
  now: Date,
) {
  const card = await db.get<{ member_id: string }>('SELECT member_id FROM cards WHERE uid = ?', [uid]);
  if (!card || card.member_id !== id)
    throw new EngineError('member-not-found', `card ${uid} is not a card of member ${id}`);
  await blockCard(db, uid, actor, reason, now);
}

export async function moveToNewCard(
  db: Queryable,
  id: string,
  oldUid: string,
  newUid: string,
  actor: Actor,
  now: Date,
) {
  await replaceCard(db, { memberId: id, oldCardUid: oldUid, newCardUid: newUid, actor }, now);
}

// --- CSV import/export ---

const Yes = z
  .string()
  .trim()
  .transform((s) => /^(1|y|yes|true|بله)$/i.test(s));

/** One row of an import file; column names as in the export. Empty cells are "not given". */
export const ImportRow = z
  .object({
    name: z.string().trim().min(1, 'a name is required').max(80),
    phone: Phone,
    email: z.email().max(254).optional(),
    birthday: z.iso.date().optional(),
    tier: z.enum(TIER_CODES).optional(),
    lang: z.enum(['fa', 'en']).optional(),
    consent_marketing: Yes.optional(),
    card_uid: CardUid.optional(),
    points: z.coerce.number().int().min(0).max(10_000_000).optional(),
  })
  .strict();

export interface ImportError {
  /** 1-based data row (the header is row 0). */
  row: number;
  field: string;
  message: string;
}

export const IMPORT_COLUMNS = [
  'name',
  'phone',
  'email',
  'birthday',
  'tier',
  'lang',
  'consent_marketing',
  'card_uid',
  'points',
];

/**
 * Validates every row (and duplicates within the file and against the club) before writing
 * anything; with any error nothing is imported and the caller gets the full list. Otherwise all
 * rows go in one transaction: members, cards, opening points (as a never-expiring lot).
 */
export async function importMembers(
  db: Queryable,
  rows: Array<Record<string, string>>,
  actor: Actor,
  now: Date,
): Promise<{ imported: number } | { errors: ImportError[] }> {
  const errors: ImportError[] = [];
  const parsed: Array<z.infer<typeof ImportRow>> = [];
  const phones = new Map<string, number>();
  const cards = new Map<string, number>();
  rows.forEach((raw, i) => {
    const row = i + 1;
    const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v.trim() !== ''));
    const r = ImportRow.safeParse(cleaned);
    if (!r.success) {
      for (const issue of r.error.issues) {
        errors.push({
          row,
          field:
            issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(row)'),
          message: issue.message,
        });
      }
      return;
    }
    const seenPhone = phones.get(r.data.phone);
    if (seenPhone) errors.push({ row, field: 'phone', message: `same mobile as row ${seenPhone}` });
    phones.set(r.data.phone, row);
    if (r.data.card_uid) {
      const seenCard = cards.get(r.data.card_uid);
      if (seenCard) errors.push({ row, field: 'card_uid', message: `same card as row ${seenCard}` });
      cards.set(r.data.card_uid, row);
    }
    parsed.push(r.data);
  });
  // Clashes with existing members, in chunks (SQLite's parameter limit).
  const clash = async (sql: string, values: Map<string, number>, field: string, what: string) => {
    const list = [...values.keys()];
    for (let i = 0; i < list.length; i += 500) {
      const chunk = list.slice(i, i + 500);
      const found = await db.all<{ v: string }>(
        sql.replace('(?)', `(${chunk.map(() => '?').join(',')})`),
        chunk,
      );
      for (const f of found)
        errors.push({ row: values.get(f.v)!, field, message: `${what} ${f.v} is already in the club` });
    }
  };
  await clash('SELECT phone AS v FROM members WHERE phone IN (?)', phones, 'phone', 'mobile');
  await clash('SELECT uid AS v FROM cards WHERE uid IN (?)', cards, 'card_uid', 'card');
  if (errors.length > 0) return { errors: errors.sort((a, b) => a.row - b.row) };

  return db.transaction(async () => {
    const max = await db.get<{ n: number | null }>('SELECT max(number) AS n FROM members');
    let number = Math.max(1000, max?.n ?? 0);
    const at = now.toISOString();
    for (const r of parsed) {
      number++;
      const id = `m-${number}`;
      await db.run(
        `INSERT INTO members (id, number, display_name, phone, email, lang, tier, birthday, created_at, consent_marketing)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          number,
          r.name,
          r.phone,
          r.email ?? null,
          r.lang ?? 'fa',
          r.tier ?? 'bronze',
          r.birthday ?? null,
          at,
          r.consent_marketing ? 1 : 0,
        ],
      );
      if (r.card_uid) {
        await db.run("INSERT INTO cards (uid, member_id, status, issued_at) VALUES (?, ?, 'active', ?)", [
          r.card_uid,
          id,
          at,
        ]);
      }
      if (r.points)
        await credit(
          db,
          { memberId: id, kind: 'adjust', points: r.points, cause: 'import:opening-balance' },
          now,
        );
    }
    await audit(
      db,
      {
        actor,
        action: 'members.import',
        subject: 'members',
        details: { imported: parsed.length, firstNumber: number - parsed.length + 1, lastNumber: number },
      },
      now,
    );
    return { imported: parsed.length };
  });
}

export const EXPORT_COLUMNS = [
  'number',
  'name',
  'phone',
  'email',
  'tier',
  'points',
  'spend_minor',
  'visits',
  'last_visit_at',
  'rfm_segment',
  'created_at',
] as const;
