#!/usr/bin/env bash
# Runs shellcheck on every shell script in firmware-config/ and `systemd-analyze verify` on every unit.
# The units are verified in a scratch root that holds the system's own units and our scripts at
# their installed paths, so verify also checks that every ExecStart= exists and is executable.
# Any output from systemd-analyze counts as a failure (it warns without failing on unknown keys).
set -euo pipefail
fc=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
status=0

mapfile -t scripts < <(cd "$fc" && grep -rlE '^#!(/usr/bin/env bash|/bin/bash|/bin/sh|/usr/bin/env sh)' . | sort)
echo "shellcheck ($(shellcheck --version | sed -n 's/^version: //p')): ${#scripts[@]} scripts"
if (cd "$fc" && shellcheck -x "${scripts[@]}"); then
  printf '  ok %s\n' "${scripts[@]}"
else
  status=1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/local/lib/bashgah" "$root/usr/local/sbin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "$fc"/bin/* "$root/usr/local/lib/bashgah/"
cp "$fc"/systemd/* "$root/etc/systemd/system/"
mapfile -t units < <(cd "$fc/systemd" && ls)
echo "systemd-analyze verify ($(systemctl --version | head -n 1)): ${units[*]}"
out=$(systemd-analyze verify --root="$root" "${units[@]}" 2>&1) || status=1
if [[ -n $out ]]; then
  printf '%s\n' "$out"
  status=1
else
  echo "  ok: no findings"
fi
exit "$status"
