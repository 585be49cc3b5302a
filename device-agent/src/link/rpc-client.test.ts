import { type MemberView, newId, type RpcRequest, topics } from '@bashgah/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleMember } from '../../test/fixtures.js';
import type { AgentEvents } from '../agent-events.js';
import { EventBus } from '../event-bus.js';
import type { Link, PublishOptions } from './mqtt-link.js';
import { RpcClient, RpcError } from './rpc-client.js';

const member: MemberView = sampleMember({
  id: 'm1',
  number: 7,
  displayName: 'Reza',
  points: 50,
  tier: 'bronze',
  cardUid: '04A1B2C3',
  checkinPointsAvailable: 5,
});

/** Records what the client publishes; the real link is exercised in test/link.test.ts. */
class RecordingLink implements Link {
  isOnline = true;
  sent: Array<{ topic: string; message: RpcRequest; options?: PublishOptions }> = [];
  online() {
    return this.isOnline;
  }
  async publish(topic: string, message: unknown, options?: PublishOptions) {
    this.sent.push({ topic, message: message as RpcRequest, options });
  }
}

const setup = () => {
  const bus = new EventBus<AgentEvents>((_e, err) => {
    throw err;
  });
  const link = new RecordingLink();
  const rpc = new RpcClient({ deviceId: 'kiosk-01', link, bus, logger: pino({ level: 'silent' }) });
  return { bus, link, rpc };
};

describe('RpcClient', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('publishes a request with a correlation id and resolves on the reply with that id', async () => {
    const { bus, link, rpc } = setup();
    close = () => rpc.close();
    const call = rpc.call('member.lookup', { cardUid: '04a1b2c3' }, 1000);
    const [req] = link.sent;
    expect(req?.topic).toBe(topics.rpcRequest('kiosk-01'));
    expect(req?.message).toMatchObject({ v: 1, method: 'member.lookup', params: { cardUid: '04A1B2C3' } });

    // A reply for someone else's call is ignored; the matching one resolves.
    bus.emit('link.rpcResponse', { v: 1, id: newId(), ok: true, result: { found: false } });
    bus.emit('link.rpcResponse', { v: 1, id: req!.message.id, ok: true, result: { found: true, member } });
    await expect(call).resolves.toEqual({ found: true, member });
    expect(rpc.pendingCount()).toBe(0);
  });

  it('times out with a clear error and forgets the call', async () => {
    const { bus, link, rpc } = setup();
    close = () => rpc.close();
    const call = rpc.call('member.lookup', { cardUid: '04A1B2C3' }, 30);
    await expect(call).rejects.toThrow(/no reply from the server within 30 ms/);
    expect(rpc.pendingCount()).toBe(0);
    // A late reply is harmless.
    bus.emit('link.rpcResponse', { v: 1, id: link.sent[0]!.message.id, ok: true, result: { found: false } });
  });

  it('rejects at once when offline, and pending calls when the link drops', async () => {
    const { bus, link, rpc } = setup();
    close = () => rpc.close();
    const pending = rpc.call('member.lookup', { cardUid: '04A1B2C3' }, 5000);
    bus.emit('link.online', false);
    await expect(pending).rejects.toMatchObject({ code: 'offline' });
    link.isOnline = false;
    await expect(rpc.call('member.lookup', { cardUid: '04A1B2C3' }, 5000)).rejects.toBeInstanceOf(RpcError);
    expect(link.sent).toHaveLength(1);
  });

  it('rejects a result that does not match the method schema, and server errors', async () => {
    const { bus, link, rpc } = setup();
    close = () => rpc.close();
    const bad = rpc.call('member.lookup', { cardUid: '04A1B2C3' }, 1000);
    bus.emit('link.rpcResponse', { v: 1, id: link.sent[0]!.message.id, ok: true, result: { found: 'yes' } });
    await expect(bad).rejects.toMatchObject({ code: 'bad-response' });

    const failed = rpc.call('member.lookup', { cardUid: '04A1B2C3' }, 1000);
    bus.emit('link.rpcResponse', {
      v: 1,
      id: link.sent[1]!.message.id,
      ok: false,
      error: { code: 'internal', message: 'db locked' },
    });
    await expect(failed).rejects.toThrow(/server error: db locked/);
  });

  it('refuses invalid params without publishing', async () => {
    const { link, rpc } = setup();
    close = () => rpc.close();
    await expect(rpc.call('member.lookup', { cardUid: 'nope' }, 1000)).rejects.toMatchObject({
      code: 'bad-request',
    });
    expect(link.sent).toHaveLength(0);
  });
});
