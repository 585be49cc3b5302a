import {
  Ack,
  CommandRequest,
  type DecodeResult,
  type DeviceStatus,
  decodeMessage,
  parseDeviceTopic,
  RpcResponse,
  topics,
} from '@bashgah/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { AgentBus } from '../agent-events.js';

export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
}

/** What the rest of the agent needs from the uplink; MqttLink is the real one. */
export interface Link {
  online(): boolean;
  /** Rejects at once when offline: callers own their retries (the outbox, or the caller of an RPC). */
  publish(topic: string, message: unknown, options?: PublishOptions): Promise<void>;
}

export interface MqttLinkOptions {
  url: string;
  username?: string;
  password?: string;
  /** PEM CA to trust for mqtts:// (a private CA). */
  ca?: string | Buffer;
  deviceId: string;
  agentVersion: string;
  bus: AgentBus;
  logger: Logger;
  /** First reconnect delay; doubles on each failure up to reconnectMaxMs, reset on success. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** The clock the reconnect backoff runs on; tests pass a manual one to cover minutes in seconds. */
  timers?: LinkTimers;
  /** Source of the backoff jitter, in [0, 1). */
  random?: () => number;
}

export interface LinkTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: LinkTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The agent's MQTT uplink. mqtt.js's own reconnect runs on a fixed interval, so it is disabled and
 * replaced by a backoff that spares the broker when a whole fleet reconnects after an outage.
 * The session is persistent (clean: false) so acks and replies the broker queued while the socket
 * was down still arrive.
 */
export class MqttLink implements Link {
  readonly #o: Required<Omit<MqttLinkOptions, 'username' | 'password' | 'ca' | 'timers' | 'random'>> &
    Pick<MqttLinkOptions, 'username' | 'password' | 'ca'>;
  readonly #log: Logger;
  #client: MqttClient | undefined;
  #online = false;
  #stopping = false;
  #delay: number;
  #reconnectTimer: unknown;
  readonly #timers: LinkTimers;
  readonly #random: () => number;
  #warnedUnreachable = false;

