import { describe, expect, it } from 'vitest';
import { assertDeviceId, parseDeviceTopic, topics } from './topics.js';

describe('topics', () => {
  it('builds every device topic under the device subtree', () => {
    expect(topics.events('kiosk-01')).toBe('club/v1/devices/kiosk-01/events');
    expect(topics.rpcResponse('kiosk-01')).toBe('club/v1/devices/kiosk-01/rpc/res');
    expect(topics.allDevices('events')).toBe('club/v1/devices/+/events');
    expect(topics.deviceSubtree('kiosk-01')).toBe('club/v1/devices/kiosk-01/#');
  });

  it('refuses device ids that would break out of the subtree', () => {
    for (const bad of ['a/b', '+', '#', 'Kiosk', '', 'x']) {
      expect(() => assertDeviceId(bad)).toThrow(/invalid device id/);
    }
  });

  it('parses concrete topics and rejects foreign ones', () => {
    expect(parseDeviceTopic('club/v1/devices/kiosk-01/rpc/req')).toEqual({
      deviceId: 'kiosk-01',
      kind: 'rpc/req',
    });
    expect(parseDeviceTopic('club/v1/devices/kiosk-01/other')).toBeUndefined();
    expect(parseDeviceTopic('club/v2/devices/kiosk-01/events')).toBeUndefined();
    expect(parseDeviceTopic('club/v1/devices/Bad/events')).toBeUndefined();
  });
});
