#!/usr/bin/env bash
# bashgah-update against small fake releases whose "agent" is a tiny Node HTTP server on
# 127.0.0.1: a healthy update switches; a release that never answers, or answers and then dies,
# is rolled back to the previous one, which is healthy again afterwards. No root needed: the
# restart command is BASHGAH_RESTART_CMD (the units use systemctl).
set -euo pipefail
fc=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
update=$fc/bin/bashgah-update
tmp=$(mktemp -d)
pidfile=$tmp/agent.pid

cleanup() {
  if [[ -s $pidfile ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
url=http://127.0.0.1:$port/api/state
export BASHGAH_PREFIX=$tmp/opt BASHGAH_LOCK=$tmp/update.lock BASHGAH_AGENT_ENV=$tmp/none
prefix=$BASHGAH_PREFIX

# make_release NAME MODE: MODE healthy | dead (exits at once) | flaky (answers 2 s, then exits)
make_release() {
  local dir=$tmp/src/$1
  mkdir -p "$dir/device-agent/dist" "$dir/kiosk-ui/dist"
  printf '%s\n' "$1" >"$dir/VERSION"
  echo '<!doctype html><title>kiosk</title>' >"$dir/kiosk-ui/dist/index.html"
  cat >"$dir/device-agent/dist/main.js" <<JS
const mode = '$2';
if (mode === 'dead') { console.error('agent $1: cannot start'); process.exit(1); }
require('node:http').createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ deviceId: 'kiosk-test', release: '$1', online: false }));
}).listen($port, '127.0.0.1');
if (mode === 'flaky') setTimeout(() => process.exit(1), 2000);
JS
}

# The "service manager": stop whatever runs, start current/ in the background.
cat >"$tmp/restart.sh" <<SH
#!/bin/sh
[ -s "$pidfile" ] && kill "\$(cat "$pidfile")" 2>/dev/null
sleep 0.3
node "$prefix/current/device-agent/dist/main.js" >>"$tmp/agent.log" 2>&1 &
echo \$! >"$pidfile"
SH
chmod +x "$tmp/restart.sh"
export BASHGAH_RESTART_CMD=$tmp/restart.sh

running_release() { curl -fsS --max-time 2 "$url" | node -pe 'JSON.parse(require("fs").readFileSync(0)).release'; }
current() { basename "$(readlink "$prefix/current")"; }
previous() { basename "$(readlink "$prefix/previous")"; }

make_release v1 healthy
make_release v2 healthy
make_release v3-dead dead
make_release v4-flaky flaky
tar -C "$tmp/src" -czf "$tmp/v2.tar.gz" v2

opts=(--health-url "$url" --settle 3)

"$update" "${opts[@]}" --no-restart "$tmp/src/v1"
[[ $(current) == v1 ]] || fail "first install: current is $(current)"
"$tmp/restart.sh"
pass "install v1 without restart (provisioning)"

"$update" "${opts[@]}" --timeout 20 "$tmp/v2.tar.gz" || fail "update to v2 failed"
[[ $(current) == v2 && $(previous) == v1 ]] || fail "after v2: current $(current), previous $(previous)"
[[ $(running_release) == v2 ]] || fail "v2 is not the one answering"
[[ $(stat -c %a "$prefix/releases/v2") == 755 ]] || fail "release folder mode $(stat -c %a "$prefix/releases/v2")"
pass "update to v2 from a tarball: switched, healthy, previous = v1"

"$update" "${opts[@]}" --timeout 20 "$tmp/v2.tar.gz" || fail "re-running the same update failed"
[[ $(current) == v2 ]] || fail "idempotent re-run changed current"
pass "same release again: nothing to do"

rc=0
"$update" "${opts[@]}" --timeout 6 "$tmp/src/v3-dead" || rc=$?
[[ $rc == 1 ]] || fail "a dead release should exit 1 (rolled back), got $rc"
[[ $(current) == v2 ]] || fail "dead release not rolled back: current $(current)"
[[ $(running_release) == v2 ]] || fail "after rollback v2 is not answering"
[[ -e $prefix/releases/v3-dead/.failed ]] || fail "dead release not marked failed"
pass "release that never answers /api/state: rolled back to v2, which answers again"

rc=0
"$update" "${opts[@]}" --timeout 8 "$tmp/src/v4-flaky" || rc=$?
[[ $rc == 1 ]] || fail "a flaky release should exit 1 (rolled back), got $rc"
[[ $(current) == v2 && $(running_release) == v2 ]] || fail "flaky release not rolled back"
pass "release that answers and then dies within --settle: rolled back to v2"

"$update" "${opts[@]}" --dry-run --timeout 5 "$tmp/src/v1" >/dev/null 2>&1
[[ $(current) == v2 ]] || fail "dry run changed current"
pass "dry run changes nothing"

"$update" "${opts[@]}" --timeout 20 --force "$tmp/src/v1" || fail "update back to v1 failed"
"$update" "${opts[@]}" --timeout 20 --rollback || fail "rollback failed"
[[ $(current) == v2 && $(running_release) == v2 ]] || fail "--rollback did not return to v2"
pass "--rollback switches to the previous release"

"$update" --list
"$update" --prune --keep 1
[[ ! -e $prefix/releases/v3-dead && ! -e $prefix/releases/v4-flaky ]] || fail "prune kept failed releases"
[[ -d $prefix/releases/v1 && -d $prefix/releases/v2 ]] || fail "prune removed current or previous"
pass "prune keeps current and previous, drops failed releases"
echo "update-rollback: all passed"