  constructor(options: MqttLinkOptions) {
    // `??`: the agent passes undefined for unset timings, which a spread over defaults would keep
    // (a NaN backoff retries every millisecond).
    this.#o = {
      ...options,
      reconnectMinMs: options.reconnectMinMs ?? 1000,
      reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
    };
    this.#log = options.logger.child({ module: 'mqtt-link' });
    this.#delay = this.#o.reconnectMinMs;
    this.#timers = options.timers ?? realTimers;
    this.#random = options.random ?? Math.random;
  }

  online(): boolean {
    return this.#online;
  }

  start(): void {
    const { deviceId } = this.#o;
    const client = mqtt.connect(this.#o.url, {
      clientId: `bashgah-agent-${deviceId}`,
      clean: false,
      username: this.#o.username,
      password: this.#o.password,
      ...(this.#o.ca ? { ca: this.#o.ca } : {}),
      protocolVersion: 4,
      keepalive: 15,
      connectTimeout: 5000,
      reconnectPeriod: 0,
      will: {
        topic: topics.status(deviceId),
        payload: Buffer.from(JSON.stringify(this.#status('offline'))),
        qos: 1,
        retain: true,
      },
    });
    this.#client = client;

    // MQTT packets are small request/response traffic: with Nagle on, a lookup waits out the peer's
    // delayed ACK (~40 ms) at each hop. mqtt.js does not set noDelay itself.
    client.on('connect', () => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true));
    client.on('connect', () => void this.#onConnect(client));
    client.on('close', () => this.#onClose());
    // Without a listener an 'error' would throw; connection errors are followed by 'close', which
    // schedules the retry, so logging is all that is needed here.
    client.on('error', (error) => {
      if (this.#warnedUnreachable) {
        this.#log.debug({ err: error }, 'MQTT connection error');
        return;
      }
      this.#warnedUnreachable = true;
      this.#log.warn(
        { err: error, url: this.#o.url },
        'MQTT broker unreachable; retrying with backoff. Check MQTT_URL and that the server is running',
      );
    });
    client.on('message', (topic, payload) => this.#onMessage(topic, payload));
  }

  async publish(topic: string, message: unknown, options: PublishOptions = {}): Promise<void> {
    const client = this.#client;
    if (!client || !this.#online) {
      throw new Error(`MQTT link is offline; cannot publish to ${topic}`);
    }
    await client.publishAsync(topic, JSON.stringify(message), {
      qos: options.qos ?? 1,
      retain: options.retain ?? false,
    });
  }

  /** Says goodbye with a retained offline status (so it is not left to the will), then disconnects. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#reconnectTimer !== undefined) this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const client = this.#client;
    if (!client) return;
    if (this.#online) {
      try {
        await withTimeout(
          client.publishAsync(topics.status(this.#o.deviceId), JSON.stringify(this.#status('offline')), {
            qos: 1,
            retain: true,
          }),
          2000,
        );
      } catch (error) {
        this.#log.warn(
          { err: error },
          'could not publish offline status on shutdown; the broker will send the will',
        );
      }
    }
    await withTimeout(client.endAsync(), 2000).catch(() => client.end(true));
    this.#setOnline(false);
  }

  #status(state: 'online' | 'offline'): DeviceStatus {
    return { v: 1, state, at: new Date().toISOString(), agentVersion: this.#o.agentVersion };
  }

  async #onConnect(client: MqttClient): Promise<void> {
    const { deviceId } = this.#o;
    this.#delay = this.#o.reconnectMinMs;
    this.#warnedUnreachable = false;
    // A broker that lost our session (restart, memory persistence) has lost our subscriptions
    // too, so they are made on every connect, not only the first.
    try {
      const grants = await client.subscribeAsync(
        [topics.acks(deviceId), topics.rpcResponse(deviceId), topics.command(deviceId)],
        { qos: 1 },
      );
      // 128 is the broker saying no (e.g. an ACL): without these the agent would never hear acks.
      const refused = grants.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0) throw new Error(`broker refused subscriptions: ${refused.join(', ')}`);
      await client.publishAsync(topics.status(deviceId), JSON.stringify(this.#status('online')), {
        qos: 1,
        retain: true,
      });
    } catch (error) {
      this.#log.warn({ err: error }, 'MQTT connected but subscribe/status failed; reconnecting');
      client.end(true);
      return;
    }
    // The will carries a timestamp; refresh it so the next unexpected drop reports a recent time.
    if (client.options.will) {
      client.options.will.payload = Buffer.from(JSON.stringify(this.#status('offline')));
    }
    this.#log.info({ url: this.#o.url }, 'MQTT link online');
    this.#setOnline(true);
  }

  #onClose(): void {
    if (this.#online) this.#log.warn({ url: this.#o.url }, 'MQTT link lost; queuing actions in the outbox');
    this.#setOnline(false);
    if (this.#stopping || this.#reconnectTimer !== undefined) return;
    // Jitter spreads a fleet's reconnects so a restarted broker is not hit by all kiosks at once.
    const delay = Math.round(this.#delay * (0.8 + this.#random() * 0.4));
    this.#delay = Math.min(this.#delay * 2, this.#o.reconnectMaxMs);
    this.#log.debug({ delayMs: delay }, 'MQTT reconnect scheduled');
    this.#reconnectTimer = this.#timers.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#stopping) this.#client?.reconnect();
    }, delay);
  }

  #setOnline(online: boolean): void {
    if (this.#online === online) return;
    this.#online = online;
    this.#o.bus.emit('link.online', online);
  }

  #onMessage(topic: string, payload: Buffer): void {
    const parsed = parseDeviceTopic(topic);
    if (!parsed || parsed.deviceId !== this.#o.deviceId) {
      this.#log.warn({ topic }, 'dropped MQTT message on a topic outside this device');
      return;
    }
    const drop = (result: DecodeResult<unknown>) => {
      if (!result.ok) this.#log.warn({ topic, error: result.error }, 'dropped invalid MQTT message');
      return !result.ok;
    };
    switch (parsed.kind) {
      case 'acks': {
        const r = decodeMessage(Ack, payload);
        if (!drop(r) && r.ok) this.#o.bus.emit('link.ack', r.value);
        return;
      }
      case 'rpc/res': {
        const r = decodeMessage(RpcResponse, payload);
        if (!drop(r) && r.ok) this.#o.bus.emit('link.rpcResponse', r.value);
        return;
      }
      case 'cmd': {
        const r = decodeMessage(CommandRequest, payload);
        if (!drop(r) && r.ok) this.#o.bus.emit('link.command', r.value);
        return;
      }
      default:
        this.#log.warn({ topic }, 'dropped MQTT message on an unexpected topic');
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
