import { SvelteMap } from 'svelte/reactivity';
import type { AlertView, CommandView, FleetDevice } from './api.js';

/**
 * The live fleet: a snapshot on connect, then every device, alert and command change as the
 * server sees it (Server-Sent Events on /api/fleet/events). The browser's EventSource reconnects
 * by itself; each reconnect starts with a fresh snapshot, so nothing is missed.
 */
export class FleetStore {
  readonly devices = new SvelteMap<string, FleetDevice>();
  readonly alerts = new SvelteMap<number, AlertView>();
  /** Latest state of commands seen on the stream, by id. */
  readonly commands = new SvelteMap<string, CommandView>();
  connected = $state(false);
  #es: EventSource | undefined;

  readonly openAlerts: AlertView[] = $derived(
    [...this.alerts.values()]
      .filter((a) => a.clearedAt === null)
      .sort((a, b) => b.raisedAt.localeCompare(a.raisedAt)),
  );

  start(): void {
    if (this.#es) return;
    const es = new EventSource('/api/fleet/events');
    this.#es = es;
    es.onopen = () => {
      this.connected = true;
    };
    es.onerror = () => {
      this.connected = false;
    };
    es.addEventListener('snapshot', (e) => {
      const snap = JSON.parse((e as MessageEvent<string>).data) as {
        devices: FleetDevice[];
        alerts: AlertView[];
      };
      this.devices.clear();
      for (const d of snap.devices) this.devices.set(d.id, d);
      this.alerts.clear();
      for (const a of snap.alerts) this.alerts.set(a.id, a);
      this.connected = true;
    });
    es.addEventListener('device', (e) => {
      const d = JSON.parse((e as MessageEvent<string>).data) as FleetDevice;
      this.devices.set(d.id, d);
    });
    es.addEventListener('alert', (e) => {
      const a = JSON.parse((e as MessageEvent<string>).data) as AlertView;
      this.alerts.set(a.id, a);
    });
    es.addEventListener('command', (e) => {
      const c = JSON.parse((e as MessageEvent<string>).data) as CommandView;
      this.commands.set(c.id, c);
    });
  }

  stop(): void {
    this.#es?.close();
    this.#es = undefined;
    this.connected = false;
  }

  openAlertsOf(deviceId: string): AlertView[] {
    return this.openAlerts.filter((a) => a.deviceId === deviceId);
  }
}
