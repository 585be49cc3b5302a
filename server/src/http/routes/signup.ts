import { CardUid, MemberId, SignupForm } from '@bashgah/protocol';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Queryable } from '../../db/sqlite.js';
import { replaceCard } from '../../engine/cards.js';
import { openFraudAlerts } from '../../engine/fraud.js';
import { parseBirthday } from '../../engine/jalali.js';
import { toLatinDigits } from '../../engine/phone.js';
import { requestOtp, signUp } from '../../engine/signup.js';
import type { SmsSender } from '../../messaging/sms.js';
import { type OperatorEnv, requireOperator } from '../middleware/operator-auth.js';
import { type IpRateLimitOptions, ipRateLimit } from '../middleware/rate-limit.js';
import { parseInput, parseJsonBody } from '../validation.js';
import { Phone } from './pos-schemas.js';

const digits = (min: number, max: number) =>
  z
    .string()
    .transform((v) => toLatinDigits(v.trim()))
    .pipe(
      z
        .string()
        .regex(new RegExp(`^\\d{${min},${max}}$`), `must be ${min === max ? min : `${min}-${max}`} digits`),
    );

export const SignupBody = z
  .object({
    phone: Phone,
    code: digits(6, 6),
    name: z.string().trim().min(1, 'a name is required').max(80),
    /** Jalali (1369/10/11, Persian digits fine) or Gregorian (1991-01-01). */
    birthday: z
      .string()
      .max(20)
      .transform((v, ctx) => {
        const iso = parseBirthday(v);
        if (!iso) {
          ctx.addIssue({
            code: 'custom',
            message: 'is not a real past date (1369/10/11 or 1991-01-01)',
            params: { code: 'invalid-birthday' },
          });
          return z.NEVER;
        }
        return iso;
      })
      .optional(),
    /** The referring member's number (their کد معرف). */
    referralCode: digits(1, 12).transform(Number).optional(),
    consent: z
      .object({
        terms: z.literal(true, { error: 'the club terms must be accepted to join' }),
        marketing: z.boolean(),
      })
      .strict(),
    cardUid: CardUid.optional(),
    lang: SignupForm.shape.lang,
  })
  .strict();

export const ReplaceCardBody = z.object({ oldCardUid: CardUid, newCardUid: CardUid }).strict();

/** Per client IP, OTP requests and signup attempts together: a person needs two or three. */
export const DEFAULT_SIGNUP_RATE_LIMIT = { limit: 10, windowMs: 10 * 60_000 } as const;

/** Signup with an SMS code, card replacement and the fraud alert list for the console. */
export function signupRoutes(deps: {
  db: Queryable;
  sms: SmsSender;
  now: () => Date;
  rateLimit?: Omit<IpRateLimitOptions, 'now'> | undefined;
}) {
  const { db } = deps;
  const app = new Hono<OperatorEnv>();
  // One counter for both routes: they are one flow, and splitting them would double the guesses.
  const limited = ipRateLimit({
    ...(deps.rateLimit ?? DEFAULT_SIGNUP_RATE_LIMIT),
    now: () => deps.now().getTime(),
  });
  app.use('/api/signup/otp', limited);
  app.use('/api/signup', limited);

  app.post('/api/signup/otp', async (c) => {
    const body = await parseJsonBody(c, z.object({ phone: Phone }).strict());
    return c.json({ sent: true, ...(await requestOtp(db, deps.sms, body.phone, deps.now())) });
  });

  app.post('/api/signup', async (c) => {
    const b = await parseJsonBody(c, SignupBody);
    const result = await signUp(
      db,
      {
        phone: b.phone,
        code: b.code,
        displayName: b.name,
        birthday: b.birthday,
        referrerNumber: b.referralCode,
        consent: b.consent,
        cardUid: b.cardUid,
        lang: b.lang,
      },
      deps.now(),
    );
    return c.json(result, 201);
  });

  // Staff only: moving an account to another card is exactly what an account thief would want.
  app.post('/api/members/:id/cards/replace', requireOperator(db, 'operator'), async (c) => {
    const memberId = parseInput(MemberId, c.req.param('id'), 'member id');
    const b = await parseJsonBody(c, ReplaceCardBody);
    const actor = `operator:${c.get('session').operator.username}`;
    await replaceCard(db, { memberId, ...b, actor }, deps.now());
    return c.json({ memberId, cardUid: b.newCardUid, blocked: b.oldCardUid });
  });

  app.get('/api/fraud/alerts', requireOperator(db, 'viewer'), async (c) => {
    const rows = await openFraudAlerts(db);
    return c.json({ alerts: rows.map((r) => ({ ...r, details: JSON.parse(r.details) as unknown })) });
  });

  return app;
}
