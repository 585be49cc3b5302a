import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROTOCOL_VERSION, type Telemetry } from '@bashgah/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, tempDb } from '../../test/helpers.js';
import {
  type AlertNotice,
  createAlerts,
  evaluateRules,
  messageHookNotifier,
  webhookNotifier,
} from './alerts.js';
import { createFleetHandlers } from './devices.js';
import { FleetHub } from './hub.js';
import type { FleetDevice } from './store.js';

const T = { offlineMin: 5, backlogMin: 10, clockDriftSec: 120, diskFreePct: 10 };
const NOW = new Date('2026-03-01T10:00:00.000Z');

function telemetry(over: Partial<Telemetry> = {}): Telemetry {
  return {
    v: PROTOCOL_VERSION,
    at: NOW.toISOString(),
    uptimeSec: 100,
    agentVersion: '0.1.0',
    reader: 'ready',
    printer: 'ready',
    outboxDepth: 0,
    oldestOutboxAgeSec: null,
    lastTapAt: null,
    memoryRssBytes: 1,
    load1: 0,
    diskTotalBytes: 1000,
    diskFreeBytes: 500,
    ...over,
  };
}

function device(over: Partial<FleetDevice> = {}): FleetDevice {
  return {
    id: 'k1',
    name: null,
    store: null,
    status: 'online',
    lastSeen: NOW.toISOString(),
    statusChangedAt: NOW.toISOString(),
    agentVersion: '0.1.0',
    createdAt: null,
    enrolled: true,
    enrolledAt: null,
    revokedAt: null,
    telemetry: telemetry(),
    telemetryAt: NOW.toISOString(),
    clockOffsetMs: 0,
    ...over,
  };
}

const rules = (d: FleetDevice) => evaluateRules(d, T, NOW).holds.map((c) => c.rule);

describe('alert rules', () => {
  it('a healthy device raises nothing', () => {
    expect(rules(device())).toEqual([]);
  });

  it('offline only after N minutes, and never for a device never seen', () => {
    const at = (min: number) => new Date(NOW.getTime() - min * 60_000).toISOString();
    expect(rules(device({ status: 'offline', statusChangedAt: at(4.9) }))).toEqual([]);
    expect(rules(device({ status: 'offline', statusChangedAt: at(5) }))).toEqual(['device-offline']);
    expect(rules(device({ status: 'offline', lastSeen: null, statusChangedAt: null }))).toEqual([]);
  });

  it('printer, reader, backlog, clock and disk', () => {
    expect(rules(device({ telemetry: telemetry({ printer: 'paper-out' }) }))).toEqual(['printer-paper-out']);
    expect(rules(device({ telemetry: telemetry({ printer: 'cover-open' }) }))).toEqual([
      'printer-cover-open',
    ]);
    expect(rules(device({ telemetry: telemetry({ reader: 'no-reader' }) }))).toEqual(['reader-missing']);
    expect(rules(device({ telemetry: telemetry({ outboxDepth: 3, oldestOutboxAgeSec: 599 }) }))).toEqual([]);
    expect(rules(device({ telemetry: telemetry({ outboxDepth: 3, oldestOutboxAgeSec: 600 }) }))).toEqual([
      'outbox-backlog',
    ]);
    expect(rules(device({ clockOffsetMs: -121_000 }))).toEqual(['clock-drift']);
    expect(rules(device({ telemetry: telemetry({ diskFreeBytes: 99 }) }))).toEqual(['disk-full']);
  });

  it('telemetry rules of an offline device are left as they were', () => {
    const r = evaluateRules(
      device({ status: 'offline', telemetry: telemetry({ printer: 'paper-out' }) }),
      T,
      NOW,
    );
    expect(r.holds).toEqual([]);
    expect(r.decided.has('printer-paper-out')).toBe(false);
  });
});

describe('alerts raised and cleared from telemetry, with history and notifications', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('paper out raises one alert, paper back clears it, history keeps both', async () => {
    const t = await tempDb();
    cleanups.push(t.cleanup);
    const hub = new FleetHub();
    const notices: AlertNotice[] = [];
    const alerts = createAlerts({
      db: t.db,
      hub,
      logger: silentLogger,
      thresholds: { ...T, webhookUrl: undefined, webhookSecret: undefined },
      notifiers: [{ notify: async (n) => void notices.push(n) }],
    });
    const fleet = createFleetHandlers({ db: t.db, logger: silentLogger, hub });
    const send = async (over: Partial<Telemetry>) => {
      await fleet.onTelemetry(
        'k1',
        'x',
        Buffer.from(JSON.stringify(telemetry({ at: new Date().toISOString(), ...over }))),
      );
      await alerts.evaluate('k1');
    };
    await send({ printer: 'paper-out' });
    await send({ printer: 'paper-out' });
    expect((await alerts.list()).map((a) => a.rule)).toEqual(['printer-paper-out']);
    await send({ printer: 'ready' });
    expect(await alerts.list()).toEqual([]);
    const all = await alerts.list({ state: 'all' });
    expect(all).toHaveLength(1);
    expect(all[0]?.clearedAt).not.toBeNull();
    expect(notices.map((n) => `${n.kind}:${n.alert.rule}`)).toEqual([
      'raised:printer-paper-out',
      'cleared:printer-paper-out',
    ]);
    expect(
      await t.db.get<{ n: number }>("SELECT count(*) AS n FROM device_telemetry WHERE device_id = 'k1'"),
    ).toEqual({ n: 3 });
  });
});

describe('webhook notifier', () => {
  it('signs with HMAC-SHA256 over timestamp.body and retries after a 5xx', async () => {
    const secret = 'a-very-secret-webhook-key';
    const got: Array<{ status: number; valid: boolean; body: string }> = [];
    let calls = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        calls++;
        const ts = String(req.headers['x-bashgah-timestamp']);
        const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
        const status = calls === 1 ? 503 : 204;
        got.push({ status, valid: req.headers['x-bashgah-signature'] === expected, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const n = webhookNotifier({
        url: `http://127.0.0.1:${port}/hook`,
        secret,
        logger: silentLogger,
        firstDelayMs: 10,
      });
      await n.notify({
        kind: 'raised',
        alert: {
          id: 1,
          deviceId: 'k1',
          rule: 'device-offline',
          severity: 'critical',
          message: 'offline for 6 min',
          details: {},
          raisedAt: NOW.toISOString(),
          clearedAt: null,
        },
      });
      expect(got.map((g) => g.status)).toEqual([503, 204]);
      expect(got.every((g) => g.valid)).toBe(true);
      expect(JSON.parse(got[1]!.body)).toMatchObject({ type: 'alert.raised', alert: { deviceId: 'k1' } });
    } finally {
      server.close();
    }
  });

  it('the email/SMS hook gets a short text per recipient', async () => {
    const sent: Array<{ to: string; subject: string; text: string }> = [];
    const n = messageHookNotifier(
      { send: async (m) => void sent.push(m) },
      ['ops@example.com', '09120000000'],
      silentLogger,
    );
    await n.notify({
      kind: 'cleared',
      alert: {
        id: 2,
        deviceId: 'k9',
        rule: 'printer-paper-out',
        severity: 'critical',
        message: 'printer is out of paper',
        details: {},
        raisedAt: NOW.toISOString(),
        clearedAt: NOW.toISOString(),
      },
    });
    expect(sent.map((s) => s.to)).toEqual(['ops@example.com', '09120000000']);
    expect(sent[0]?.subject).toContain('cleared');
    expect(sent[0]?.text.length).toBeLessThan(160);
  });
});
