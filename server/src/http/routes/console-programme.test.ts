import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleHarness } from '../../../test/console-helpers.js';
import { DEFAULT_CLUB_SETTINGS } from '../../console/club-settings.js';
import { DEFAULT_RULES } from '../../engine/rules/config.js';
import type { Commands } from '../../fleet/commands.js';

const NOW = new Date('2025-06-01T08:00:00.000Z');

describe('console programme settings API', () => {
  let h: Awaited<ReturnType<typeof consoleHarness>>;
  const sent: Array<{ deviceId: string; command: string; params: unknown }> = [];
  beforeEach(async () => {
    sent.length = 0;
    // Records what would go to the kiosks; the real fleet path is driven in the console e2e test.
    const commands = {
      send: async (deviceId: string, input: { command: string; params?: unknown }) => {
        sent.push({ deviceId, command: input.command, params: input.params });
        return { id: `c${sent.length}` };
      },
    } as unknown as Commands;
    h = await consoleHarness({ now: () => NOW, commands });
    await h.db.run(
      "INSERT INTO devices (id, status, mqtt_password_hash) VALUES ('kiosk-1', 'online', 'x'), ('kiosk-2', 'offline', 'x')",
    );
  });
  afterEach(() => h.cleanup());

  it('previews earnings with the engine: 250,000 Toman by a gold member', async () => {
    const r = await h.viewer('POST', '/programme/preview', { amountMinor: 2_500_000, tier: 'gold' });
    expect(r.status, r.text).toBe(200);
    // 1 point per 100,000 Rial × gold 150%.
    expect(r.json.points).toBe(37);
    const draft = { ...DEFAULT_RULES, spend: { points: 2, perAmountMinor: 100_000 } };
    expect(
      (await h.viewer('POST', '/programme/preview', { config: draft, amountMinor: 2_500_000, tier: 'gold' }))
        .json.points,
    ).toBe(75);
    const bad = await h.viewer('POST', '/programme/preview', {
      config: { ...DEFAULT_RULES, spend: { points: -1 } },
      amountMinor: 1,
      tier: 'gold',
    });
    expect(bad.status).toBe(400);
  });

  it('publishes rules as admin only, validated, versioned, audited, pushed, and rolls back', async () => {
    const next = { ...DEFAULT_RULES, checkin: { points: 25 } };
    expect((await h.operator('PUT', '/programme/rules', next)).status).toBe(403);
    const bad = await h.admin('PUT', '/programme/rules', { ...DEFAULT_RULES, categories: { coffee: 100 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid-rules');
    const v1 = await h.admin('PUT', '/programme/rules', next);
    expect(v1.status, v1.text).toBe(200);
    expect(v1.json.version).toBe(1);
    const v2 = await h.admin('PUT', '/programme/rules', { ...next, checkin: { points: 40 } });
    expect(v2.json.version).toBe(2);
    const back = await h.admin('POST', '/programme/rules/rollback', { version: 1 });
    expect(back.json.version).toBe(3);
    expect(back.json.config.checkin.points).toBe(25);
    const prog = await h.viewer('GET', '/programme');
    expect(prog.json.rules.version).toBe(3);
    expect(
      prog.json.ruleVersions.map(
        (v: { version: number; createdBy: string }) => `${v.version}:${v.createdBy}`,
      ),
    ).toEqual(['3:ada', '2:ada', '1:ada']);
    const audits = await h.db.all<{ action: string; details: string }>(
      "SELECT action, details FROM audit_log WHERE subject = 'rules' ORDER BY id",
    );
    expect(audits.map((a) => a.action)).toEqual(['rules.publish', 'rules.publish', 'rules.rollback']);
    expect(JSON.parse(audits[2]!.details)).toMatchObject({
      to: 1,
      before: { version: 2 },
      after: { version: 3 },
    });
    // Each change went to both kiosks as a catalog and a config push.
    expect(sent.filter((s) => s.command === 'push-config')).toHaveLength(6);
    expect(sent.filter((s) => s.command === 'push-catalog')).toHaveLength(6);
  });

  it('saves club settings (offline policy) and pushes the cap to kiosks; rollback restores', async () => {
    const s = { ...DEFAULT_CLUB_SETTINGS, offline: { dailyPointsCap: 250 } };
    expect(
      (await h.admin('PUT', '/programme/settings', { ...s, offline: { dailyPointsCap: -1 } })).status,
    ).toBe(400);
    expect((await h.viewer('PUT', '/programme/settings', s)).status).toBe(403);
    const r = await h.admin('PUT', '/programme/settings', s);
    expect(r.status, r.text).toBe(200);
    expect(sent.find((x) => x.command === 'push-config')?.params).toEqual({
      settings: { offlineDailyPointsCap: 250 },
    });
    await h.admin('PUT', '/programme/settings', { ...s, offline: { dailyPointsCap: 0 } });
    const back = await h.admin('POST', '/programme/settings/rollback', { version: 1 });
    expect(back.json).toMatchObject({ version: 3, settings: { offline: { dailyPointsCap: 250 } } });
    expect((await h.viewer('GET', '/programme')).json.settingsVersions).toHaveLength(3);
  });
});
