import { describe, expect, it } from 'vitest';
import { decodeMessage } from './decode.js';
import { Ack, EventEnvelope, MAX_PAYLOAD_BYTES } from './envelope.js';
import { newId } from './ids.js';
import { RpcRequest } from './rpc.js';

const checkin = () => ({
  v: 1,
  id: newId(),
  deviceId: 'kiosk-01',
  type: 'checkin',
  at: new Date().toISOString(),
  payload: { memberId: 'm1', cardUid: '04a1b2c3d4e5f6' },
});

describe('decodeMessage', () => {
  it('accepts a valid event and normalises the card UID', () => {
    const r = decodeMessage(EventEnvelope, JSON.stringify(checkin()));
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.value.payload as { cardUid?: string }).cardUid).toBe('04A1B2C3D4E5F6');
  });

  it('rejects oversize payloads before parsing them', () => {
    const r = decodeMessage(EventEnvelope, 'x'.repeat(MAX_PAYLOAD_BYTES + 1));
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/exceeds/) });
  });

  it('rejects non-JSON, wrong versions, unknown types and stray fields with a reason', () => {
    expect(decodeMessage(EventEnvelope, '{nope')).toEqual({ ok: false, error: 'payload is not valid JSON' });
    const wrongVersion = decodeMessage(EventEnvelope, JSON.stringify({ ...checkin(), v: 2 }));
    expect(wrongVersion.ok).toBe(false);
    const unknownType = decodeMessage(EventEnvelope, JSON.stringify({ ...checkin(), type: 'teleport' }));
    expect(unknownType.ok).toBe(false);
    const stray = decodeMessage(EventEnvelope, JSON.stringify({ ...checkin(), admin: true }));
    expect(stray.ok).toBe(false);
    const badUid = decodeMessage(
      EventEnvelope,
      JSON.stringify({ ...checkin(), payload: { memberId: 'm1', cardUid: 'zz' } }),
    );
    expect(badUid).toEqual({ ok: false, error: expect.stringMatching(/payload\.cardUid/) });
  });

  it('validates acks and rpc requests', () => {
    const id = newId();
    expect(decodeMessage(Ack, JSON.stringify({ v: 1, eventId: id, status: 'applied' })).ok).toBe(true);
    expect(decodeMessage(Ack, JSON.stringify({ v: 1, eventId: 'x', status: 'applied' })).ok).toBe(false);
    const req = { v: 1, id, method: 'member.lookup', params: { cardUid: '04A1B2C3' } };
    expect(decodeMessage(RpcRequest, JSON.stringify(req)).ok).toBe(true);
    expect(decodeMessage(RpcRequest, JSON.stringify({ ...req, method: 'db.drop' })).ok).toBe(false);
  });
});
