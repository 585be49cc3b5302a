import { topics } from '@bashgah/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export type MessageHandler = (topic: string, payload: Buffer, meta: { retain: boolean }) => void;

/** Publishes one JSON message at QoS 1; resolves once the broker has it (PUBACK). */
export type Publish = (topic: string, message: unknown, opts?: { retain?: boolean }) => Promise<void>;

export interface ServerMqtt {
  publish: Publish;
  isConnected(): boolean;
  close(): Promise<void>;
}

export interface ServerMqttOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  clientId: string;
  cleanSession: boolean;
  /** PEM CA to trust for mqtts:// (a private CA); the system CAs are used otherwise. */
  ca?: string | Buffer | undefined;
  logger: Logger;
  onMessage: MessageHandler;
  connectTimeoutMs?: number;
}

/** Everything devices send that the server acts on. */
export const SERVER_SUBSCRIPTIONS = [
  topics.allDevices('events'),
  topics.allDevices('rpc/req'),
  topics.allDevices('status'),
  topics.allDevices('telemetry'),
  topics.allDevices('cmd/result'),
] as const;

export class MqttConnectError extends Error {
  override name = 'MqttConnectError';
}

/**
 * Connects the server's own MQTT client and subscribes to device traffic at QoS 1. The message
 * handler is attached before connecting: with a persistent session the broker starts delivering
 * queued events right after CONNACK, before any SUBSCRIBE of ours.
 */
export async function connectServerMqtt(opts: ServerMqttOptions): Promise<ServerMqtt> {
  const log = opts.logger.child({ component: 'mqtt', clientId: opts.clientId });
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  const client: MqttClient = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    clean: opts.cleanSession,
    protocolVersion: 4,
    username: opts.username,
    password: opts.password,
    ...(opts.ca ? { ca: opts.ca } : {}),
    reconnectPeriod: 1000,
    connectTimeout: Math.min(timeoutMs, 10_000),
    // A JSON event is small; waiting on a stalled broker for minutes helps nobody.
    keepalive: 30,
  });
  client.on('message', (topic, payload, packet) => opts.onMessage(topic, payload, { retain: packet.retain }));

  await new Promise<void>((resolve, reject) => {
    let lastError = 'no answer';
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      if (err) {
        client.end(true);
        reject(err);
      } else resolve();
    };
    const onConnect = () => done();
    const onError = (err: Error & { code?: unknown }) => {
      lastError = err.message;
      // A numeric code is a CONNACK refusal (bad credentials, not authorised): retrying won't help.
      if (typeof err.code === 'number') {
        done(
          new MqttConnectError(
            `MQTT broker at ${opts.url} refused the server's connection: ${err.message}. Check MQTT_USERNAME and MQTT_PASSWORD.`,
          ),
        );
      }
    };
    const timer = setTimeout(
      () =>
        done(
          new MqttConnectError(
            `Cannot reach the MQTT broker at ${opts.url} within ${timeoutMs / 1000} s (${lastError}). ` +
              'Start the broker, or fix MQTT_URL (unset it to use the embedded broker).',
          ),
        ),
      timeoutMs,
    );
    // MQTT packets are small request/response traffic: with Nagle on, a lookup waits out the peer's
    // delayed ACK (~40 ms) at each hop. mqtt.js does not set noDelay itself.
    client.on('connect', () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true));
    client.on('connect', onConnect);
    client.on('error', onError);
  });

  try {
    const granted = await client.subscribeAsync([...SERVER_SUBSCRIPTIONS], { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
    if (refused.length > 0) {
      throw new MqttConnectError(
        `MQTT broker at ${opts.url} refused the server's subscriptions to ${refused.join(', ')}. ` +
          "Grant the server's service account read access to club/v1/devices/#.",
      );
    }
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }
  log.info({ url: opts.url, subscriptions: SERVER_SUBSCRIPTIONS }, 'server MQTT client connected');

  // After start-up the client reconnects by itself; log transitions, not every retry.
  let up = true;
  client.on('offline', () => {
    if (up) log.warn({ url: opts.url }, 'MQTT link lost; reconnecting');
    up = false;
  });
  client.on('connect', () => {
    if (!up) log.info({ url: opts.url }, 'MQTT link restored');
    up = true;
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'MQTT client error'));

  return {
    async publish(topic, message, pubOpts = {}) {
      await client.publishAsync(topic, JSON.stringify(message), { qos: 1, retain: pubOpts.retain ?? false });
    },
    isConnected: () => client.connected,
    async close() {
      await client.endAsync();
    },
  };
}
