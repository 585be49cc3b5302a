import type { CommandName } from '@bashgah/protocol';
import type { AlertView } from '../../src/fleet/alerts.js';
import type { CommandView } from '../../src/fleet/commands.js';
import type { DeviceEventView } from '../../src/fleet/events.js';
import type { FleetDevice } from '../../src/fleet/store.js';

export type { AlertView, CommandView, DeviceEventView, FleetDevice };

export interface Operator {
  id: number;
  username: string;
  role: 'admin' | 'operator' | 'viewer';
}

export interface DeviceDetail {
  device: FleetDevice;
  commands: CommandView[];
  alerts: AlertView[];
  telemetry: Array<{ at: string; data: NonNullable<FleetDevice['telemetry']> }>;
  /** The device's latest events, newest first. */
  events: DeviceEventView[];
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server's HTTP API as the console uses it: session cookie plus the CSRF header on changes. */
export class ConsoleApi {
  csrfToken = '';

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    const res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      const err = (json as { error?: { code: string; message: string } } | null)?.error;
      throw new ApiFailure(res.status, err?.code ?? 'http', err?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }

  async me(): Promise<Operator | undefined> {
    try {
      const r = await this.#call<{ operator: Operator; csrfToken: string }>('GET', '/api/auth/me');
      this.csrfToken = r.csrfToken;
      return r.operator;
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) return undefined;
      throw e;
    }
  }

  async login(username: string, password: string): Promise<Operator> {
    const r = await this.#call<{ operator: Operator; csrfToken: string }>('POST', '/api/auth/login', {
      username,
      password,
    });
    this.csrfToken = r.csrfToken;
    return r.operator;
  }

  logout(): Promise<void> {
    return this.#call('POST', '/api/auth/logout');
  }

  device(id: string): Promise<DeviceDetail> {
    return this.#call('GET', `/api/fleet/devices/${encodeURIComponent(id)}?hours=6`);
  }

  createDevice(input: { id: string; name?: string; store?: string }) {
    return this.#call<{ device: FleetDevice; code: string; expiresAt: string }>(
      'POST',
      '/api/fleet/devices',
      input,
    );
  }

  newCode(id: string) {
    return this.#call<{ code: string; expiresAt: string }>(
      'POST',
      `/api/fleet/devices/${encodeURIComponent(id)}/enrolment-code`,
    );
  }

  revoke(id: string) {
    return this.#call<{ device: FleetDevice }>('POST', `/api/fleet/devices/${encodeURIComponent(id)}/revoke`);
  }

  command(id: string, command: CommandName, params: Record<string, unknown> = {}) {
    return this.#call<CommandView>(
      'POST',
      `/api/fleet/devices/${encodeURIComponent(id)}/commands?wait=10000`,
      {
        command,
        params,
      },
    );
  }

  alerts(state: 'open' | 'all') {
    return this.#call<{ alerts: AlertView[] }>('GET', `/api/fleet/alerts?state=${state}`);
  }
}
