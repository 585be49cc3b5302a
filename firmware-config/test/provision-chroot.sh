#!/usr/bin/env bash
# The provisioning script run for real inside a Debian bookworm root made with debootstrap (a
# stand-in for Raspberry Pi OS Bookworm: same Debian release, systemd, udev, dbus), then checked:
# user, units and their enablement, udev rules, pcscd/polkit/CCID set-up, file modes, symlinks,
# idempotency (a second run changes nothing), the real agent of the installed release serving
# /api/state as the bashgah user with the enrolled device id, and bashgah-update rolling back a
# release whose agent fails its health check.
#
# Needs root, debootstrap and network access to the Debian mirror of /etc/apt/sources*.
# Caches (reruns are fast): $BASHGAH_TEST_CACHE (default /var/cache/bashgah-test) holds the
# debootstrap tarball, downloaded .debs and apt lists.
#
# Usage: provision-chroot.sh [--no-gui] [--keep]   (--keep leaves the root for inspection)
# Env: BASHGAH_REPO (default: this checkout, built with `npm run build`)
set -euo pipefail

fc=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo=${BASHGAH_REPO:-$(cd "$fc/.." && pwd)}
cache=${BASHGAH_TEST_CACHE:-/var/cache/bashgah-test}
suite=bookworm
arch=$(dpkg --print-architecture)
gui_flag=()
keep=0
for a in "$@"; do
  case $a in
    --no-gui) gui_flag=(--no-gui) ;;
    --keep) keep=1 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done

[[ $(id -u) == 0 ]] || { echo "needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }

# The machine's configured Debian mirror (deb822 or one-line format); deb.debian.org otherwise.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[[ -n $mirror ]] || mirror=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

# The Pi OS stand-in: minbase plus what Raspberry Pi OS always has.
base_pkgs=systemd,systemd-sysv,udev,dbus,kmod,procps,ca-certificates
tarball=$cache/debootstrap-$suite-$arch-minbase-$(echo "$base_pkgs" | md5sum | cut -c1-8).tgz

work=$(mktemp -d /var/tmp/bashgah-chroot.XXXXXX)
root=$work/root
stub_pid=""
T0=$SECONDS
step() { printf '\n[%4ss] == %s\n' "$((SECONDS - T0))" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
pass() { printf 'ok - %s\n' "$*"; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

# Stop everything that runs inside the root (only what this test started can), then unmount.
cleanup() {
  local rc=$? p pass_no
  set +e
  [[ -n $stub_pid ]] && kill "$stub_pid" 2>/dev/null
  if [[ -d $root ]]; then
    for pass_no in 1 2 3; do
      for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) == "$root" ]] || continue
        if ((pass_no < 3)); then kill "${p#/proc/}" 2>/dev/null; else kill -9 "${p#/proc/}" 2>/dev/null; fi
      done
      sleep 0.5
    done
    while IFS= read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m"
    done < <(awk -v r="$root" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r)
  fi
  if ((keep)); then echo "root kept at $root"; else rm -rf "$work"; fi
  printf '\nprovision-chroot: %s in %ss\n' "$([[ $rc == 0 ]] && echo PASSED || echo FAILED)" "$((SECONDS - T0))"
  exit "$rc"
}
trap cleanup EXIT

# ------------------------------------------------------------------ the Debian root
mkdir -p "$cache/apt-archives/partial" "$cache/apt-lists/partial"
if [[ ! -s $tarball ]]; then
  step "debootstrap tarball (cold cache): $suite $arch minbase + $base_pkgs from $mirror"
  debootstrap --variant=minbase --arch="$arch" --include="$base_pkgs" \
    --make-tarball="$tarball.tmp" "$suite" "$work/mk" "$mirror" >"$work/debootstrap-mk.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap-mk.log"; fail "debootstrap --make-tarball"; }
  mv "$tarball.tmp" "$tarball"
  rm -rf "$work/mk"
