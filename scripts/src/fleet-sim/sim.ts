import { type EventEnvelope, newId, PROTOCOL_VERSION, type Telemetry, topics } from '@bashgah/protocol';
import mqtt, { type MqttClient } from 'mqtt';

/** One simulated kiosk's identity on the wire. */
export interface SimCredentials {
  deviceId: string;
  username?: string | undefined;
  password?: string | undefined;
}

export interface SimDevice {
  deviceId: string;
  client: MqttClient;
  /** Publish→ack latency of every acked event, in ms. */
  latencies: number[];
  acked: number;
  sendTelemetry(over?: Partial<Telemetry>): Promise<void>;
  /** Publishes one check-in event (QoS 1); its ack latency is recorded when the ack comes. */
  sendCheckin(memberId: string, cardUid: string): Promise<string>;
  close(): Promise<void>;
}

const MEMBER = { memberId: 'm-1001', cardUid: '04A1B2C3D4E5F6' };

/**
 * A simulated kiosk: a real MQTT client with the agent's client id, last will, retained status,
 * telemetry and events, answering commands with `ok`. Used by the fleet simulator and the fleet
 * benchmark; the real agent's logic is not involved, only its wire behaviour.
 */
export async function connectSimDevice(
  url: string,
  creds: SimCredentials,
  opts: { keepalive?: number } = {},
) {
  const { deviceId } = creds;
  const status = (state: 'online' | 'offline') =>
    JSON.stringify({ v: PROTOCOL_VERSION, state, at: new Date().toISOString(), agentVersion: 'fleet-sim' });
  const client = await mqtt.connectAsync(url, {
    clientId: `bashgah-agent-${deviceId}`,
    username: creds.username,
    password: creds.password,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 30_000,
    keepalive: opts.keepalive ?? 30,
    will: { topic: topics.status(deviceId), payload: Buffer.from(status('offline')), qos: 1, retain: true },
  });
  const sentAt = new Map<string, number>();
  const dev: SimDevice = {
    deviceId,
    client,
    latencies: [],
    acked: 0,
    async sendTelemetry(over = {}) {
      const t: Telemetry = {
        v: PROTOCOL_VERSION,
        at: new Date().toISOString(),
        uptimeSec: process.uptime(),
        agentVersion: 'fleet-sim',
        reader: 'simulated',
        printer: 'ready',
        outboxDepth: sentAt.size,
        oldestOutboxAgeSec: null,
        lastTapAt: null,
        memoryRssBytes: 50 * 1024 * 1024,
        load1: 0.2,
        ...over,
      };
      await client.publishAsync(topics.telemetry(deviceId), JSON.stringify(t), { qos: 0 });
    },
    async sendCheckin(memberId = MEMBER.memberId, cardUid = MEMBER.cardUid) {
      const e: Extract<EventEnvelope, { type: 'checkin' }> = {
        v: PROTOCOL_VERSION,
        id: newId(),
        deviceId,
        type: 'checkin',
        at: new Date().toISOString(),
        payload: { memberId, cardUid },
      };
      sentAt.set(e.id, performance.now());
      await client.publishAsync(topics.events(deviceId), JSON.stringify(e), { qos: 1 });
      return e.id;
    },
    close: () => client.endAsync(true).then(() => {}),
  };
  client.on('message', (topic, payload) => {
    if (topic === topics.acks(deviceId)) {
      const ack = JSON.parse(payload.toString()) as { eventId: string };
      const t0 = sentAt.get(ack.eventId);
      if (t0 !== undefined) {
        dev.latencies.push(performance.now() - t0);
        sentAt.delete(ack.eventId);
        dev.acked++;
      }
    } else if (topic === topics.command(deviceId)) {
      const cmd = JSON.parse(payload.toString()) as { id: string; command: string };
      void client.publishAsync(
        topics.commandResult(deviceId),
        JSON.stringify({
          v: PROTOCOL_VERSION,
          id: cmd.id,
          command: cmd.command,
          status: 'ok',
          at: new Date().toISOString(),
        }),
        { qos: 1 },
      );
    }
  });
  await client.subscribeAsync([topics.acks(deviceId), topics.command(deviceId)], { qos: 1 });
  await client.publishAsync(topics.status(deviceId), status('online'), { qos: 1, retain: true });
  return dev;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}
