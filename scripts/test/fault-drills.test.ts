/**
 * Fault drills mid-stream, each ending with the server's ledger holding exactly the events the
 * kiosk accepted, each applied once: the external broker stopped and restarted, the server killed
 * with SIGKILL and restarted, the agent killed with SIGKILL while check-ins are being written.
 * Server, agent and Mosquitto are real processes (dist/ builds: run `npx tsc -b` first).
 * The network-cut drill with a simulated clock is in network-cut-drill.test.ts; the agent killed
 * while offline in offline-drill.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AGENT_MAIN,
  checkinWriter,
  drained,
  expectExactlyOnce,
  freePort,
  kioskState,
  MEMBER,
  MOSQUITTO_BIN,
  mosquitto,
  ROOT,
  SERVER_MAIN,
  serverLedger,
  startAgentProcess,
  startServerProcess,
  tap,
  until,
} from './drill-helpers.js';
import { shouldRun } from './services.js';

const DEVICE = 'kiosk-drill-02';
/** Agent backoff tops out at 30 s and unacked events are resent after 30 s: a drain fits in this. */
const DRAIN_MS = 60_000;

if (!existsSync(SERVER_MAIN) || !existsSync(AGENT_MAIN))
  execFileSync('npx', ['tsc', '-b'], { cwd: ROOT, stdio: 'ignore' });

describe('fault drills mid-stream: nothing lost, nothing applied twice', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bashgah-fault-drill-'));
    // DRILL_LOG_DIR also keeps the data, for a look at both databases after a failure.
    if (!process.env.DRILL_LOG_DIR) cleanups.push(() => rm(dir, { recursive: true, force: true }));
    else console.log(`drill data kept in ${dir}`);
    return dir;
  };

  const brokerDrill = shouldRun(
    'fault-drills: broker restart',
    existsSync(MOSQUITTO_BIN) ? undefined : `${MOSQUITTO_BIN} is missing`,
  );
  it.runIf(brokerDrill)(
    'external broker (Mosquitto) stopped and restarted while the kiosk is checking members in',
    async () => {
      const dir = await tempDir();
      const broker = await mosquitto(dir, await freePort());
      await broker.start();
      cleanups.push(() => broker.stop('SIGKILL'));
      const server = await startServerProcess({
        dataDir: path.join(dir, 'server'),
        httpPort: await freePort(),
        mqttUrl: broker.url,
      });
      cleanups.push(() => server.kill('SIGKILL'));
      const agent = await startAgentProcess({
        deviceId: DEVICE,
        mqttUrl: broker.url,
        apiPort: await freePort(),
        dataDir: path.join(dir, 'agent'),
      });
      cleanups.push(() => agent.kill('SIGKILL'));
      await until(async () => (await kioskState(agent.api)).online, 'agent online');
      await tap(agent.api, MEMBER.uid, MEMBER.id);

      const writer = checkinWriter(agent.api);
      cleanups.push(() => writer.stop());
      await until(() => writer.accepted.length >= 20, 'check-ins flowing');
      await broker.stop();
      const atStop = writer.accepted.length;
      await until(async () => !(await kioskState(agent.api)).online, 'agent offline');
      // Members keep checking in while the broker is away.
      await until(() => writer.accepted.length >= atStop + 20, 'check-ins while the broker is down');
      await broker.start();
      await until(async () => (await kioskState(agent.api)).online, 'agent back online', 45_000);
      const atRestart = writer.accepted.length;
      await until(() => writer.accepted.length >= atRestart + 20, 'check-ins after the restart');
      await writer.stop();

      await drained(agent, server, DRAIN_MS);
      const ledger = await serverLedger(server.dbFile, DEVICE);
      expect(writer.unanswered()).toBe(0);
      expectExactlyOnce(ledger, writer.accepted);
    },
    150_000,
  );

  it('server (with its embedded broker) killed with SIGKILL and restarted while the kiosk is checking members in', async () => {
    const dir = await tempDir();
    const httpPort = await freePort();
    const mqttPort = await freePort();
    const serverOpts = { dataDir: path.join(dir, 'server'), httpPort, mqttPort };
    let server = await startServerProcess(serverOpts);
    cleanups.push(() => server.kill('SIGKILL'));
    const agent = await startAgentProcess({
      deviceId: DEVICE,
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      apiPort: await freePort(),
      dataDir: path.join(dir, 'agent'),
    });
    cleanups.push(() => agent.kill('SIGKILL'));
    await until(async () => (await kioskState(agent.api)).online, 'agent online');
    await tap(agent.api, MEMBER.uid, MEMBER.id);

    const writer = checkinWriter(agent.api);
    cleanups.push(() => writer.stop());
    // Killed while events are in flight: some applied but not yet acked, some not yet applied.
    await until(() => writer.accepted.length >= 40, 'check-ins flowing');
    await server.kill('SIGKILL');
    const atKill = writer.accepted.length;
    await until(() => writer.accepted.length >= atKill + 20, 'check-ins while the server is down');
    server = await startServerProcess(serverOpts);
    await until(async () => (await kioskState(agent.api)).online, 'agent back online', 45_000);
    const atRestart = writer.accepted.length;
    await until(() => writer.accepted.length >= atRestart + 20, 'check-ins after the restart');
    await writer.stop();

    await drained(agent, server, DRAIN_MS);
    const ledger = await serverLedger(server.dbFile, DEVICE);
    expect(writer.unanswered()).toBe(0);
    expectExactlyOnce(ledger, writer.accepted);
  }, 150_000);

  it('agent killed with SIGKILL while check-ins are being written and sent, online', async () => {
    const dir = await tempDir();
    const mqttPort = await freePort();
    const server = await startServerProcess({
      dataDir: path.join(dir, 'server'),
      httpPort: await freePort(),
      mqttPort,
    });
    cleanups.push(() => server.kill('SIGKILL'));
    const agentOpts = {
      deviceId: DEVICE,
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      apiPort: await freePort(),
      dataDir: path.join(dir, 'agent'),
    };
    let agent = await startAgentProcess(agentOpts);
    cleanups.push(() => agent.kill('SIGKILL'));
    await until(async () => (await kioskState(agent.api)).online, 'agent online');
    await tap(agent.api, MEMBER.uid, MEMBER.id);

    const first = checkinWriter(agent.api);
    cleanups.push(() => first.stop());
    await until(() => first.accepted.length >= 40, 'check-ins flowing');
    // No shutdown code runs: the outbox, the in-flight publishes and any unsent acks die mid-way.
    await agent.kill('SIGKILL');
    await first.stop();
    agent = await startAgentProcess(agentOpts);
    await until(async () => (await kioskState(agent.api)).online, 'agent back online');
    await tap(agent.api, MEMBER.uid, MEMBER.id);
    const second = checkinWriter(agent.api);
    cleanups.push(() => second.stop());
    await until(() => second.accepted.length >= 20, 'check-ins after the restart');
    await second.stop();

    await drained(agent, server, DRAIN_MS);
    const ledger = await serverLedger(server.dbFile, DEVICE);
    const accepted = [...first.accepted, ...second.accepted];
    const processed = new Set(ledger.processed.map((p) => p.id));
    // Every 202 reached the ledger. The one request cut off by the kill may have been written to
    // the outbox before the agent died (then it is applied too, once) or not at all.
    expect(accepted.filter((id) => !processed.has(id))).toEqual([]);
    const extra = ledger.processed.filter((p) => !accepted.includes(p.id));
    expect(extra.length).toBeLessThanOrEqual(first.unanswered());
    expectExactlyOnce(ledger, [...accepted, ...extra.map((p) => p.id)]);
  }, 120_000);
});
