import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/sqlite.js';
import { sha256 } from '../fleet/credentials.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** admin ⊃ operator ⊃ viewer. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export interface Operator {
  id: number;
  username: string;
  role: Role;
}

export interface Session {
  operator: Operator;
  csrfToken: string;
  expiresAt: string;
}

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export async function createOperator(
  db: Queryable,
  input: { username: string; password: string; role: Role },
  now = new Date(),
): Promise<Operator> {
  const hash = await hashPassword(input.password);
  const r = await db.run(
    'INSERT INTO operators (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)',
    [input.username, hash, input.role, now.toISOString()],
  );
  return { id: r.lastID, username: input.username, role: input.role };
}

export async function countOperators(db: Queryable): Promise<number> {
  return (await db.get<{ n: number }>('SELECT count(*) AS n FROM operators'))?.n ?? 0;
}

// A hash of a password nobody has, so an unknown username costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;

/** Checks a username and password; undefined for any failure (unknown, wrong, disabled). */
export async function checkLogin(
  db: Queryable,
  username: string,
  password: string,
): Promise<Operator | undefined> {
  const row = await db.get<{
    id: number;
    username: string;
    role: Role;
    password_hash: string;
    disabled_at: string | null;
  }>('SELECT id, username, role, password_hash, disabled_at FROM operators WHERE username = ?', [username]);
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash));
  if (!row || !ok || row.disabled_at) return undefined;
  return { id: row.id, username: row.username, role: row.role };
}

/** Opens a session; the returned token is shown once (cookie or bearer), only its hash is stored. */
export async function openSession(db: Queryable, operator: Operator, now = new Date()) {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS).toISOString();
  await db.run(
    'INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    [sha256(token), operator.id, csrfToken, now.toISOString(), expiresAt],
  );
  // Expired sessions are swept whenever someone logs in.
  await db.run('DELETE FROM operator_sessions WHERE expires_at <= ?', [now.toISOString()]);
  return { token, csrfToken, expiresAt };
}

export async function findSession(
  db: Queryable,
  token: string,
  now = new Date(),
): Promise<Session | undefined> {
  const row = await db.get<{
    id: number;
    username: string;
    role: Role;
    csrf_token: string;
    expires_at: string;
  }>(
    `SELECT o.id, o.username, o.role, s.csrf_token, s.expires_at
     FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
     WHERE s.token_hash = ? AND s.expires_at > ? AND o.disabled_at IS NULL`,
    [sha256(token), now.toISOString()],
  );
  if (!row) return undefined;
  return {
    operator: { id: row.id, username: row.username, role: row.role },
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
  };
}

export async function closeSession(db: Queryable, token: string): Promise<void> {
  await db.run('DELETE FROM operator_sessions WHERE token_hash = ?', [sha256(token)]);
}
