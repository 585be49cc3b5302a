/**
 * pcscd for tests and benchmarks: use the running one when its socket answers (CI's .ci/run and a
 * kiosk's systemd start it), otherwise start `pcscd --foreground` as our own child and stop
 * exactly that one afterwards. `pcscdPrerequisite` tells why the real NFC path cannot run here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const PCSCD_SOCKET = process.env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
const VPCD_DRIVER = ['/etc/reader.conf.d/vpcd', '/usr/lib/pcsc/drivers/serial/libifdvpcd.so'];
const PCSCD_PATHS = ['/usr/sbin/pcscd', '/usr/local/sbin/pcscd', '/sbin/pcscd'];

export function socketAnswers(path: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

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
