import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/auth/passwords.js';
import { addOperator, startFleetServer } from './fleet-helpers.js';
import { silentLogger } from './helpers.js';

describe('operator login, roles and CSRF', () => {
  let s: Awaited<ReturnType<typeof startFleetServer>>;
  const url = (p: string) => `${s.server.httpUrl}${p}`;
  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

  beforeAll(async () => {
    s = await startFleetServer(silentLogger);
    await addOperator(s.server, 'ada', 'ada-password-1', 'admin');
    await addOperator(s.server, 'vic', 'vic-password-1', 'viewer');
  });
  afterAll(() => s?.stop());

  it('stores scrypt hashes, never the password', async () => {
    const h = await hashPassword('secret-1');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('secret-1', h)).toBe(true);
    expect(await verifyPassword('secret-2', h)).toBe(false);
    const row = await s.server.db.get<{ password_hash: string }>(
      "SELECT password_hash FROM operators WHERE username = 'ada'",
    );
    expect(row?.password_hash).not.toContain('ada-password-1');
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const wrong = await fetch(url('/api/auth/login'), json({ username: 'ada', password: 'nope' }));
    const unknown = await fetch(url('/api/auth/login'), json({ username: 'zed', password: 'nope' }));
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    expect((await fetch(url('/api/fleet/devices'))).status).toBe(401);
  });

  it('a cookie session needs the CSRF token on every change; the cookie is HttpOnly and SameSite', async () => {
    const login = await fetch(url('/api/auth/login'), json({ username: 'ada', password: 'ada-password-1' }));
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/bashgah_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };

    expect((await fetch(url('/api/fleet/devices'), { headers: { cookie } })).status).toBe(200);
    const noCsrf = await fetch(url('/api/fleet/devices'), json({ id: 'csrf-kiosk' }, { cookie }));
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('csrf');
    const badCsrf = await fetch(
      url('/api/fleet/devices'),
      json({ id: 'csrf-kiosk' }, { cookie, 'x-csrf-token': 'x' }),
    );
    expect(badCsrf.status).toBe(403);
    const ok = await fetch(
      url('/api/fleet/devices'),
      json({ id: 'csrf-kiosk' }, { cookie, 'x-csrf-token': csrfToken }),
    );
    expect(ok.status).toBe(201);

    const out = await fetch(url('/api/auth/logout'), {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(out.status).toBe(204);
    expect((await fetch(url('/api/fleet/devices'), { headers: { cookie } })).status).toBe(401);
  });

  it('a viewer may look but not send commands or create devices', async () => {
    const login = await fetch(
      url('/api/auth/login'),
      json({ username: 'vic', password: 'vic-password-1', mode: 'bearer' }),
    );
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(url('/api/fleet/devices'), { headers: auth })).status).toBe(200);
    expect((await fetch(url('/api/fleet/alerts'), { headers: auth })).status).toBe(200);
    expect((await fetch(url('/api/fleet/devices'), json({ id: 'viewer-kiosk' }, auth))).status).toBe(403);
    const cmd = await fetch(
      url('/api/fleet/devices/csrf-kiosk/commands'),
      json({ command: 'sync-now' }, auth),
    );
    expect(cmd.status).toBe(403);
  });
});
