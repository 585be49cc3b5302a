import { ApiError, MemberView } from '@bashgah/protocol';
import { z } from 'zod';
import { CreditSpendBody, PurchaseBody, RefundBody, VoucherRedeemBody } from './routes/pos-schemas.js';
import { CancelBody, ClaimBody } from './routes/rewards.js';
import { ReplaceCardBody, SignupBody } from './routes/signup.js';

/**
 * The OpenAPI 3.1 document, built from the same zod schemas the routes validate with, so the
 * document cannot drift from what the server accepts. Served at GET /api/openapi.json.
 */

const schema = (s: z.ZodType) => {
  const { $schema: _, ...json } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return json;
};
const json = (s: z.ZodType | { $ref: string }) => ({
  content: { 'application/json': { schema: s instanceof z.ZodType ? schema(s) : s } },
});
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/ApiError' }) });
const ok = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});

const posErrors = {
  400: error(
    'invalid body or query; `error.code` is invalid-request, invalid-json or invalid-phone, `error.details.issues` lists each problem',
  ),
  401: error('missing-api-key or invalid-api-key'),
  413: error('payload-too-large (over 64 KiB)'),
  415: error('unsupported-media-type: send application/json'),
};

function post(summary: string, body: z.ZodType, responses: Record<string, unknown>, secured = true) {
  return {
    post: {
      summary,
      ...(secured ? { security: [{ storeKey: [] }] } : {}),
      requestBody: { required: true, ...json(body) },
      responses,
    },
  };
}

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bashgah club API',
      version: '1',
      description:
        'Customer club (loyalty) API. Money is integer minor units with an ISO currency (IRR is Rial; shown to members in Toman). Points are integers. Every write by a till is idempotent by the till’s own id: a retry returns the first answer with `replay: true` and status 200.',
    },
    components: {
      securitySchemes: {
        storeKey: { type: 'http', scheme: 'bearer', description: 'per-store API key (bgk_…)' },
        operatorSession: {
          type: 'http',
          scheme: 'bearer',
          description: 'operator session token from POST /api/auth/login (or its cookie plus X-CSRF-Token)',
        },
      },
      schemas: { ApiError: schema(ApiError), MemberView: schema(MemberView) },
    },
    paths: {
      '/api/pos/v1/members': {
        get: {
          summary: 'Look a member up by exactly one of card, phone or number',
          security: [{ storeKey: [] }],
          parameters: ['card', 'phone', 'number'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
          responses: {
            200: ok('member id, name, tier, points (balance, spendable, pending) and store credit'),
            404: error('member-not-found'),
            403: error('card-blocked'),
            ...posErrors,
          },
        },
      },
      '/api/pos/v1/purchases': post('Record a purchase (idempotent by receiptId)', PurchaseBody, {
        201: ok(
          'recorded: points (pending until the refund window ends), bonuses, cashback, tier, punch cards',
        ),
        200: ok('replay of a receipt already recorded: the first result, nothing written'),
        404: error('member-not-found'),
        403: error('card-blocked'),
        409: error('receipt-conflict: the receipt id was used with different details'),
        422: error('unknown-category, lines-mismatch or currency-mismatch'),
        429: error('velocity-limit'),
        ...posErrors,
      }),
      '/api/pos/v1/refunds': post('Refund all or part of a purchase (idempotent by refundId)', RefundBody, {
        201: ok(
          'points, cashback and punch-card stamps taken back in proportion (shortfall if already spent); a full refund of the last kept purchase of a referred member takes the referral bonus back (`referral`)',
        ),
        200: ok('replay'),
        404: error('purchase-not-found'),
        409: error('refund-conflict'),
        422: error('refund-exceeds-purchase'),
        ...posErrors,
      }),
      '/api/pos/v1/credit/spend': post('Spend store credit (idempotent by spendId)', CreditSpendBody, {
        201: ok('spent'),
        200: ok('replay'),
        409: error('insufficient-credit or spend-conflict'),
        ...posErrors,
      }),
      '/api/pos/v1/vouchers/redeem': post(
        'Mark a voucher used, by its code or QR token (once)',
        VoucherRedeemBody,
        {
          200: ok('used: reward and member'),
          404: error('voucher-not-found (or a forged token)'),
          409: error('voucher-used or voucher-cancelled'),
          422: error('voucher-expired'),
          ...posErrors,
        },
      ),
      // Beside the engine's POS API, for the console's reports and campaigns (routes/pos-club-extras.ts).
      '/api/pos/v1/anonymous-sales': post(
        'Record a sale to a shopper without a card (idempotent by receiptId), for the member vs non-member basket',
        z.object({ receiptId: z.string().min(1).max(64), amountMinor: z.number().int().positive() }).strict(),
        { 201: ok('recorded'), 200: ok('replay: already recorded'), ...posErrors },
      ),
      '/api/pos/v1/campaign-codes/redeem': post(
        'Redeem a campaign discount code once',
        z.object({ code: z.string().min(4).max(32), receiptId: z.string().min(1).max(64) }).strict(),
        {
          200: ok('member and discount percent'),
          404: error('unknown-code'),
          409: error('code already used or expired'),
          ...posErrors,
        },
      ),
      '/api/members/{id}': {
        get: {
          summary: 'Member view',
          parameters: [idParam],
          responses: {
            200: { description: 'the member view', ...json({ $ref: '#/components/schemas/MemberView' }) },
            404: error('member-not-found'),
          },
        },
      },
      '/api/members/{id}/redemptions': {
        post: {
          ...post(
            'Claim a reward (idempotent by requestId)',
            ClaimBody,
            {
              201: ok('voucher: code, signed token, expiry, balance'),
              200: ok('replay'),
              409: error('insufficient-points or out-of-stock'),
              422: error('reward-unavailable or reward-limit'),
              429: error('velocity-limit'),
            },
            false,
          ).post,
          security: [{ operatorSession: [] }],
          parameters: [idParam],
        },
      },
      '/api/members/{id}/vouchers/cancel': {
        post: {
          ...post(
            'Cancel an unused voucher; its points return to their lots',
            CancelBody,
            { 200: ok('points returned'), 409: error('voucher-used or voucher-cancelled') },
            false,
          ).post,
          security: [{ operatorSession: [] }],
          parameters: [idParam],
        },
      },
      '/api/members/{id}/cards/replace': {
        post: {
          ...post(
            'Block a lost card and move the account to a new one',
            ReplaceCardBody,
            { 200: ok('replaced'), 409: error('card-taken') },
            false,
          ).post,
          security: [{ operatorSession: [] }],
          parameters: [idParam],
        },
      },
      '/api/signup/otp': post(
        'Send a one-time code by SMS',
        z.object({ phone: z.string() }),
        {
          200: ok('sent'),
          422: error('phone-excluded'),
          429: error('otp-too-soon, or rate-limited (per client IP, with Retry-After)'),
        },
        false,
      ),
      '/api/signup': post(
        'Create a member after the SMS code',
        SignupBody,
        {
          201: ok('member id and number, welcome points'),
          400: error('otp-invalid, invalid-phone, invalid-birthday'),
          409: error('phone-taken or card-taken'),
          429: error('otp-locked, or rate-limited (per client IP, with Retry-After)'),
        },
        false,
      ),
      '/api/rewards': {
        get: { summary: 'Rewards on offer (optionally for a tier)', responses: { 200: ok('rewards') } },
      },
      '/api/club/rules': {
        get: {
          summary: 'Published club rules (lang=fa|en, format=json|text)',
          responses: { 200: ok('rules') },
        },
      },
      '/api/club/public-key': {
        get: {
          summary: 'Ed25519 public key that verifies voucher QR tokens offline',
          responses: { 200: ok('PEM') },
        },
      },
      '/api/fraud/alerts': {
        get: {
          summary: 'Open fraud alerts for the console',
          security: [{ operatorSession: [] }],
          responses: { 200: ok('alerts'), 401: error('unauthenticated') },
        },
      },
    },
  };
}
