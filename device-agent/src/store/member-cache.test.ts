import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemberView } from '@bashgah/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleMember } from '../../test/fixtures.js';
import { MemberCache } from './member-cache.js';
import { Sqlite } from './sqlite.js';

const member: MemberView = sampleMember({
  id: 'm1',
  number: 1001,
  displayName: 'Sara',
  points: 120,
  tier: 'silver',
  cardUid: '04A1B2C3',
  checkinPointsAvailable: 10,
});

describe('MemberCache', () => {
  let dir: string;
  let db: Sqlite;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bashgah-cache-'));
    db = await Sqlite.open(join(dir, 'agent.db'));
  });
  afterEach(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts, replaces, gets and deletes by card UID', async () => {
    const cache = await MemberCache.open(db);
    expect(await cache.get('04A1B2C3')).toBeUndefined();
    await cache.put(member);
    await cache.put({ ...member, points: 130 });
    expect(await cache.get('04A1B2C3')).toEqual({ ...member, points: 130 });
    await cache.delete('04A1B2C3');
    expect(await cache.get('04A1B2C3')).toBeUndefined();
  });

  it('drops a row that no longer matches the member view schema', async () => {
    const cache = await MemberCache.open(db);
    await db.run('INSERT INTO member_cache VALUES (\'04A1B2C3\', \'{"id":"m1"}\', 0)');
    expect(await cache.get('04A1B2C3')).toBeUndefined();
    expect(await db.get('SELECT * FROM member_cache')).toBeUndefined();
  });
});
