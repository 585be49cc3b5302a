import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAgentConfig } from './config.js';

describe('loadAgentConfig', () => {
  it('has safe defaults for an empty environment', () => {
    const c = loadAgentConfig({});
    expect(c.deviceId).toBe('kiosk-dev');
    expect(c.mqtt.url).toBe('mqtt://127.0.0.1:1884');
    expect(c.api).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.reader).toBe('pcsc');
    expect(c.simulator).toBe(false);
    expect(c.rpcTimeoutMs).toBe(1500);
    expect(c.sessionIdleMs).toBe(60_000);
    expect(isAbsolute(c.dataDir)).toBe(true);
    expect(c.kioskUiDir).toMatch(/kiosk-ui[/\\]dist$/);
  });

  it('reads and coerces the environment', () => {
    const c = loadAgentConfig({ DEVICE_ID: 'kiosk-07', API_PORT: '0', READER: 'sim', SIMULATOR: 'true' });
    expect(c).toMatchObject({ deviceId: 'kiosk-07', api: { port: 0 }, reader: 'sim', simulator: true });
  });

  it('names the variable and the fix on bad input', () => {
    expect(() => loadAgentConfig({ DEVICE_ID: 'Kiosk/1' })).toThrow(/DEVICE_ID \(got "Kiosk\/1"\)/);
    expect(() => loadAgentConfig({ API_PORT: 'eighty' })).toThrow(/API_PORT/);
    expect(() => loadAgentConfig({ READER: 'usb' })).toThrow(/READER/);
    expect(() => loadAgentConfig({ MQTT_USERNAME: 'u' })).toThrow(/MQTT_PASSWORD/);
  });

  it('refuses a non-loopback API host unless explicitly allowed', () => {
    expect(() => loadAgentConfig({ API_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadAgentConfig({ API_HOST: '0.0.0.0' })).toThrow(/ALLOW_REMOTE_API=true/);
    expect(loadAgentConfig({ API_HOST: '0.0.0.0', ALLOW_REMOTE_API: 'true' }).api.host).toBe('0.0.0.0');
  });
});
