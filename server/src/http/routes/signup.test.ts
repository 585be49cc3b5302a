import { ApiError } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../../test/helpers.js';
import { createOperator, openSession } from '../../auth/operators.js';
import { MemorySmsSender } from '../../messaging/sms.js';
import { seedDemo } from '../../seed.js';
import { createApp } from '../app.js';

let clock = new Date('2025-05-01T08:00:00.000Z');

describe('signup over HTTP', () => {
  let t: Awaited<ReturnType<typeof tempDb>>;
  let app: ReturnType<typeof createApp>;
  let sms: MemorySmsSender;
  beforeEach(async () => {
    clock = new Date('2025-05-01T08:00:00.000Z');
    t = await tempDb();
    await seedDemo(t.db, clock);
    sms = new MemorySmsSender();
    app = createApp({
      db: t.db,
      policy: { points: 10, timeZone: 'Asia/Tehran' },
      logger: silentLogger,
      mqttConnected: () => true,
      now: () => clock,
      sms,
    });
  });
  afterEach(() => t.cleanup());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const code = async (res: Response) => ApiError.parse(await res.json()).error.code;
  const lastCode = () => /(\d{6})/.exec(sms.sent.at(-1)!.text)![1]!;
  const members = () => t.db.get<{ n: number }>('SELECT count(*) AS n FROM members');
  const signup = (over: Record<string, unknown> = {}) =>
    post('/api/signup', {
      phone: '۰۹۱۲ ۳۴۵ ۷۷۸۸',
      code: lastCode(),
      name: 'نگار رضایی',
      birthday: '۱۳۷۰/۰۵/۲۰',
      referralCode: '۱۰۰۱',
      consent: { terms: true, marketing: false },
      cardUid: '04:AA:BB:CC:DD:EE:01',
      ...over,
    });

  it('sends a code, creates the member with card, birthday and referrer, and pays the welcome bonus', async () => {
    const otp = await post('/api/signup/otp', { phone: '+98 912 345 7788' });
    expect(otp.status).toBe(200);
    expect(sms.sent.at(-1)!.to).toBe('+989123457788');
    // Signed up on the English screen: the club's messages to them must be in English too.
    const res = await signup({ lang: 'en' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ memberId: 'm-1004', number: 1004, welcomePoints: 100 });
    expect(
      await t.db.get(
        "SELECT phone, lang, birthday, referred_by, consent_marketing FROM members WHERE id = 'm-1004'",
      ),
    ).toEqual({
      phone: '+989123457788',
      lang: 'en',
      birthday: '1991-08-11',
      referred_by: 'm-1001',
      consent_marketing: 0,
    });
    const view = await app.request('/api/members?card=04AABBCCDDEE01');
    expect(await view.json()).toMatchObject({ id: 'm-1004', points: 100, maskedPhone: '0912***7788' });
    // The code is spent: a second signup with it fails.
    expect(await code(await signup())).toBe('otp-invalid');
  });

  it.each([
    ['a landline', { phone: '02188776655' }, 'invalid-phone'],
    ['a Jalali date that does not exist', { birthday: '1402/12/30' }, 'invalid-birthday'],
    ['terms not accepted', { consent: { terms: false, marketing: true } }, 'invalid-request'],
    ['a five-digit code', { code: '12345' }, 'invalid-request'],
  ])('refuses %s and writes nothing', async (_name, over, expected) => {
    await post('/api/signup/otp', { phone: '09123457788' });
    const before = await members();
    const res = await signup(over);
    expect(res.status).toBe(400);
    expect(await code(res)).toBe(expected);
    expect(await members()).toEqual(before);
  });

  it('locks the code after five wrong tries and throttles resends', async () => {
    await post('/api/signup/otp', { phone: '09123457788' });
    const right = lastCode();
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) expect(await code(await signup({ code: wrong }))).toBe('otp-invalid');
    const locked = await signup({ code: right });
    expect(locked.status).toBe(429);
    expect(await code(locked)).toBe('otp-locked');
    expect(await code(await post('/api/signup/otp', { phone: '09123457788' }))).toBe('otp-too-soon');
    clock = new Date(clock.getTime() + 61_000);
    expect((await post('/api/signup/otp', { phone: '09123457788' })).status).toBe(200);
  });

  it('refuses placeholder numbers, taken phones and taken cards', async () => {
    expect(await code(await post('/api/signup/otp', { phone: '09111111111' }))).toBe('phone-excluded');
    await post('/api/signup/otp', { phone: '09123457788' });
    expect(await code(await signup({ cardUid: '04A1B2C3D4E5F6' }))).toBe('card-taken');
    expect(await members()).toEqual({ n: 3 });
  });

  it('limits OTP requests and signups per client IP: 429 rate-limited, no SMS, no member', async () => {
    const limited = createApp({
      db: t.db,
      policy: { points: 10, timeZone: 'Asia/Tehran' },
      logger: silentLogger,
      mqttConnected: () => true,
      now: () => clock,
      sms,
      signupRateLimit: { limit: 2, windowMs: 600_000 },
    });
    const from = (ip: string, path: string, body: unknown) =>
      limited.request(
        path,
        { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
        { incoming: { socket: { remoteAddress: ip } } },
      );
    expect((await from('203.0.113.9', '/api/signup/otp', { phone: '09123457788' })).status).toBe(200);
    const attempt = {
      phone: '09123457788',
      code: '000000',
      name: 'x',
      consent: { terms: true, marketing: false },
    };
    expect((await from('203.0.113.9', '/api/signup', attempt)).status).not.toBe(429);
    const sent = sms.sent.length;
    const before = await members();
    const res = await from('203.0.113.9', '/api/signup/otp', { phone: '09123457799' });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await code(res)).toBe('rate-limited');
    expect(await code(await from('203.0.113.9', '/api/signup', { ...attempt, code: lastCode() }))).toBe(
      'rate-limited',
    );
    expect(sms.sent.length).toBe(sent);
    expect(await members()).toEqual(before);
    // Another client is not held up by the first one's limit.
    expect((await from('198.51.100.4', '/api/signup/otp', { phone: '09123457799' })).status).toBe(200);
  });

  it('moves an account to a new card and blocks the lost one, with an audit entry (staff only)', async () => {
    const body = { oldCardUid: '04A1B2C3D4E5F6', newCardUid: '04000000000009' };
    expect((await post('/api/members/m-1001/cards/replace', body)).status).toBe(401);
    const op = await createOperator(t.db, {
      username: 'staff42',
      password: 'correct horse battery',
      role: 'operator',
    });
    const { token } = await openSession(t.db, op);
    const res = await post('/api/members/m-1001/cards/replace', body, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect((await app.request('/api/members?card=04A1B2C3D4E5F6')).status).toBe(404);
    expect(await (await app.request('/api/members?card=04000000000009')).json()).toMatchObject({
      id: 'm-1001',
      points: 120,
    });
    expect(await t.db.all('SELECT actor, action FROM audit_log ORDER BY id')).toEqual([
      { actor: 'operator:staff42', action: 'card.bind' },
      { actor: 'operator:staff42', action: 'card.replace' },
    ]);
  });
});