fi
step "debootstrap from $tarball"
debootstrap --variant=minbase --arch="$arch" --include="$base_pkgs" --unpack-tarball="$tarball" \
  "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log"; fail "debootstrap"; }

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
mount --bind "$cache/apt-lists" "$root/var/lib/apt/lists"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Test-harness only (not provisioning): no daemons started by package scripts inside the chroot,
# keep downloaded .debs for the next run, and let dpkg skip fsync and documentation.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/01keep-debs"
printf 'force-unsafe-io\npath-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/locale/*\npath-include=/usr/share/locale/locale.alias\n' \
  >"$root/etc/dpkg/dpkg.cfg.d/01-bashgah-test"

# ------------------------------------------------------------------ release and enrol stub
step "release bundle from $repo"
for f in device-agent/dist/main.js kiosk-ui/dist/index.html; do
  [[ -f $repo/$f ]] || fail "$repo/$f is missing: run 'npm run build' first"
done
"$fc/make-release.sh" --repo "$repo" --version test-1 --dir-only --out "$root/tmp/releases" >/dev/null
du -sh "$root/tmp/releases/bashgah-test-1" | sed 's/^/   release size: /'

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
agent_port=$(free_port)

# The enrol endpoint stub on 127.0.0.1 (the real enrol command is not in the agent yet): it
# accepts the one code once and hands out the device's identity and MQTT credentials.
cat >"$work/enrol-server.mjs" <<'JS'
import http from 'node:http';
import fs from 'node:fs';
const [, , portFile, logFile] = process.argv;
let used = false;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    fs.appendFileSync(logFile, `${req.method} ${req.url} ${body}\n`);
    let code;
    try { code = JSON.parse(body).code; } catch { code = undefined; }
    res.setHeader('content-type', 'application/json');
    if (req.method !== 'POST' || req.url !== '/api/enrol' || code !== 'TEST-CODE-1' || used) {
      res.statusCode = 403;
      return res.end(JSON.stringify({ error: { code: 'bad-code', message: 'unknown or used code' } }));
    }
    used = true;
    res.end(JSON.stringify({
      deviceId: 'kiosk-ci-01', mqttUrl: 'mqtt://127.0.0.1:9', username: 'bashgah-agent-kiosk-ci-01', password: 'p4ss-from-enrol',
    }));
  });
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
JS
# Stand-in for `main.js enrol --server URL --code CODE --out FILE` (docs/fleet.md): same
# arguments, same output, an environment file written 0600.
cat >"$root/tmp/enrol-stub.mjs" <<'JS'
import fs from 'node:fs';
const args = process.argv.slice(2);
const opt = (n) => args[args.indexOf(n) + 1];
if (args[0] !== 'enrol') { console.error('usage: enrol --server URL --code CODE --out FILE'); process.exit(2); }
const res = await fetch(`${opt('--server')}/api/enrol`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: opt('--code') }),
});
if (!res.ok) { console.error(`enrol failed: ${res.status} ${await res.text()}`); process.exit(1); }
const e = await res.json();
fs.writeFileSync(opt('--out'),
  `DEVICE_ID=${e.deviceId}\nMQTT_URL=${e.mqttUrl}\nMQTT_USERNAME=${e.username}\nMQTT_PASSWORD=${e.password}\n`,
  { mode: 0o600 });
console.log(`enrolled; wrote ${opt('--out')}`);
JS
node "$work/enrol-server.mjs" "$work/enrol.port" "$work/enrol.log" &
stub_pid=$!
for _ in $(seq 50); do [[ -s $work/enrol.port ]] && break; sleep 0.1; done
enrol_url=http://127.0.0.1:$(cat "$work/enrol.port")

# ------------------------------------------------------------------ provision, for real
prov=(/tmp/releases/bashgah-test-1/firmware-config/provision.sh --release /tmp/releases/bashgah-test-1
  --api-port "$agent_port" --rotation 90 --touch-rotation 90 --timezone Asia/Tehran "${gui_flag[@]}")

step "provision.sh (first run: packages, user, release, enrol)"
t=$SECONDS
in_root "${prov[@]}" --server "$enrol_url" --code TEST-CODE-1 --enrol-js /tmp/enrol-stub.mjs 2>&1 |
  tee "$work/provision-1.log" | grep -Ev '^(Get:|Selecting|Preparing|Unpacking|Setting up|Processing|\(Reading)' || true
