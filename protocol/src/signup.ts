import { z } from 'zod';

/** Iranian mobile, 09xxxxxxxxx; the kiosk normalises Persian or Arabic-Indic digits before sending. */
export const MOBILE_PATTERN = /^09\d{9}$/;

/**
 * What a shopper fills in to join the club. The kiosk sends it to its agent (SignupRequest) and the
 * agent forwards it to the server (`signup.complete`); one shape so the two can never drift.
 */
export const SignupForm = z
  .object({
    phone: z.string().regex(MOBILE_PATTERN),
    code: z.string().regex(/^\d{6}$/),
    name: z.string().trim().min(1).max(80),
    /** Gregorian YYYY-MM-DD (the kiosk converts a Jalali pick before sending). */
    birthday: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
    /** The referring member's number. */
    referralCode: z
      .string()
      .regex(/^\d{1,12}$/)
      .optional(),
    consent: z.object({ terms: z.literal(true), marketing: z.boolean() }).strict(),
    /** The language the shopper signed up in: their slip, and every message the club sends them later. */
    lang: z.enum(['fa', 'en']).optional(),
  })
  .strict();
export type SignupForm = z.infer<typeof SignupForm>;
