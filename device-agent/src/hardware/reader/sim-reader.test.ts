import { describe, expect, it } from 'vitest';
import type { AgentEvents } from '../../agent-events.js';
import { EventBus } from '../../event-bus.js';
import { SimReader } from './sim-reader.js';

describe('SimReader', () => {
  it('emits a normalised tap, then removed', async () => {
    const bus = new EventBus<AgentEvents>((_e, err) => {
      throw err;
    });
    const seen: string[] = [];
    bus.on('tap', (t) => {
      seen.push(`tap:${t.uid}:${t.reader}`);
    });
    bus.on('removed', (r) => {
      seen.push(`removed:${r.uid}`);
    });
    const reader = new SimReader({ bus, removeAfterMs: 10 });
    await reader.start();
    expect(reader.kind).toBe('sim');
    expect(reader.state()).toBe('simulated');
    expect(reader.tap('04:a1:b2:c3')).toBe('04A1B2C3');
    await new Promise((r) => setTimeout(r, 30));
    expect(seen).toEqual(['tap:04A1B2C3:simulator', 'removed:04A1B2C3']);
    await reader.stop();
  });

  it('refuses an invalid UID and emits nothing', () => {
    const bus = new EventBus<AgentEvents>(() => {});
    let taps = 0;
    bus.on('tap', () => {
      taps++;
    });
    const reader = new SimReader({ bus });
    expect(() => reader.tap('zz')).toThrow(/simulated tap refused/);
    expect(taps).toBe(0);
  });
});
