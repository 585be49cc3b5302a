import { EventEmitter } from 'node:events';
import type { AlertView } from './alerts.js';
import type { CommandView } from './commands.js';
import type { FleetDevice } from './store.js';

export interface FleetEvents {
  device: [FleetDevice];
  alert: [AlertView];
  command: [CommandView];
}

/**
 * In-process fan-out of fleet changes to the console's SSE streams. Emitting never throws into
 * the emitter: a failing listener is the stream's problem, not the MQTT handler's.
 */
export class FleetHub extends EventEmitter<FleetEvents> {
  constructor() {
    super();
    // One listener set per open console tab.
    this.setMaxListeners(0);
  }
}