[[ ${PIPESTATUS[0]} == 0 ]] || fail "provision.sh failed"
grep -q 'change(s) made' "$work/provision-1.log" || fail "provision.sh did not finish"
pass "provision.sh first run ($((SECONDS - t))s)"

step "provision.sh again: idempotent"
t=$SECONDS
in_root "${prov[@]}" >"$work/provision-2.log" 2>&1 || { cat "$work/provision-2.log"; fail "second run failed"; }
grep -q '^provision: 0 change(s) made' "$work/provision-2.log" ||
  { cat "$work/provision-2.log"; fail "second run changed something"; }
[[ $(grep -c 'POST /api/enrol' "$work/enrol.log") == 1 ]] || fail "enrolled more than once"
pass "second run: 0 changes, no second enrolment ($((SECONDS - t))s)"

step "provision.sh --dry-run with other options"
in_root "${prov[@]}" --rotation 180 --dry-run >"$work/provision-dry.log" 2>&1 ||
  { cat "$work/provision-dry.log"; fail "dry run failed"; }
grep -q '^+ install .*/etc/bashgah/kiosk.conf' "$work/provision-dry.log" || { cat "$work/provision-dry.log"; fail "dry run does not print the kiosk.conf write"; }
grep -q '^DISPLAY_ROTATION=90$' "$root/etc/bashgah/kiosk.conf" || fail "dry run changed kiosk.conf"
pass "dry run prints the actions and changes nothing"

# ------------------------------------------------------------------ checks
step "checks"
mode() { in_root stat -c '%U:%G %a' "$1"; }
expect_mode() { [[ $(mode "$1") == "$2" ]] || fail "$1 is $(mode "$1"), want $2"; }

IFS=: read -r _ _ uid _ _ home shell < <(in_root getent passwd bashgah) || fail "no bashgah user"
((uid < 1000)) || fail "bashgah is not a system user (uid $uid)"
[[ $home == /var/lib/bashgah && $shell == /usr/sbin/nologin ]] || fail "bashgah home/shell: $home $shell"
! in_root id -nG bashgah | grep -qwE 'sudo|root|adm' || fail "bashgah is in a privileged group"
pass "user bashgah: system uid $uid, nologin, groups: $(in_root id -nG bashgah)"

expect_mode /etc/bashgah/enrolment.env "root:root 600"
grep -q '^DEVICE_ID=kiosk-ci-01$' "$root/etc/bashgah/enrolment.env" || fail "enrolment.env lacks the enrolled device"
expect_mode /etc/bashgah/agent.env "root:root 644"
grep -q "^API_PORT=$agent_port$" "$root/etc/bashgah/agent.env" || fail "agent.env has no API_PORT"
! grep -q 'p4ss' "$root/etc/bashgah/agent.env" || fail "credentials leaked into agent.env"
grep -q '^DISPLAY_ROTATION=90$' "$root/etc/bashgah/kiosk.conf" || fail "kiosk.conf rotation"
expect_mode /var/lib/bashgah "bashgah:bashgah 750"
pass "config: enrolment.env root 0600 with the enrolled identity, agent.env/kiosk.conf 0644, data 0750 bashgah"

[[ $(readlink "$root/opt/bashgah/current") == releases/test-1 ]] || fail "current -> $(readlink "$root/opt/bashgah/current")"
[[ -x $root/opt/bashgah/current/runtime/node && -f $root/opt/bashgah/current/kiosk-ui/dist/index.html ]] ||
  fail "release content"
[[ -z $(find "$root/opt/bashgah" -perm /022 ! -type l -print -quit) ]] || fail "something in /opt/bashgah is group/world-writable"
[[ -z $(find "$root/opt/bashgah" ! -user root -print -quit) ]] || fail "something in /opt/bashgah is not root's"
pass "release: /opt/bashgah/current -> releases/test-1 (relative, atomic), root's, not writable by others"

