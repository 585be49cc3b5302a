import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig } from './config.js';

describe('loadServerConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const c = loadServerConfig({});
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8700 });
    expect(c.mqtt).toMatchObject({ host: '127.0.0.1', port: 1884, url: undefined, cleanSession: false });
    expect(c.mqtt.clientId).toMatch(/^bashgah-server-/);
    expect(c.dataDir).toBe(path.resolve('./data/server'));
    expect(c.dbPath).toBe(path.join(path.resolve('./data/server'), 'bashgah.db'));
    expect(c.seedDemo).toBe(true);
    expect(c.checkinPoints).toBe(10);
    expect(c.logLevel).toBe('info');
  });

  it('derives DB_PATH from DATA_DIR, honours overrides and treats empty strings as unset', () => {
    const c = loadServerConfig({
      DATA_DIR: '/tmp/x',
      HTTP_PORT: '0',
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      SEED_DEMO: 'false',
      CHECKIN_POINTS: '25',
      LOG_LEVEL: '',
    });
    expect(c.dbPath).toBe('/tmp/x/bashgah.db');
    expect(c.http.port).toBe(0);
    expect(c.mqtt.url).toBe('mqtt://127.0.0.1:1883');
    expect(c.seedDemo).toBe(false);
    expect(c.checkinPoints).toBe(25);
    expect(c.logLevel).toBe('info');
    expect(loadServerConfig({ DB_PATH: '/srv/b.db' }).dbPath).toBe('/srv/b.db');
  });

  it('does not seed demo data in production unless asked', () => {
    expect(loadServerConfig({ NODE_ENV: 'production' }).seedDemo).toBe(false);
    expect(loadServerConfig({ NODE_ENV: 'production', SEED_DEMO: 'true' }).seedDemo).toBe(true);
  });

  it('names every bad variable and says what to do', () => {
    let error: unknown;
    try {
      loadServerConfig({
        HTTP_PORT: 'eighty',
        MQTT_PORT: '70000',
        MQTT_URL: 'localhost:1883',
        CLUB_TIMEZONE: 'Mars/Base',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/HTTP_PORT="eighty": must be a number/);
    expect(message).toMatch(/MQTT_PORT="70000": must be 0-65535/);
    expect(message).toMatch(/MQTT_URL="localhost:1883": must look like mqtt:\/\/host:port/);
    expect(message).toMatch(/CLUB_TIMEZONE="Mars\/Base"/);
    expect(message).toMatch(/Fix these environment variables/);
  });

  it('requires the service account user and password together', () => {
    expect(() => loadServerConfig({ MQTT_USERNAME: 'server' })).toThrow(/MQTT_USERNAME and MQTT_PASSWORD/);
  });

  it('reads club webhooks and the signup limit, and refuses webhook URLs without a secret', () => {
    const c = loadServerConfig({
      CLUB_WEBHOOK_URLS: 'https://a.example/hook, http://127.0.0.1:9000/x',
      CLUB_WEBHOOK_SECRET: 'sixteen-chars-ok',
      SIGNUP_LIMIT_PER_IP: '5',
      TRUST_PROXY: 'true',
    });
    expect(c.webhooks?.endpoints.map((e) => e.url)).toEqual([
      'https://a.example/hook',
      'http://127.0.0.1:9000/x',
    ]);
    expect(c.signupRateLimit).toEqual({ limit: 5, windowMs: 600_000, trustForwardedFor: true });
    expect(() => loadServerConfig({ CLUB_WEBHOOK_URLS: 'https://a.example/hook' })).toThrow(
      /CLUB_WEBHOOK_SECRET/,
    );
    expect(() =>
      loadServerConfig({ CLUB_WEBHOOK_URLS: 'ftp://a.example/x', CLUB_WEBHOOK_SECRET: 'sixteen-chars-ok' }),
    ).toThrow(/CLUB_WEBHOOK_URLS/);
  });
});
