#!/usr/bin/env bash
# provision.sh: turn a fresh Raspberry Pi OS Bookworm (64-bit) into a Bashgah kiosk appliance.
#
#   sudo ./provision.sh --server https://club.example.com --code ABCD-1234
#
# Run it from an unpacked release (bashgah-<version>/firmware-config/provision.sh): the release it
# sits in is installed. It is idempotent: run it again to apply changed options or a newer
# firmware-config; it changes only what differs and never enrols twice (see --re-enrol).
#
# Options:
#   --server URL          central server for enrolment (needed on the first run)
#   --code CODE           one-time enrolment code from the operator console (first run)
#   --release PATH        release folder or bashgah-*.tar.gz (default: the release holding this script)
#   --rotation DEG        display rotation 0|90|180|270 clockwise (default 0)
#   --touch-rotation DEG  touchscreen rotation 0|90|180|270 (default 0; set it when touches land
#                         in the wrong place after rotating the display)
#   --output NAME         display output to rotate, e.g. HDMI-A-1 or DSI-1 (default: all)
#   --api-port PORT       the agent's local API and kiosk UI port on 127.0.0.1 (default 8080)
#   --timezone ZONE       e.g. Asia/Tehran (default: leave as is)
#   --ntp "SERVERS"       NTP servers for systemd-timesyncd (default: the distribution's)
#   --read-only-root      Raspberry Pi only: overlayfs root (raspi-config), writes go to RAM
#   --data-partition LBL  mount the ext4 partition labelled LBL on /var/lib/bashgah (writable data)
#   --auto-updates        install unattended-upgrades for security updates
#   --no-gui              agent only: no cage/Chromium kiosk screen (headless or CI)
#   --platform pi|generic default: detected from /proc/device-tree/model
#   --no-enrol            do not enrol now (the agent stays stopped until /etc/bashgah/enrolment.env exists)
#   --re-enrol            enrol again with a new --code even though the device is enrolled
#   --enrol-js FILE       run FILE instead of the agent's main.js for the enrol command (tests)
#   --dry-run             print every action, change nothing
#   -h, --help
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Install locations (fixed: the systemd units name them).
PREFIX=/opt/bashgah
ETC=/etc/bashgah
LIBEXEC=/usr/local/lib/bashgah
DATA=/var/lib/bashgah
USER_NAME=bashgah

server="" code="" release="" rotation="" touch_rotation="" output="" api_port="" timezone="" ntp=""
read_only_root=0 data_partition="" auto_updates=0 gui=1 platform="" enrol=1 re_enrol=0 enrol_js=""
dry_run=0
changes=0

log() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
warn() { printf 'provision: warning: %s\n' "$*" >&2; }
die() { printf 'provision: %s\n' "$*" >&2; exit 1; }
changed() { changes=$((changes + 1)); }

# Every change goes through run (or install_file): printed always, executed unless --dry-run.
run() {
  printf '+ %s\n' "$*"
  ((dry_run)) || "$@"
}

usage() { sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --server) server=${2:?--server needs a URL}; shift 2 ;;
    --code) code=${2:?--code needs the enrolment code}; shift 2 ;;
    --release) release=${2:?--release needs a path}; shift 2 ;;
    --rotation) rotation=${2:?}; shift 2 ;;
    --touch-rotation) touch_rotation=${2:?}; shift 2 ;;
    --output) output=${2:?}; shift 2 ;;
    --api-port) api_port=${2:?}; shift 2 ;;
    --timezone) timezone=${2:?}; shift 2 ;;
    --ntp) ntp=${2:?}; shift 2 ;;
    --read-only-root) read_only_root=1; shift ;;
    --data-partition) data_partition=${2:?}; shift 2 ;;
    --auto-updates) auto_updates=1; shift ;;
    --no-gui) gui=0; shift ;;
    --platform) platform=${2:?}; shift 2 ;;
    --no-enrol) enrol=0; shift ;;
    --re-enrol) re_enrol=1; shift ;;
    --enrol-js) enrol_js=${2:?}; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

for r in "$rotation" "$touch_rotation"; do
  [[ -z $r || $r =~ ^(0|90|180|270)$ ]] || die "rotations are 0, 90, 180 or 270 (got '$r')"
done
[[ -z $api_port || ($api_port =~ ^[0-9]+$ && api_port -ge 1 && api_port -le 65535) ]] ||
  die "--api-port must be 1-65535"
