/**
 * Tap latency through the real NFC path: the virtual card enters vpcd's field, pcscd notices it,
 * nfc-pcsc reads the UID, the agent resolves the member, and the kiosk's SSE client receives it.
 *
 * The floor is the raw nfc-pcsc `card` event (the agent's reader emits its tap from that event,
 * stamped with its time); everything above it is the agent's own cost. Both are measured in the
 * same run, so the ratio holds on a noisy shared machine. pcscd polls the virtual reader every
 * ~400 ms, so the floor dominates: that is the point of printing it beside the total.
 *
 * Usage: npm run bench:tap-latency [-- --taps 50]
 */
import { parseArgs } from 'node:util';
import type { KioskSession } from '@bashgah/protocol';
import { openEventStream, startSystem } from '../lib/system.js';
import { VirtualCard } from '../vcard/index.js';
import { ensurePcscd, pcscdPrerequisite } from '../vcard/pcscd.js';
import { ms, summary } from './stats.js';

const { values } = parseArgs({ options: { taps: { type: 'string', default: '50' } } });
const taps = Number(values.taps);
if (!Number.isInteger(taps) || taps < 1 || taps > 1000) {
  console.error(`--taps must be 1-1000, got "${values.taps}"`);
  process.exit(2);
}

const missing = await pcscdPrerequisite();
if (missing) {
  console.error(`cannot run the tap-latency benchmark: ${missing}`);
  process.exit(1);
}

const UID = '04A1B2C3D4E5F6';
const pcscd = await ensurePcscd();
const sys = await startSystem({ reader: 'pcsc', deviceId: 'kiosk-bench' });
const stream = await openEventStream(sys.agent.apiUrl);

const raw: number[] = [];
const firstScreen: number[] = [];
const fresh: number[] = [];
let lastTapAt = 0;
let removedCount = 0;
sys.agent.bus.on('tap', (tap) => {
  lastTapAt = tap.at.getTime();
});
sys.agent.bus.on('removed', () => {
  removedCount += 1;
});

const memberSession = (e: { event: string; data: unknown }, source?: 'cache' | 'server') => {
  if (e.event !== 'session') return false;
  const s = (e.data as { session: KioskSession }).session;
  return s.kind === 'member' && (source === undefined || s.source === source);
};

try {
  for (let i = 0; i < taps + 1; i++) {
    const from = stream.events.length;
    const removedBefore = removedCount;
    const presentedAt = Date.now();
    const card = await VirtualCard.present(UID);
    const first = await stream.next((e) => memberSession(e), { from, timeoutMs: 5_000 });
    const firstAt = Date.now();
    await stream.next((e) => memberSession(e, 'server'), { from, timeoutMs: 5_000 });
    const freshAt = Date.now();
    // Round 0 warms the cache, the JIT and the MQTT session; it is not counted.
    if (i > 0) {
      raw.push(lastTapAt - presentedAt);
      firstScreen.push(firstAt - presentedAt);
      fresh.push(freshAt - presentedAt);
    }
    void first;
    await card.remove();
    const deadline = Date.now() + 5_000;
    while (removedCount === removedBefore && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
  }
} finally {
  stream.close();
  await sys.stop();
  await pcscd.stop();
}

const r = summary(raw);
const s = summary(firstScreen);
const f = summary(fresh);
console.log(`tap latency over ${taps} taps (virtual card → pcscd → nfc-pcsc → agent → SSE client)`);
console.log(`  raw nfc-pcsc card event      p50 ${ms(r.p50)}  p95 ${ms(r.p95)}  max ${ms(r.max)}`);
console.log(`  SSE member event (cache)     p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  max ${ms(s.max)}`);
console.log(`  SSE member event (server)    p50 ${ms(f.p50)}  p95 ${ms(f.p95)}  max ${ms(f.max)}`);
console.log(
  `  ratio SSE/raw: p50 ${(s.p50 / r.p50).toFixed(3)}  p95 ${(s.p95 / r.p95).toFixed(3)}; ` +
    `agent overhead p50 ${ms(s.p50 - r.p50)}, server round trip adds p50 ${ms(f.p50 - s.p50)}`,
);
