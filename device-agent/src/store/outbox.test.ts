import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventEnvelope, newId } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.js';
import { Sqlite } from './sqlite.js';

const envelope = (memberId = 'm1'): EventEnvelope => ({
  v: 1,
  id: newId(),
  deviceId: 'kiosk-01',
  type: 'checkin',
  at: new Date().toISOString(),
  payload: { memberId, cardUid: '04A1B2C3' },
});

describe('Outbox', () => {
  let dir: string;
  let db: Sqlite;
  let now = 1_000_000;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bashgah-outbox-'));
    db = await Sqlite.open(join(dir, 'agent.db'));
  });
  afterEach(async () => {
    await db.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps rows in the order they were added and removes only the acked one', async () => {
    const outbox = await Outbox.open(db, { now: () => now });
    const [a, b, c] = [envelope('a'), envelope('b'), envelope('c')];
    for (const e of [a, b, c]) await outbox.add(e);
    expect((await outbox.pending()).map((r) => r.id)).toEqual([a.id, b.id, c.id]);
    expect(await outbox.depth()).toBe(3);

    expect(await outbox.remove(b.id)).toEqual(b);
    expect(await outbox.remove(b.id)).toBeUndefined();
    expect((await outbox.pending()).map((r) => r.envelope)).toEqual([a, c]);
  });

  it('refuses a second row with the same event id', async () => {
    const outbox = await Outbox.open(db);
    const e = envelope();
    await outbox.add(e);
    await expect(outbox.add(e)).rejects.toThrow(/UNIQUE/);
    expect(await outbox.depth()).toBe(1);
  });

  it('selects rows due for (re)sending and tracks attempts and age', async () => {
    const outbox = await Outbox.open(db, { now: () => now });
    expect(await outbox.oldestAgeSec()).toBeNull();
    const [a, b] = [envelope(), envelope()];
    await outbox.add(a);
    await outbox.add(b);
    now += 2000;
    await outbox.markSent(a.id);
    expect((await outbox.pending(10, now)).map((r) => r.id)).toEqual([b.id]);
    now += 5000;
    const due = await outbox.pending(10, now - 1000);
    expect(due.map((r) => [r.id, r.attempts])).toEqual([
      [a.id, 1],
      [b.id, 0],
    ]);
    expect(await outbox.oldestAgeSec()).toBe(7);
  });

  it('survives closing and reopening the same file', async () => {
    const outbox = await Outbox.open(db);
    const [a, b] = [envelope(), envelope()];
    await outbox.add(a);
    await outbox.add(b);
    await db.close();

    db = await Sqlite.open(join(dir, 'agent.db'));
    const reopened = await Outbox.open(db);
    expect((await reopened.pending()).map((r) => r.envelope)).toEqual([a, b]);
  });
});
