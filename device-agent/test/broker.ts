import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import {
  type Ack,
  DeviceStatus,
  decodeMessage,
  EventEnvelope,
  type MemberView,
  parseDeviceTopic,
  RpcRequest,
  type RpcResponse,
  topics,
} from '@bashgah/protocol';
import { Aedes, type Client } from 'aedes';
import mqtt from 'mqtt';

/** A real embedded Aedes broker on 127.0.0.1, as the server runs it, on a port of our choosing. */
export interface TestBroker {
  port: number;
  url: string;
  clients: Map<string, Client>;
  /** Publishes raw bytes as if some client had sent them. */
  inject(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** `fake`, when given, is attached in-process before the port opens, as the real server embeds its broker. */
export async function startBroker(port = 0, fake?: FakeServer): Promise<TestBroker> {
  const aedes = await Aedes.createBroker();
  if (fake) await fake.attach(aedes);
  const clients = new Map<string, Client>();
  aedes.on('client', (c) => clients.set(c.id, c));
  aedes.on('clientDisconnect', (c) => clients.delete(c.id));
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `mqtt://127.0.0.1:${actual}`,
    clients,
    inject: (topic, payload) =>
      new Promise<void>((r) =>
        aedes.publish(
          { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
          () => r(),
        ),
      ),
    close: async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Plays the central server in-process on the broker, as the real server does with its embedded
 * Aedes: answers member.lookup from a fixed member list and acks events, applying each event id
 * once (a repeat is acked 'duplicate').
 */
export class FakeServer {
  readonly members = new Map<string, MemberView>();
  /** Event ids in the order they were applied; a repeat never lands here twice. */
  readonly applied: string[] = [];
  received = 0;

  async attach(aedes: Aedes): Promise<void> {
    const publish = (topic: string, message: RpcResponse | Ack) =>
      aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(JSON.stringify(message)),
          qos: 1,
          retain: false,
          dup: false,
        },
        () => {},
      );
    const handler = (packet: { topic: string; payload: Buffer | string }, done: () => void) => {
      this.#onMessage(packet.topic, Buffer.from(packet.payload), publish);
      done();
    };
    for (const kind of ['rpc/req', 'events'] as const) {
      await new Promise<void>((r) => aedes.subscribe(topics.allDevices(kind), handler, r));
    }
  }

  #onMessage(topic: string, payload: Buffer, publish: (topic: string, m: RpcResponse | Ack) => void): void {
    const t = parseDeviceTopic(topic);
    if (!t) return;
    if (t.kind === 'rpc/req') {
      const req = decodeMessage(RpcRequest, payload);
      if (!req.ok) return;
      const { cardUid } = req.value.params as { cardUid: string };
      const member = this.members.get(cardUid);
      publish(topics.rpcResponse(t.deviceId), {
        v: 1,
        id: req.value.id,
        ok: true,
        result: member ? { found: true, member: { ...member } } : { found: false },
      });
    } else if (t.kind === 'events') {
      const ev = decodeMessage(EventEnvelope, payload);
      if (!ev.ok) return;
      this.received++;
      const e = ev.value;
      if (this.applied.includes(e.id)) {
        publish(topics.acks(t.deviceId), { v: 1, eventId: e.id, status: 'duplicate' });
        return;
      }
      this.applied.push(e.id);
      const member = [...this.members.values()].find((m) => m.id === e.payload.memberId);
      if (member) member.points += 10;
      publish(topics.acks(t.deviceId), {
        v: 1,
        eventId: e.id,
        status: 'applied',
        result: { pointsAwarded: 10, balance: member?.points ?? 0 },
      });
    }
  }
}

/** Records every status message of one device, retained ones included. */
export async function watchStatus(url: string, deviceId: string) {
  const seen: DeviceStatus['state'][] = [];
  const client = mqtt.connect(url, { clientId: `status-watch-${Date.now()}`, reconnectPeriod: 100 });
  client.on('error', () => {});
  client.on('message', (_topic, payload) => {
    const s = decodeMessage(DeviceStatus, payload);
    if (s.ok) seen.push(s.value.state);
  });
  client.on('connect', () => void client.subscribeAsync(topics.status(deviceId), { qos: 1 }));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return { seen, close: () => client.endAsync(true) };
}
