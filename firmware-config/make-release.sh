#!/usr/bin/env bash
# Build a Bashgah kiosk release bundle from a built checkout (run `npm ci && npm run build` first).
#
# A release is everything one kiosk runs, in one folder that bashgah-update can install beside
# the previous one and switch to atomically:
#
#   VERSION                       the release name (also the folder name under /opt/bashgah/releases)
#   runtime/node                  the Node.js binary that built the native modules (same ABI)
#   protocol/, device-agent/      package.json + dist/ of the agent and its contract
#   kiosk-ui/dist/                the built touchscreen app the agent serves
#   node_modules/                 the agent's production dependencies only
#   firmware-config/              this folder: provision.sh, units, rules, bashgah-update
#
# Native modules (sqlite3, usb, nfc-pcsc) are built for the machine that ran `npm ci`, so build
# the release on the kiosk's architecture (arm64 for a Raspberry Pi 4/5 on 64-bit Pi OS).
#
# Usage: make-release.sh [--repo DIR] [--version NAME] [--out DIR] [--dir-only] [--no-runtime]
#   --out DIR      where to write bashgah-<version>-linux-<arch>.tar.gz (default: <repo>/artifacts)
#   --dir-only     leave the unpacked release folder in --out instead of a tarball (tests use it)
#   --no-runtime   do not bundle Node.js; the kiosk then needs nodejs >= 20.19 from its packages
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
version=""
out=""
dir_only=0
runtime=1

die() { printf 'make-release: %s\n' "$*" >&2; exit 1; }

while (($#)); do
  case $1 in
    --repo) repo=$(cd "${2:?--repo needs a folder}" && pwd); shift 2 ;;
    --version) version=${2:?--version needs a name}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --dir-only) dir_only=1; shift ;;
    --no-runtime) runtime=0; shift ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

for f in device-agent/dist/main.js protocol/dist/index.js kiosk-ui/dist/index.html; do
  [[ -f $repo/$f ]] || die "$repo/$f is missing: run 'npm ci && npm run build' first"
done

if [[ -z $version ]]; then
  pkg_version=$(node -p "require('$repo/device-agent/package.json').version")
  sha=$(git -C "$repo" rev-parse --short=8 HEAD 2>/dev/null || echo nogit)
  version="$pkg_version-$(date -u +%Y%m%d%H%M%S)-$sha"
fi
[[ $version =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "version '$version' may hold only letters, digits, . _ + -"

arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
out=${out:-$repo/artifacts}
mkdir -p "$out"
stage=$(mktemp -d "$out/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
rel=$stage/bashgah-$version

mkdir -p "$rel"
printf '%s\n' "$version" >"$rel/VERSION"

# Workspaces the agent needs: package.json (for "type": "module" and exports) and dist/.
for ws in protocol device-agent; do
  mkdir -p "$rel/$ws"
  cp -a "$repo/$ws/package.json" "$repo/$ws/dist" "$rel/$ws/"
  find "$rel/$ws/dist" \( -name '*.test.*' -o -name '*.tsbuildinfo' \) -delete
done
mkdir -p "$rel/kiosk-ui"
cp -a "$repo/kiosk-ui/dist" "$rel/kiosk-ui/"

# Production dependency closure of the agent, exactly as installed by `npm ci` (no network).
# Paths nested inside an already copied package come along with it.
copied=()
while IFS= read -r path; do
  relpath=${path#"$repo"/}
  [[ $relpath == */node_modules/* || $relpath == node_modules/* ]] || continue
  [[ $relpath == node_modules/@bashgah/* ]] && continue
  skip=0
  for c in "${copied[@]}"; do [[ $relpath == "$c"/* ]] && { skip=1; break; }; done
  ((skip)) && continue
  mkdir -p "$rel/$(dirname "$relpath")"
  cp -a "$repo/$relpath" "$rel/$relpath"
  copied+=("$relpath")
done < <(cd "$repo" && npm ls --omit=dev --all --parseable --workspace device-agent 2>/dev/null | sort)
((${#copied[@]} > 10)) || die "npm ls found only ${#copied[@]} dependencies: run 'npm ci' in $repo first"

mkdir -p "$rel/node_modules/@bashgah"
ln -s ../../protocol "$rel/node_modules/@bashgah/protocol"
ln -s ../../device-agent "$rel/node_modules/@bashgah/device-agent"

if ((runtime)); then
  mkdir -p "$rel/runtime"
  cp "$(command -v node)" "$rel/runtime/node"
  chmod 0755 "$rel/runtime/node"
fi

# The appliance config travels with the release, so a kiosk is set up from one tarball.
mkdir -p "$rel/firmware-config"
(cd "$repo/firmware-config" && tar --exclude=./test -cf - .) | tar -C "$rel/firmware-config" -xf -

chmod -R u+rwX,go+rX,go-w "$rel"

if ((dir_only)); then
  rm -rf "${out:?}/bashgah-$version"
  mv "$rel" "$out/"
  printf '%s\n' "$out/bashgah-$version"
else
  tarball=$out/bashgah-$version-linux-$arch.tar.gz
  tar -C "$stage" -czf "$tarball.tmp" "bashgah-$version"
  mv "$tarball.tmp" "$tarball"
  printf '%s\n' "$tarball"
fi
