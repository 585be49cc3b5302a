import { join } from 'node:path';
import { Telemetry, topics } from '@bashgah/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../test/fixtures.js';
import type { AgentEvents } from '../agent-events.js';
import { EventBus } from '../event-bus.js';
import { SimReader } from '../hardware/reader/sim-reader.js';
import { Outbox } from '../store/outbox.js';
import { Sqlite } from '../store/sqlite.js';
import type { Link } from './mqtt-link.js';
import { TelemetryPublisher } from './telemetry.js';

describe('TelemetryPublisher', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('publishes a valid Telemetry on its interval while online, with the last tap time', async () => {
    const dir = await tempDir('telemetry');
    const db = await Sqlite.open(join(dir.path, 'agent.db'));
    const outbox = await Outbox.open(db);
    const bus = new EventBus<AgentEvents>(() => {});
    const reader = new SimReader({ bus });
    const sent: Array<{ topic: string; message: unknown; qos?: number }> = [];
    let online = false;
    const link: Link = {
      online: () => online,
      publish: async (topic, message, options) => {
        sent.push({ topic, message, qos: options?.qos });
      },
    };
    const telemetry = new TelemetryPublisher({
      deviceId: 'kiosk-01',
      agentVersion: '0.1.0',
      link,
      bus,
      outbox,
      reader: () => reader,
      logger: pino({ level: 'silent' }),
      intervalMs: 50,
    });
    close = async () => {
      telemetry.stop();
      await reader.stop();
      await db.close();
      await dir.remove();
    };
    telemetry.start();
    await new Promise((r) => setTimeout(r, 120));
    expect(sent).toEqual([]);

    online = true;
    reader.tap('04A1B2C3');
    const first = await waitFor(() => sent[0], 'a telemetry message');
    expect(first.topic).toBe(topics.telemetry('kiosk-01'));
    expect(first.qos).toBe(0);
    const t = Telemetry.parse(first.message);
    expect(t).toMatchObject({ reader: 'simulated', outboxDepth: 0, oldestOutboxAgeSec: null });
    expect(t.lastTapAt).not.toBeNull();
  });
});