[[ -z $timezone || -f /usr/share/zoneinfo/$timezone ]] || die "unknown time zone '$timezone'"
[[ -z $data_partition || $data_partition =~ ^[A-Za-z0-9_-]+$ ]] || die "bad partition label '$data_partition'"
[[ -z $server || $server =~ ^https?:// ]] || die "--server must be an http(s):// URL"
((dry_run)) || [[ $(id -u) == 0 ]] || die "run as root (sudo), or with --dry-run to see what it would do"

if [[ -z $platform ]]; then
  if grep -qs 'Raspberry Pi' /proc/device-tree/model; then platform=pi; else platform=generic; fi
fi
[[ $platform == pi || $platform == generic ]] || die "--platform is pi or generic"

if [[ -z $release ]]; then
  [[ -f $here/../VERSION ]] || die "not inside a release folder: name one with --release"
  release=$(cd "$here/.." && pwd)
fi
[[ -e $release ]] || die "release not found: $release"

systemd_running() { [[ -d /run/systemd/system ]]; }

# ---------------------------------------------------------------- helpers for files

owner_of() { stat -c '%U:%G %a' "$1" 2>/dev/null || true; }

# install_file SRC DEST MODE [OWNER] [GROUP]: copy only when content, mode or owner differ.
# Sets the global last_changed to 1 when it changed something.
last_changed=0
install_file() {
  local src=$1 dest=$2 mode=$3 user=${4:-root} group=${5:-root} want
  want="$user:$group $(printf '%o' "$((8#$mode))")"
  last_changed=0
  if [[ -f $dest ]] && cmp -s "$src" "$dest" && [[ $(owner_of "$dest") == "$want" ]]; then
    return 0
  fi
  run install -D -m "$mode" -o "$user" -g "$group" "$src" "$dest"
  last_changed=1
  changed
}

# write_file DEST MODE [OWNER] [GROUP] < content
write_file() {
  local tmp
  tmp=$(mktemp)
  cat >"$tmp"
  install_file "$tmp" "$@"
  rm -f "$tmp"
}

# conf_get FILE KEY DEFAULT: the value of KEY=value in an env-style file, or DEFAULT.
conf_get() {
  local v
  v=$(sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -n 1)
  v=${v#\"}
  v=${v%\"}
  printf '%s' "${v:-$3}"
}

ensure_dir() { # DIR MODE OWNER GROUP
  local want
  want="$3:$4 $(printf '%o' "$((8#$2))")"
  [[ -d $1 && $(owner_of "$1") == "$want" ]] && return 0
  run install -d -m "$2" -o "$3" -g "$4" "$1"
  changed
}

# Append LINE to FILE unless a line matching REGEX is there.
ensure_line() { # FILE REGEX LINE
  grep -Eqs -- "$2" "$1" && return 0
  printf '+ append %q to %s\n' "$3" "$1"
  ((dry_run)) || printf '%s\n' "$3" >>"$1"
  changed
}

# ---------------------------------------------------------------- 1. packages

pkg_installed() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed; }
pkg_available() { apt-cache show --no-all-versions "$1" >/dev/null 2>&1; }

release_has_runtime() {
  if [[ -d $release ]]; then [[ -x $release/runtime/node ]]; else tar -tzf "$release" | grep -q '^[^/]*/runtime/node$'; fi
}

install_packages() {
  log "packages"
  local want=(ca-certificates curl kmod udev dbus systemd libpam-systemd polkitd
    pcscd libccid libpcsclite1 usbutils)
  # timesyncd unless another NTP client is in charge.
  if ! pkg_installed chrony && ! pkg_installed ntp && ! pkg_installed ntpsec; then
    want+=(systemd-timesyncd)
  fi
  if ((gui)); then
    want+=(cage wlr-randr fonts-dejavu-core)
    want+=(CHROMIUM)
  fi
  release_has_runtime || want+=(nodejs)
  ((auto_updates)) && want+=(unattended-upgrades apt-listchanges)
  [[ $platform == pi ]] && want+=(raspi-config)

  local missing=() p updated=0
  for p in "${want[@]}"; do
    if [[ $p == CHROMIUM ]]; then
      # Raspberry Pi OS has shipped it as chromium-browser; Debian as chromium.
      if pkg_installed chromium || pkg_installed chromium-browser; then continue; fi
      if [[ $platform == pi ]] && ! pkg_available chromium && pkg_available chromium-browser; then
        p=chromium-browser
      else
        p=chromium
      fi
    fi
    pkg_installed "$p" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    note "all installed: ${want[*]/CHROMIUM/chromium}"
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  run apt-get update -q && updated=1
  ((updated || dry_run)) || die "apt-get update failed"
  run apt-get install -y -q --no-install-recommends "${missing[@]}"
  changed
}

check_node() {
  release_has_runtime && return 0
  ((dry_run)) && return 0
  local v
  v=$(node -p 'process.versions.node' 2>/dev/null) || die "nodejs is not installed"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    die "the release bundles no Node.js and this system's is $v (< 20.19): use a release made with the runtime (make-release.sh), or install Node.js 20 from NodeSource (docs/INSTALL.md)"
}

# ---------------------------------------------------------------- 2. user and folders

setup_user() {
  log "user $USER_NAME"
  if id -u "$USER_NAME" >/dev/null 2>&1; then
    note "exists: $(id "$USER_NAME")"
  else
    run useradd --system --user-group --home-dir "$DATA" --no-create-home \
      --shell /usr/sbin/nologin --comment "Bashgah kiosk" "$USER_NAME"
    changed
  fi
  # GPU access for the kiosk screen; input and display also come from the logind session.
  local g
  for g in video render; do
    getent group "$g" >/dev/null || continue
    id -nG "$USER_NAME" 2>/dev/null | tr ' ' '\n' | grep -qx "$g" && continue
    run usermod -aG "$g" "$USER_NAME"
    changed
  done
  ensure_dir "$ETC" 0755 root root
  ensure_dir "$PREFIX" 0755 root root
  ensure_dir "$PREFIX/releases" 0755 root root
  ensure_dir "$LIBEXEC" 0755 root root
  if id -u "$USER_NAME" >/dev/null 2>&1 || ((!dry_run)); then
    ensure_dir "$DATA" 0750 "$USER_NAME" "$USER_NAME"
    ensure_dir "$DATA/agent" 0750 "$USER_NAME" "$USER_NAME"
  fi
}

# ---------------------------------------------------------------- 3. scripts and release

install_scripts() {
  log "scripts"
  local f
  for f in bashgah-agent-run bashgah-kiosk-session bashgah-kiosk-browser bashgah-housekeeping; do
    install_file "$here/bin/$f" "$LIBEXEC/$f" 0755
  done
  install_file "$here/bin/bashgah-update" /usr/local/sbin/bashgah-update 0755
}

install_release() {
  log "release"
  local update=/usr/local/sbin/bashgah-update before after
  ((dry_run)) && update=$here/bin/bashgah-update
  before=$(readlink "$PREFIX/current" 2>/dev/null || true)
  local args=(--prefix "$PREFIX" --no-restart)
  ((dry_run)) && args+=(--dry-run)
  run "$update" "${args[@]}" "$release" || die "installing the release failed"
  after=$(readlink "$PREFIX/current" 2>/dev/null || true)
  [[ $before == "$after" ]] || { changed; release_switched=1; }
  note "current -> ${after:-(dry run)}"
}
release_switched=0

# ---------------------------------------------------------------- 4. configuration

write_config() {
  log "configuration in $ETC"
  local env=$ETC/agent.env kiosk=$ETC/kiosk.conf port
  port=${api_port:-$(conf_get "$env" API_PORT 8080)}
  write_file "$env" 0644 <<EOF
# Bashgah agent settings (EnvironmentFile= of bashgah-agent.service). Written by provision.sh;
# edits survive a re-run unless the matching option is given. Device id and MQTT credentials come
# from the enrolment file $ETC/enrolment.env (mode 0600, written by the agent's enrol command),
# the unit's second EnvironmentFile=.
API_HOST=127.0.0.1
API_PORT=$port
DATA_DIR=$(conf_get "$env" DATA_DIR "$DATA/agent")
READER=$(conf_get "$env" READER pcsc)
KIOSK_UI_DIR=$PREFIX/current/kiosk-ui/dist
LOG_LEVEL=$(conf_get "$env" LOG_LEVEL info)
NODE_ENV=production
EOF
  agent_env_changed=$last_changed

  write_file "$kiosk" 0644 <<EOF
# Bashgah kiosk screen settings (EnvironmentFile= of bashgah-kiosk.service), written by provision.sh.
KIOSK_URL=http://127.0.0.1:$port/
DISPLAY_ROTATION=${rotation:-$(conf_get "$kiosk" DISPLAY_ROTATION 0)}
TOUCH_ROTATION=${touch_rotation:-$(conf_get "$kiosk" TOUCH_ROTATION 0)}
DISPLAY_OUTPUT=${output:-$(conf_get "$kiosk" DISPLAY_OUTPUT "")}
EOF
  kiosk_conf_changed=$last_changed
  kiosk_port=$port
}
agent_env_changed=0
kiosk_conf_changed=0
kiosk_port=8080

# ---------------------------------------------------------------- 5. enrolment

# The one call of the agent's enrol command (docs/fleet.md): it writes an environment file with
# DEVICE_ID, MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD (and MQTT_CA_FILE). Adjust here if it changes.
enrol_device() { # SERVER CODE OUT
  local node=$PREFIX/current/runtime/node js=${enrol_js:-$PREFIX/current/device-agent/dist/main.js}
  [[ -x $node ]] || node=node
  printf '+ %s %s enrol --server %s --code **** --out %s\n' "$node" "$js" "$1" "$3"
  ((dry_run)) && return 0
  (umask 077 && "$node" "$js" enrol --server "$1" --code "$2" --out "$3")
}

enrol() {
  log "enrolment"
  local out=$ETC/enrolment.env tmp=$ETC/.enrolment.env.new
  if [[ -s $out && $re_enrol == 0 ]]; then
    note "already enrolled ($out); --re-enrol with a new --code to replace it"
  elif ((!enrol)); then
    note "skipped (--no-enrol): the agent starts once $out exists"
    return 0
  else
    [[ -n $server && -n $code ]] || die "not enrolled yet: give --server URL and --code CODE (or --no-enrol)"
    ((dry_run)) || rm -f "$tmp"
    enrol_device "$server" "$code" "$tmp" || { rm -f "$tmp"; die "enrolment failed (is the code right and unused?)"; }
    if ((!dry_run)); then
      grep -q '^DEVICE_ID=' "$tmp" || die "the enrol command wrote no DEVICE_ID to $tmp"
      chown root:root "$tmp"
      chmod 0600 "$tmp"
      mv -f "$tmp" "$out"
      # The broker's CA certificate (written beside it when the server sends one) is public, and
      # the agent reads it as bashgah.
      [[ -f $ETC/mqtt-ca.pem ]] && chmod 0644 "$ETC/mqtt-ca.pem"
    fi
    changed
    enrolled_now=1
  fi
  # Whoever wrote it: root's, 0600. systemd reads it as root (EnvironmentFile=) for the agent.
  if [[ -e $out && $(owner_of "$out") != "root:root 600" ]]; then
    run chown root:root "$out"
    run chmod 0600 "$out"
    changed
  fi
}
enrolled_now=0

# ---------------------------------------------------------------- 6. system files

install_system_files() {
  log "systemd units, udev, pcscd, polkit, journald"
  local u units_changed=0 t
  for u in bashgah-agent.service bashgah-kiosk.service bashgah-housekeeping.service bashgah-housekeeping.timer; do
    install_file "$here/systemd/$u" "/etc/systemd/system/$u" 0644
    ((last_changed)) && units_changed=1
  done
  install_file "$here/conf/journald.conf" /etc/systemd/journald.conf.d/bashgah.conf 0644
  journald_changed=$last_changed
  install_file "$here/conf/watchdog.conf" /etc/systemd/system.conf.d/bashgah-watchdog.conf 0644
  install_file "$here/conf/logind.conf" /etc/systemd/logind.conf.d/bashgah.conf 0644
  install_file "$here/conf/pam-bashgah-kiosk" /etc/pam.d/bashgah-kiosk 0644
  install_file "$here/udev/70-bashgah-printer.rules" /etc/udev/rules.d/70-bashgah-printer.rules 0644
  udev_changed=$last_changed
  install_file "$here/modprobe/bashgah-nfc-blacklist.conf" /etc/modprobe.d/bashgah-nfc-blacklist.conf 0644
  blacklist_changed=$last_changed
  install_file "$here/polkit/50-bashgah-pcscd.rules" /etc/polkit-1/rules.d/50-bashgah-pcscd.rules 0644

  # Touch rotation: a libinput calibration matrix for every touchscreen.
  local tr
  tr=$(conf_get "$ETC/kiosk.conf" TOUCH_ROTATION "${touch_rotation:-0}")
  ((dry_run)) && tr=${touch_rotation:-$tr}
  local matrix=""
  case $tr in
    90) matrix="0 -1 1 1 0 0" ;;
    180) matrix="-1 0 1 0 -1 1" ;;
    270) matrix="0 1 0 -1 0 1" ;;
  esac
  if [[ -n $matrix ]]; then
    write_file /etc/udev/rules.d/71-bashgah-touch-rotation.rules 0644 <<EOF
# Written by provision.sh from TOUCH_ROTATION=$tr in $ETC/kiosk.conf.
SUBSYSTEM=="input", KERNEL=="event*", ENV{ID_INPUT_TOUCHSCREEN}=="1", ENV{LIBINPUT_CALIBRATION_MATRIX}="$matrix"
EOF
    ((last_changed)) && udev_changed=1
  elif [[ -e /etc/udev/rules.d/71-bashgah-touch-rotation.rules ]]; then
    run rm -f /etc/udev/rules.d/71-bashgah-touch-rotation.rules
    changed
    udev_changed=1
  fi

  if ((gui)); then
    for t in /etc/chromium/policies/managed /etc/chromium-browser/policies/managed; do
      write_file "$t/bashgah.json" 0644 \
        < <(sed "s|@KIOSK_ORIGIN@|http://127.0.0.1:$kiosk_port/*|" "$here/conf/chromium-policy.json")
    done
  fi

  if [[ -n $ntp ]]; then
    write_file /etc/systemd/timesyncd.conf.d/bashgah.conf 0644 <<EOF
[Time]
NTP=$ntp
EOF
  fi
  units_changed_any=$units_changed
}
units_changed_any=0
journald_changed=0
udev_changed=0
blacklist_changed=0

# libccid's escape commands (buzzer, LED, ACR122U pseudo-APDUs through SCardControl) are off by
# default; bit 0x0001 of ifdDriverOptions in the CCID driver's Info.plist turns them on. Debian
# keeps the file as a conffile in /etc/libccid_Info.plist (the bundle's Info.plist links to it).
ccid_escape() {
  log "libccid escape commands (ifdDriverOptions 0x0001)"
  local plist
  for plist in /etc/libccid_Info.plist /usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist \
    /usr/lib/*/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist; do
    [[ -e $plist ]] && break
  done
  if [[ ! -e $plist ]]; then
    ((dry_run)) && { note "libccid not installed yet: would set ifdDriverOptions to 0x0001"; return 0; }
    die "libccid's Info.plist not found"
  fi
  plist=$(readlink -f "$plist")
  local current
  current=$(grep -A1 '<key>ifdDriverOptions</key>' "$plist" | sed -n 's/.*<string>\(0x[0-9A-Fa-f]*\)<\/string>.*/\1/p')
  if [[ -z $current ]]; then
    die "no ifdDriverOptions in $plist"
  fi
  local want
  want=$(printf '0x%04X' "$((current | 0x0001))")
  if [[ $current == "$want" ]]; then
    note "$plist: ifdDriverOptions is $current"
    return 0
  fi
  run sed -i "/<key>ifdDriverOptions<\/key>/{n;s/<string>0x[0-9A-Fa-f]*<\/string>/<string>$want<\/string>/}" "$plist"
  changed
  ccid_changed=1
}
ccid_changed=0

# ---------------------------------------------------------------- 7. appliance settings

appliance_settings() {
  log "appliance settings ($platform)"
  if [[ -n $timezone && $(readlink /etc/localtime 2>/dev/null) != "/usr/share/zoneinfo/$timezone" ]]; then
    run ln -sfn "/usr/share/zoneinfo/$timezone" /etc/localtime
    write_file /etc/timezone 0644 < <(printf '%s\n' "$timezone")
  fi

  if [[ $platform == pi ]]; then
    local boot=/boot/firmware
    [[ -f $boot/cmdline.txt ]] || boot=/boot
    # Screen blanking off on the console; cage itself never blanks.
    if ! grep -qs 'consoleblank=0' "$boot/cmdline.txt"; then
      run sed -i '1 s/$/ consoleblank=0/' "$boot/cmdline.txt"
      changed
    fi
    # Hardware watchdog (bcm2835_wdt), fed by systemd (RuntimeWatchdogSec).
    ensure_line "$boot/config.txt" '^dtparam=watchdog=on' 'dtparam=watchdog=on'
    if ((read_only_root)); then
      if grep -qs 'overlayroot=tmpfs' "$boot/cmdline.txt"; then
        note "read-only root: already enabled"
      else
        run raspi-config nonint do_overlayfs 0
        changed
        note "read-only root takes effect after a reboot"
      fi
    fi
  else
    note "not a Raspberry Pi: cmdline.txt/config.txt (consoleblank, watchdog dtparam) skipped"
    ((read_only_root)) && warn "--read-only-root is supported on Raspberry Pi OS only (raspi-config overlayfs): skipped"
  fi

  if [[ -n $data_partition ]]; then
    ensure_line /etc/fstab "^LABEL=${data_partition}[[:space:]]" \
      "LABEL=$data_partition $DATA ext4 defaults,noatime,nofail,x-systemd.device-timeout=10s 0 2"
  fi

  if ((auto_updates)); then
    write_file /etc/apt/apt.conf.d/20auto-upgrades 0644 <<'EOF'
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
APT::Periodic::AutocleanInterval "7";
EOF
    write_file /etc/apt/apt.conf.d/52bashgah-unattended-upgrades 0644 <<'EOF'
// Security updates only; reboot at night if one needs it (the kiosk comes back by itself).
Unattended-Upgrade::Origins-Pattern {
  "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
  "origin=Raspbian,codename=${distro_codename},label=Raspbian";
  "origin=Raspberry Pi Foundation,codename=${distro_codename},label=Raspberry Pi Foundation";
};
Unattended-Upgrade::Automatic-Reboot "true";
Unattended-Upgrade::Automatic-Reboot-Time "04:00";
Unattended-Upgrade::Remove-Unused-Dependencies "true";
EOF
  fi
}

# ---------------------------------------------------------------- 8. services

enable_unit() {
  local state
  state=$(systemctl is-enabled "$1" 2>/dev/null || true)
  [[ $state == enabled ]] && return 0
  run systemctl enable "$1"
  changed
}

services() {
  log "services"
  enable_unit bashgah-agent.service
  enable_unit bashgah-housekeeping.timer
  if pkg_installed systemd-timesyncd; then enable_unit systemd-timesyncd.service; fi
  if ((gui)); then
    enable_unit bashgah-kiosk.service
    if [[ $(systemctl is-enabled getty@tty1.service 2>/dev/null || true) == enabled ]]; then
      run systemctl disable getty@tty1.service
      changed
    fi
    if [[ $(systemctl get-default 2>/dev/null || true) != graphical.target ]]; then
      run systemctl set-default graphical.target
      changed
    fi
  else
    if [[ $(systemctl is-enabled bashgah-kiosk.service 2>/dev/null || true) == enabled ]]; then
      run systemctl disable bashgah-kiosk.service
      changed
    fi
  fi

  if ! systemd_running; then
    note "systemd is not running here (chroot or image build): services start at the next boot"
    return 0
  fi
  run systemctl daemon-reload
  if ((udev_changed)); then
    run udevadm control --reload
    run udevadm trigger --subsystem-match=usb --subsystem-match=usbmisc --subsystem-match=input
  fi
  if ((blacklist_changed)); then
    run modprobe -r pn533_usb pn533 nfc 2>/dev/null || true
  fi
  ((ccid_changed)) && run systemctl restart pcscd.service
  ((journald_changed)) && run systemctl restart systemd-journald.service
  if [[ -e $ETC/enrolment.env ]]; then
    if ((release_switched || enrolled_now || agent_env_changed || units_changed_any)); then
      run systemctl restart bashgah-agent.service
    else
      run systemctl start bashgah-agent.service
    fi
  fi
  if ((gui)); then
    if ((kiosk_conf_changed || units_changed_any)); then
      run systemctl restart bashgah-kiosk.service
    else
      run systemctl start bashgah-kiosk.service
    fi
  fi
}

# ---------------------------------------------------------------- main

((dry_run)) && printf 'provision: dry run: printing every action, changing nothing\n'
printf 'provision: release %s, platform %s, gui %s\n' "$release" "$platform" "$([[ $gui == 1 ]] && echo on || echo off)"

install_packages
check_node
setup_user
install_scripts
install_release
write_config
enrol
install_system_files
ccid_escape
appliance_settings
services

log "done"
if ((dry_run)); then
  printf 'provision: %d change(s) would be made\n' "$changes"
else
  printf 'provision: %d change(s) made\n' "$changes"
  [[ -e $ETC/enrolment.env ]] || note "not enrolled: run again with --server and --code"
  note "check: systemctl status bashgah-agent; curl -s http://127.0.0.1:$kiosk_port/api/state"
fi
