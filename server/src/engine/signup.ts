import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/sqlite.js';
import type { SmsSender } from '../messaging/sms.js';
import { bindCard } from './cards.js';
import { EngineError } from './errors.js';
import { audit, isExcludedPhone } from './fraud.js';
import { awardWelcome } from './rules/bonuses.js';
import { activeRules } from './rules/store.js';

/**
 * Signup proves the member owns the mobile number with a 6-digit SMS code, then creates the
 * member, binds the card they are holding, records consent and pays the welcome bonus. Phones
 * arrive here already normalised (E.164) by the HTTP schema.
 */

export const OTP_TTL_MS = 5 * 60_000;
export const OTP_RESEND_MS = 60_000;
export const OTP_MAX_ATTEMPTS = 5;
/** Member numbers start here, so they always print as 4+ digits. */
const FIRST_MEMBER_NUMBER = 1001;

const hashCode = (phone: string, code: string) => createHash('sha256').update(`${phone}:${code}`).digest();

export async function requestOtp(
  db: Queryable,
  sms: SmsSender,
  phone: string,
  now: Date,
): Promise<{ expiresAt: string; retryAfterSeconds: number }> {
  if (isExcludedPhone(phone)) {
    throw new EngineError(
      'phone-excluded',
      `${phone} is a test or placeholder number; sign up with your own mobile number`,
    );
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + OTP_TTL_MS).toISOString();
  await db.transaction(async () => {
    const prior = await db.get<{ created_at: string }>('SELECT created_at FROM otp_codes WHERE phone = ?', [
      phone,
    ]);
    if (prior && now.getTime() - Date.parse(prior.created_at) < OTP_RESEND_MS) {
      const wait = Math.ceil((OTP_RESEND_MS - (now.getTime() - Date.parse(prior.created_at))) / 1000);
      throw new EngineError(
        'otp-too-soon',
        `a code was sent less than a minute ago; wait ${wait} s before asking again`,
        {
          retryAfterSeconds: wait,
        },
      );
    }
    await db.run(
      `INSERT INTO otp_codes (phone, code_hash, expires_at, attempts, created_at) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
         attempts = 0, created_at = excluded.created_at`,
      [phone, hashCode(phone, code).toString('hex'), expiresAt, now.toISOString()],
    );
  });
  await sms.send(phone, `کد تأیید باشگاه مشتریان: ${code}\nClub verification code: ${code}`);
  return { expiresAt, retryAfterSeconds: OTP_RESEND_MS / 1000 };
}

/**
 * Checks a code. Wrong codes count against the limit in their own write, so the count survives
 * the refusal that follows. A right code is consumed.
 */
async function consumeOtp(db: Queryable, phone: string, code: string, now: Date): Promise<void> {
  const row = await db.get<{ code_hash: string; expires_at: string; attempts: number }>(
    'SELECT code_hash, expires_at, attempts FROM otp_codes WHERE phone = ?',
    [phone],
  );
  if (!row || row.expires_at <= now.toISOString()) {
    throw new EngineError('otp-invalid', 'the code has expired or was never sent; ask for a new code');
  }
  if (row.attempts >= OTP_MAX_ATTEMPTS) {
    throw new EngineError('otp-locked', 'too many wrong codes; ask for a new code');
  }
  const ok = timingSafeEqual(Buffer.from(row.code_hash, 'hex'), hashCode(phone, code));
  if (!ok) {
    await db.run('UPDATE otp_codes SET attempts = attempts + 1 WHERE phone = ?', [phone]);
    throw new EngineError('otp-invalid', `wrong code; ${OTP_MAX_ATTEMPTS - row.attempts - 1} attempts left`);
  }
  await db.run('DELETE FROM otp_codes WHERE phone = ?', [phone]);
}

export interface SignupInput {
  phone: string;
  code: string;
  displayName: string;
  /** Gregorian YYYY-MM-DD (Jalali input is converted at the boundary). */
  birthday?: string | undefined;
  /** The referring member's number, as printed on their card. */
  referrerNumber?: number | undefined;
  consent: { terms: true; marketing: boolean };
  cardUid?: string | undefined;
  /** Language for the member's messages; Persian unless they signed up in English. */
  lang?: 'fa' | 'en' | undefined;
}

export interface SignupResult {
  memberId: string;
  number: number;
  welcomePoints: number;
}

export async function signUp(db: Queryable, input: SignupInput, now: Date): Promise<SignupResult> {
  // The code check runs first and on its own, so a wrong code's attempt count is kept even
  // though the signup is refused.
  await consumeOtp(db, input.phone, input.code, now);
  return db.transaction(async () => {
    if (await db.get('SELECT 1 FROM members WHERE phone = ?', [input.phone])) {
      throw new EngineError(
        'phone-taken',
        `${input.phone} is already a member; tap the card or ask staff to move the account to a new card`,
      );
    }
    let referredBy: string | null = null;
    if (input.referrerNumber !== undefined) {
      const ref = await db.get<{ id: string }>('SELECT id FROM members WHERE number = ?', [
        input.referrerNumber,
      ]);
      if (!ref)
        throw new EngineError(
          'member-not-found',
          `no member number ${input.referrerNumber}; check the referral code`,
        );
      referredBy = ref.id;
    }
    const max = await db.get<{ n: number | null }>('SELECT max(number) AS n FROM members');
    const number = Math.max(FIRST_MEMBER_NUMBER, (max?.n ?? 0) + 1);
    const memberId = `m-${number}`;
    const at = now.toISOString();
    await db.run(
      `INSERT INTO members (id, number, display_name, phone, lang, tier, created_at, birthday, referred_by, consent_terms_at, consent_marketing)
       VALUES (?, ?, ?, ?, ?, 'bronze', ?, ?, ?, ?, ?)`,
      [
        memberId,
        number,
        input.displayName,
        input.phone,
        input.lang ?? 'fa',
        at,
        input.birthday ?? null,
        referredBy,
        at,
        input.consent.marketing ? 1 : 0,
      ],
    );
    if (input.cardUid) await bindCard(db, memberId, input.cardUid, `member:${memberId}`, now);
    const { config } = await activeRules(db);
    const welcomePoints = await awardWelcome(db, memberId, config, now);
    await audit(
      db,
      {
        actor: `member:${memberId}`,
        action: 'member.signup',
        subject: `member:${memberId}`,
        details: { referredBy },
      },
      now,
    );
    return { memberId, number, welcomePoints };
  });
}
