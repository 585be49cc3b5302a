/**
 * `npm start`: the whole system on one machine, for a newcomer or a demo. Runs the central server
 * (embedded MQTT broker, SQLite under ./data) and one kiosk agent in simulator mode as separate
 * processes, exactly as they run in production, waits until both answer, and prints where to look.
 * Ctrl-C stops both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitForHttp } from './lib/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const usage = `usage: npm start -- [--reader sim|pcsc] [--http-port 8700] [--mqtt-port 1884] [--kiosk-port 8080] [--device kiosk-demo]`;

function parseCli() {
  try {
    const { values } = parseArgs({
      options: {
        reader: { type: 'string', default: 'sim' },
        'http-port': { type: 'string', default: '8700' },
        'mqtt-port': { type: 'string', default: '1884' },
        'kiosk-port': { type: 'string', default: '8080' },
        device: { type: 'string', default: 'kiosk-demo' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const port = (name: 'http-port' | 'mqtt-port' | 'kiosk-port') => {
      const n = Number(values[name]);
      if (!Number.isInteger(n) || n < 1 || n > 65535)
        throw new Error(`--${name} must be a port number, got "${values[name]}"`);
      return n;
    };
    if (values.reader !== 'sim' && values.reader !== 'pcsc')
      throw new Error(`--reader must be sim or pcsc, got "${values.reader}"`);
    return {
      reader: values.reader,
      httpPort: port('http-port'),
      mqttPort: port('mqtt-port'),
      kioskPort: port('kiosk-port'),
      deviceId: values.device ?? 'kiosk-demo',
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}

const opts = parseCli();
const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [script], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? `code ${code}`}); stopping the rest.`);
      void stopAll(1);
    }
  });
  children.push(child);
  return child;
}

async function stopAll(exitCode: number): Promise<never> {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
  );
  process.exit(exitCode);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const DEMO_ADMIN_PASSWORD = 'bashgah-demo';
const serverUrl = `http://127.0.0.1:${opts.httpPort}`;
const kioskUrl = `http://127.0.0.1:${opts.kioskPort}`;

run('server', 'server/dist/main.js', {
  HTTP_PORT: String(opts.httpPort),
  MQTT_PORT: String(opts.mqttPort),
  DATA_DIR: 'data/server',
  SEED_DEMO: 'true',
  // A demo needs someone to log in as; a real install sets its own (docs/fleet.md).
  ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? DEMO_ADMIN_PASSWORD,
});
await waitForHttp(`${serverUrl}/healthz`, 20_000).catch((e: Error) => {
  console.error(`server did not come up: ${e.message}`);
  return stopAll(1);
});

run('agent', 'device-agent/dist/main.js', {
  DEVICE_ID: opts.deviceId,
  MQTT_URL: `mqtt://127.0.0.1:${opts.mqttPort}`,
  API_PORT: String(opts.kioskPort),
  DATA_DIR: `data/agent-${opts.deviceId}`,
  READER: opts.reader,
  SIMULATOR: 'true',
});
await waitForHttp(`${kioskUrl}/api/state`, 20_000).catch((e: Error) => {
  console.error(`kiosk agent did not come up: ${e.message}`);
  return stopAll(1);
});

console.log(`
Bashgah is running.
  Kiosk (touchscreen UI):   ${kioskUrl}/
  Central server API:       ${serverUrl}/healthz   ${serverUrl}/api/devices
  Operator console:         ${serverUrl}/   (user admin, password ${process.env.ADMIN_PASSWORD ? 'from ADMIN_PASSWORD' : DEMO_ADMIN_PASSWORD})
  MQTT broker (embedded):   mqtt://127.0.0.1:${opts.mqttPort}

Tap a demo card:
  curl -X POST ${kioskUrl}/sim/tap -H 'content-type: application/json' -d '{"uid":"04A1B2C3D4E5F6"}'
  (demo cards: 04A1B2C3D4E5F6 سارا احمدی, 04112233445566 Reza Karimi, 5A3C9E12 مریم حسینی;
   any other UID shows the unknown-card screen)
With pcscd and vsmartcard-vpcd: npm start -- --reader pcsc, then npm run vcard -- tap 04A1B2C3D4E5F6
Ctrl-C stops everything.`);
