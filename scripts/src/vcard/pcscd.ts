/**
 * pcscd for tests and benchmarks: use the running one when its socket answers (CI's .ci/run and a
 * kiosk's systemd start it), otherwise start `pcscd --foreground` as our own child and stop
 * exactly that one afterwards. `pcscdPrerequisite` tells why the real NFC path cannot run here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { canConnect } from '../lib/net.js';

export const PCSCD_SOCKET = process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
const VPCD_DRIVER = ['/etc/reader.conf.d/vpcd', '/usr/lib/pcsc/drivers/serial/libifdvpcd.so'];
const PCSCD_PATHS = ['/usr/sbin/pcscd', '/usr/local/sbin/pcscd', '/sbin/pcscd'];

export const socketAnswers = (path: string, timeoutMs = 1_000) => canConnect({ path }, timeoutMs);

const pcscdBinary = () => PCSCD_PATHS.find((p) => existsSync(p));

/** Why the real pcscd + vpcd + nfc-pcsc path cannot run on this machine, or undefined if it can. */
export async function pcscdPrerequisite(): Promise<string | undefined> {
  try {
    const specifier = 'nfc-pcsc';
    await import(specifier);
  } catch (error) {
    return `nfc-pcsc does not load (${(error as Error).message.split('\n')[0]}); install libpcsclite-dev, then npm ci`;
  }
  if (!VPCD_DRIVER.some((p) => existsSync(p)))
    return 'vsmartcard-vpcd is not installed (apt-get install vsmartcard-vpcd)';
  if (await socketAnswers(PCSCD_SOCKET)) return undefined;
  if (!pcscdBinary()) return 'pcscd is not installed (apt-get install pcscd)';
  if (process.getuid?.() !== 0)
    return `pcscd is not running (${PCSCD_SOCKET}) and only root can start it here`;
  return undefined;
}

export interface PcscdHandle {
  /** True when this handle started pcscd (and so will stop it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

/** A pcscd this process started; it stays our child (no daemonising) so we stop exactly it. */
class SpawnedPcscd implements PcscdHandle {
  readonly owned = true;
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString().split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - 50));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const gone = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!gone) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Makes sure pcscd answers; throws with pcscd's own output when it cannot be started. */
export async function ensurePcscd(timeoutMs = 10_000): Promise<PcscdHandle> {
  if (await socketAnswers(PCSCD_SOCKET)) return { owned: false, stop: async () => {} };
  const binary = pcscdBinary();
  if (!binary) throw new Error('pcscd is not installed (apt-get install pcscd)');
  const pcscd = new SpawnedPcscd(spawn(binary, ['--foreground'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let exitCode: number | null | undefined;
  void pcscd.exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`pcscd exited with ${exitCode} at start:\n${pcscd.output.join('\n')}`);
    if (await socketAnswers(PCSCD_SOCKET, 500)) return pcscd;
    await sleep(50);
  }
  await pcscd.stop();
  throw new Error(`pcscd did not open ${PCSCD_SOCKET} within ${timeoutMs} ms:\n${pcscd.output.join('\n')}`);
}

// --- Restarting the machine's pcscd (recovery and unplug tests) -------------------------------

const PCSCD_PID_FILE = '/run/pcscd/pcscd.pid';

/** Why this machine's pcscd cannot be restarted by a test, or undefined if it can. */
export async function pcscdRestartPrerequisite(): Promise<string | undefined> {
  const missing = await pcscdPrerequisite();
  if (missing) return missing;
  if (process.getuid?.() !== 0) return 'restarting pcscd needs root';
  if (!pcscdBinary()) return 'pcscd is not installed (apt-get install pcscd)';
  return undefined;
}

function runningPcscdPid(): number | undefined {
  try {
    const text = readFileSync(PCSCD_PID_FILE, 'latin1').replace(/\0/g, '').trim();
    const pid = Number(text);
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    if (!/^Name:\s*pcscd$/m.test(status) || /^State:\s*Z/m.test(status)) return undefined;
    return pid;
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'latin1'));
  } catch {
    return false;
  }
};

export interface PcscdRestartOptions {
  /**
   * A reader.conf.d folder for `pcscd -c`. An empty folder gives a pcscd without the vpcd reader
   * (how the tests "unplug" it); undefined uses the system's /etc/reader.conf.d.
   */
  configDir?: string;
  timeoutMs?: number;
}

/**
 * Stops the machine's pcscd (by the pid in its pid file) and starts `pcscd` again as a daemon, as
 * a kiosk's systemd would. Only call this holding /tmp/bashgah-pcscd.lock (every pcscd test run
 * does: `flock /tmp/bashgah-pcscd.lock npx vitest run …`). The new daemon is started with every
 * file descriptor above 2 closed: it must not inherit (and hold forever) that lock.
 * Resolves with the time the old pcscd was gone and the new one answered.
 */
export async function restartPcscd(
  options: PcscdRestartOptions = {},
): Promise<{ downAt: number; upAt: number }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const binary = pcscdBinary();
  if (!binary) throw new Error('pcscd is not installed (apt-get install pcscd)');
  const pid = runningPcscdPid();
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (alive(pid)) {
      if (Date.now() > deadline) throw new Error(`pcscd (pid ${pid}) did not stop within ${timeoutMs} ms`);
      await sleep(20);
    }
  }
  const downAt = Date.now();
  const args = options.configDir ? ['-c', options.configDir] : [];
  const closeFds =
    'for f in /proc/$$/fd/*; do n=$(basename "$f"); [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null; done; exec "$@"';
  const child = spawn('/bin/bash', ['-c', closeFds, 'pcscd', binary, ...args], {
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const code = await Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
  if (code !== 0) throw new Error(`pcscd ${args.join(' ')} did not daemonise (exit ${String(code)})`);
  const deadline = Date.now() + timeoutMs;
  while (!(await socketAnswers(PCSCD_SOCKET, 500))) {
    if (Date.now() > deadline)
      throw new Error(`the restarted pcscd did not open ${PCSCD_SOCKET} within ${timeoutMs} ms`);
    await sleep(20);
  }
  return { downAt, upAt: Date.now() };
}