for u in bashgah-agent.service bashgah-kiosk.service bashgah-housekeeping.service bashgah-housekeeping.timer; do
  expect_mode "/etc/systemd/system/$u" "root:root 644"
done
[[ -L $root/etc/systemd/system/multi-user.target.wants/bashgah-agent.service ]] || fail "agent not enabled"
[[ -L $root/etc/systemd/system/timers.target.wants/bashgah-housekeeping.timer ]] || fail "timer not enabled"
if ((${#gui_flag[@]} == 0)); then
  [[ -L $root/etc/systemd/system/graphical.target.wants/bashgah-kiosk.service ]] || fail "kiosk not enabled"
  [[ $(in_root systemctl get-default) == graphical.target ]] || fail "default target"
  [[ ! -e $root/etc/systemd/system/getty.target.wants/getty@tty1.service ]] || fail "getty@tty1 still enabled"
  in_root dpkg-query -W cage chromium wlr-randr >/dev/null || fail "kiosk packages missing"
  [[ -f $root/etc/chromium/policies/managed/bashgah.json ]] || fail "chromium policy"
  grep -q "http://127.0.0.1:$agent_port/\*" "$root/etc/chromium/policies/managed/bashgah.json" || fail "policy allowlist"
  pass "kiosk: cage + chromium installed, bashgah-kiosk enabled on graphical.target, getty@tty1 off, URL allowlist policy"
fi
in_root dpkg-query -W pcscd libccid libpcsclite1 polkitd systemd-timesyncd curl >/dev/null || fail "packages missing"
[[ -L $root/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service ||
  -L $root/etc/systemd/system/multi-user.target.wants/systemd-timesyncd.service ]] || fail "timesyncd not enabled"
pass "units installed 0644 and enabled; pcscd, libccid, polkitd, timesyncd installed"

out=$(in_root systemd-analyze verify bashgah-agent.service bashgah-kiosk.service bashgah-housekeeping.service \
  bashgah-housekeeping.timer 2>&1) || true
[[ -z $out ]] || { echo "$out"; fail "systemd-analyze verify in the provisioned root"; }
pass "systemd-analyze verify of the installed units: no findings"

rules=$root/etc/udev/rules.d/70-bashgah-printer.rules
expect_mode /etc/udev/rules.d/70-bashgah-printer.rules "root:root 644"
grep -q 'SYMLINK+="bashgah-printer"' "$rules" || fail "no printer symlink rule"
! grep -hE 'MODE="0?6[0-7]6"|MODE="0?[0-7][0-7][2367]"' "$root"/etc/udev/rules.d/*bashgah* || fail "world-writable udev rule"
grep -q 'GROUP="bashgah"' "$rules" || fail "printer rule does not give group bashgah"
grep -q 'LIBINPUT_CALIBRATION_MATRIX}="0 -1 1 1 0 0"' "$root/etc/udev/rules.d/71-bashgah-touch-rotation.rules" ||
  fail "touch rotation rule"
pass "udev: printer rules for group bashgah (0660, none world-writable), /dev/bashgah-printer, touch rotation 90"

for m in pn533_usb pn533 nfc; do grep -qx "blacklist $m" "$root/etc/modprobe.d/bashgah-nfc-blacklist.conf" || fail "$m not blacklisted"; done
grep -q 'subject.user == "bashgah"' "$root/etc/polkit-1/rules.d/50-bashgah-pcscd.rules" || fail "polkit rule"
plist=$root$(in_root readlink -f /usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist)
grep -A1 '<key>ifdDriverOptions</key>' "$plist" | grep -q '<string>0x0001</string>' || fail "ifdDriverOptions not 0x0001 in $plist"
pass "pcscd: nfc/pn533/pn533_usb blacklisted, polkit rule for bashgah, libccid ifdDriverOptions 0x0001"

[[ -f $root/etc/systemd/journald.conf.d/bashgah.conf && -f $root/etc/systemd/system.conf.d/bashgah-watchdog.conf ]] ||
  fail "journald/watchdog conf"
grep -q '^RuntimeWatchdogSec=' "$root/etc/systemd/system.conf.d/bashgah-watchdog.conf" || fail "watchdog"
[[ $(readlink "$root/etc/localtime") == /usr/share/zoneinfo/Asia/Tehran ]] || fail "timezone"
[[ -x $root/usr/local/sbin/bashgah-update && -x $root/usr/local/lib/bashgah/bashgah-agent-run ]] || fail "scripts"
pass "journald limits, hardware watchdog, timezone, bashgah-update installed"

# ------------------------------------------------------------------ the installed agent runs
# As systemd would: both EnvironmentFile= files read as root, then the bashgah user.
step "the installed agent, as bashgah, through bashgah-agent-run"
mkdir -p "$root/run/bashgah-test"
cat >"$root/run/bashgah-test/restart-agent.sh" <<'SH'
#!/bin/sh
# The test's stand-in for `systemctl restart bashgah-agent` (no systemd inside a chroot).
pidfile=/run/bashgah-test/agent.pid
if [ -s $pidfile ]; then
  pid=$(cat $pidfile)
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
set -a; . /etc/bashgah/agent.env; . /etc/bashgah/enrolment.env; set +a
setpriv --reuid=bashgah --regid=bashgah --init-groups /usr/local/lib/bashgah/bashgah-agent-run \
  >>/run/bashgah-test/agent.log 2>&1 9>&- &
echo $! >$pidfile
SH
chmod 0755 "$root/run/bashgah-test/restart-agent.sh"
in_root /run/bashgah-test/restart-agent.sh
state=""
for _ in $(seq 60); do
  state=$(curl -fsS --max-time 2 "http://127.0.0.1:$agent_port/api/state" 2>/dev/null) && break
  sleep 0.5
done
[[ -n $state ]] || { cat "$root/run/bashgah-test/agent.log"; fail "the installed agent did not answer /api/state"; }
echo "   /api/state: $state"
[[ $state == *'"deviceId":"kiosk-ci-01"'* ]] || fail "agent does not use the enrolled device id"
curl -fsS "http://127.0.0.1:$agent_port/" | grep -qi '<html' || fail "agent does not serve the kiosk UI"
[[ -n $(find "$root/var/lib/bashgah/agent" -type f -uid "$uid" -print -quit) ]] || fail "agent wrote no data as bashgah"
pass "agent of the installed release serves /api/state as bashgah with the enrolled id, and the kiosk UI"

# ------------------------------------------------------------------ update and rollback
step "bashgah-update: a release whose agent fails its health check is rolled back"
broken=$root/tmp/releases/bashgah-test-2-broken
cp -al "$root/tmp/releases/bashgah-test-1" "$broken"
echo test-2-broken >"$broken/VERSION.new" && mv "$broken/VERSION.new" "$broken/VERSION"
rm "$broken/device-agent/dist/main.js"
echo 'console.error("test-2-broken: fails on start"); process.exit(1);' >"$broken/device-agent/dist/main.js"
rc=0
in_root BASHGAH_RESTART_CMD=/run/bashgah-test/restart-agent.sh \
  bashgah-update --timeout 15 --settle 3 /tmp/releases/bashgah-test-2-broken || rc=$?
[[ $rc == 1 ]] || fail "bashgah-update should exit 1 (rolled back), got $rc"
[[ $(readlink "$root/opt/bashgah/current") == releases/test-1 ]] || fail "current not rolled back"
[[ $(readlink "$root/opt/bashgah/previous") == releases/test-2-broken ]] || fail "previous should name the failed release"
[[ -e $root/opt/bashgah/releases/test-2-broken/.failed ]] || fail "failed release not marked"
curl -fsS --max-time 3 "http://127.0.0.1:$agent_port/api/state" | grep -q kiosk-ci-01 || fail "agent not healthy after rollback"
pass "broken release installed beside test-1, switched, failed its health check, rolled back; test-1 healthy"

kill "$(cat "$root/run/bashgah-test/agent.pid")" 2>/dev/null || true
step "all checks passed"
