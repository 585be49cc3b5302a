/**
 * firmware-config (the Raspberry Pi appliance set-up) under the root `npm test`:
 *  - shellcheck on every script and `systemd-analyze verify` on every unit (firmware-config/test/lint.sh);
 *  - bashgah-update against fake releases: a release that fails its health check is rolled back
 *    (firmware-config/test/update-rollback.sh; no root needed);
 *  - provision.sh run for real inside a Debian bookworm root made with debootstrap, then checked
 *    (firmware-config/test/provision-chroot.sh; root, debootstrap and the Debian mirror needed).
 * In CI (CI=true) each must run and fails when its tools are missing; elsewhere it is skipped with
 * the reason. The shell scripts print every check, so a failure shows its own output.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inCi, shouldRun } from './services.js';

const FC = fileURLToPath(new URL('../../firmware-config/', import.meta.url));

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin')
    .split(delimiter)
    .concat(['/usr/sbin', '/sbin'])
    .some((dir) => {
      try {
        accessSync(join(dir, cmd), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

function missing(cmds: string[], extra?: () => string | undefined): string | undefined {
  const absent = cmds.filter((c) => !onPath(c));
  if (absent.length) return `missing ${absent.join(', ')} (apt-get install ${absent.join(' ')})`;
  return extra?.();
}

interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

/** Runs a script, collecting stdout+stderr; kills its whole process group on timeout. */
function runScript(script: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('bash', [join(FC, script), ...args], {
      cwd: FC,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => {
      output += `\n[test] ${script} timed out after ${timeoutMs / 1000}s; stopping it (SIGTERM lets it clean up)\n`;
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

function expectPassed(run: Run, name: string): void {
  if (run.code !== 0) console.log(run.output);
  else
    console.log(
      `[${name}] passed in ${run.seconds}s\n${run.output
        .split('\n')
        .filter((l) => l.startsWith('ok'))
        .join('\n')}`,
    );
  expect(run.code, `${name} failed; its output is above`).toBe(0);
}

const lintMissing = missing(['shellcheck', 'systemd-analyze']);
describe.runIf(shouldRun('firmware-config lint', lintMissing))('firmware-config: scripts and units', () => {
  it('shellcheck is clean on every script and systemd-analyze verify on every unit', async () => {
    if (lintMissing && inCi) throw new Error(`this test must run in CI, but ${lintMissing}`);
    expectPassed(await runScript('test/lint.sh', [], 120_000), 'lint');
  }, 150_000);
});

const updateMissing = missing(['bash', 'curl', 'flock', 'tar']);
describe.runIf(shouldRun('bashgah-update', updateMissing))('firmware-config: bashgah-update', () => {
  it('installs beside, switches atomically, and rolls back a release that fails its health check', async () => {
    if (updateMissing && inCi) throw new Error(`this test must run in CI, but ${updateMissing}`);
    expectPassed(await runScript('test/update-rollback.sh', [], 180_000), 'update-rollback');
  }, 200_000);
});

const chrootMissing = missing(['debootstrap', 'chroot', 'mount'], () =>
  process.getuid?.() === 0 ? undefined : 'not root (debootstrap, chroot and mounts need it)',
);
describe.runIf(shouldRun('provisioning in a debootstrap root', chrootMissing))(
  'firmware-config: provision.sh in a Debian bookworm root',
  () => {
    // Slow on purpose: it builds a Debian root and installs the kiosk's packages (pcscd, libccid,
    // cage, Chromium) from the Debian mirror. Warm caches (/var/cache/bashgah-test): about 2-3 min;
    // cold: a few more. Capped at 15 min so a hung mirror cannot eat the CI budget.
    it(
      'provisions for real; units, udev, user, modes, symlinks, agent, rollback all check out',
      async () => {
        if (chrootMissing && inCi) throw new Error(`this test must run in CI, but ${chrootMissing}`);
        expectPassed(await runScript('test/provision-chroot.sh', [], 14 * 60_000), 'provision-chroot');
      },
      15 * 60_000,
    );
  },
);
