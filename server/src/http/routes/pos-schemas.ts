import { CardUid } from '@bashgah/protocol';
import { z } from 'zod';
import { normaliseIranMobile } from '../../engine/phone.js';
import { CategoryCode } from '../../engine/rules/config.js';

/** Ids the till chooses (receipts, refunds, spends, staff): printable, bounded, no spaces. */
export const ExternalId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'must be 1-64 of letters, digits and . _ : / -');

/** 10^12 Rial is 100 billion Toman: no real sale comes near it, a unit mistake does. */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000;

export const AmountMinor = z
  .number({ error: 'must be a number of minor units (e.g. Rial)' })
  .int('must be whole minor units (e.g. Rial), no fractions')
  .positive('must be more than 0')
  .max(
    MAX_AMOUNT_MINOR,
    `is beyond any real sale (max ${MAX_AMOUNT_MINOR}); check the units are minor units`,
  );

export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as IRR');

export const Phone = z
  .string()
  .max(32)
  .transform((v, ctx) => {
    const e164 = normaliseIranMobile(v);
    if (!e164) {
      ctx.addIssue({
        code: 'custom',
        message: 'is not an Iranian mobile number; use 09xxxxxxxxx or +989xxxxxxxxx',
        params: { code: 'invalid-phone' },
      });
      return z.NEVER;
    }
    return e164;
  });

/** Exactly one of card, mobile or member number. */
export const MemberRefBody = z
  .object({
    cardUid: CardUid.optional(),
    phone: Phone.optional(),
    memberNumber: z
      .number()
      .int()
      .positive()
      .max(2 ** 40)
      .optional(),
  })
  .strict()
  .refine((m) => [m.cardUid, m.phone, m.memberNumber].filter((x) => x !== undefined).length === 1, {
    message: 'name the member by exactly one of cardUid, phone or memberNumber',
  })
  .transform((m) =>
    m.cardUid !== undefined
      ? { cardUid: m.cardUid }
      : m.phone !== undefined
        ? { phone: m.phone }
        : { memberNumber: m.memberNumber! },
  );

export const PurchaseBody = z
  .object({
    receiptId: ExternalId,
    member: MemberRefBody,
    amountMinor: AmountMinor,
    currency: Currency,
    lines: z
      .array(
        z
          .object({
            category: CategoryCode,
            amountMinor: AmountMinor,
            quantity: z.number().int().min(1).max(10_000),
            sku: z.string().max(64).optional(),
          })
          .strict(),
      )
      .max(500)
      .default([]),
    staffId: ExternalId.optional(),
  })
  .strict();

export const RefundBody = z
  .object({ refundId: ExternalId, receiptId: ExternalId, amountMinor: AmountMinor.optional() })
  .strict();

export const CreditSpendBody = z
  .object({ spendId: ExternalId, member: MemberRefBody, amountMinor: AmountMinor, currency: Currency })
  .strict();

export const VoucherRedeemBody = z
  .object({ code: z.string().min(4).max(2048), receiptId: ExternalId.optional() })
  .strict();

export const MemberQuery = z
  .object({
    card: CardUid.optional(),
    phone: Phone.optional(),
    number: z.coerce
      .number()
      .int()
      .positive()
      .max(2 ** 40)
      .optional(),
  })
  .strict()
  .refine((q) => [q.card, q.phone, q.number].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of card, phone or number',
  });
