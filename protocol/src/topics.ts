/**
 * MQTT topic builders. Every device owns the subtree `club/v1/devices/{deviceId}/#`; a device's
 * credentials may touch nothing else, which is why replies to a device go to that device's own
 * reply topic rather than to a shared one.
 */
export const TOPIC_ROOT = 'club/v1/devices' as const;

export const DEVICE_TOPIC_KINDS = [
  'status',
  'telemetry',
  'events',
  'acks',
  'rpc/req',
  'rpc/res',
  'cmd',
  'cmd/result',
] as const;
export type DeviceTopicKind = (typeof DEVICE_TOPIC_KINDS)[number];

/** Device ids are used as a topic level, so they must not contain MQTT separators or wildcards. */
export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function assertDeviceId(deviceId: string): string {
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    throw new Error(
      `invalid device id "${deviceId}": use 2-63 lowercase letters, digits or '-', starting with a letter or digit`,
    );
  }
  return deviceId;
}

export function deviceTopic(deviceId: string, kind: DeviceTopicKind): string {
  return `${TOPIC_ROOT}/${assertDeviceId(deviceId)}/${kind}`;
}

export const topics = {
  status: (deviceId: string) => deviceTopic(deviceId, 'status'),
  telemetry: (deviceId: string) => deviceTopic(deviceId, 'telemetry'),
  events: (deviceId: string) => deviceTopic(deviceId, 'events'),
  acks: (deviceId: string) => deviceTopic(deviceId, 'acks'),
  rpcRequest: (deviceId: string) => deviceTopic(deviceId, 'rpc/req'),
  rpcResponse: (deviceId: string) => deviceTopic(deviceId, 'rpc/res'),
  command: (deviceId: string) => deviceTopic(deviceId, 'cmd'),
  commandResult: (deviceId: string) => deviceTopic(deviceId, 'cmd/result'),
  /** Subscription filter for one kind of topic across the whole fleet (server side). */
  allDevices: (kind: DeviceTopicKind) => `${TOPIC_ROOT}/+/${kind}`,
  /** Everything one device may publish or subscribe to. */
  deviceSubtree: (deviceId: string) => `${TOPIC_ROOT}/${assertDeviceId(deviceId)}/#`,
} as const;

export interface ParsedDeviceTopic {
  deviceId: string;
  kind: DeviceTopicKind;
}

/** Splits a concrete device topic; returns undefined for anything outside the contract. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | undefined {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const deviceId = rest.slice(0, slash);
  const kind = rest.slice(slash + 1);
  if (!DEVICE_ID_PATTERN.test(deviceId)) return undefined;
  if (!(DEVICE_TOPIC_KINDS as readonly string[]).includes(kind)) return undefined;
  return { deviceId, kind: kind as DeviceTopicKind };
}
