#!/usr/bin/env bash
# Issue 22 benchmark (not a timed test): peak memory of the release server under anonymous
# uploads to /verify. Starts `pingcha serve` on a scratch SQLite database, then sends
#   1. 20 parallel uploads of the largest document /verify accepts (web::body::VERIFY_FILE_BYTES,
#      hashed as it arrives, never kept), and
#   2. 20 parallel requests of four 60 MB parts each (the attack of finding 4), refused 413
#      once the route's limit is passed,
# and reports the server's resident memory (VmRSS) before, and its peak (VmHWM, from
# /proc/PID/status) after each step. Needs curl. Usage: benches/upload_memory.sh
# (PINGCHA_BENCH_BIN=path runs that binary instead of building the release one.)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${PINGCHA_BENCH_BIN:-}" ]; then
  bin=$PINGCHA_BENCH_BIN
else
  cargo build --release --bin pingcha
  bin=${CARGO_TARGET_DIR:-target}/release/pingcha
fi
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" --database-url "$work/bench.sqlite3" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" >/dev/null || { cat "$work/serve.log"; echo "server did not start" >&2; exit 1; }

memory() { awk -v key="$1:" '$1 == key { print int($2 / 1024) " MB" }' "/proc/$server/status"; }

# The form's CSRF token and its cookie, as a visitor's browser gets them.
curl -s -c "$work/cookies" "$base/verify" >"$work/form.html"
token=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$work/form.html" | head -n 1)

# The largest document accepted: the file limit less a little room (16 MB - 64 KB).
head -c $((16 * 1024 * 1024 - 65536)) /dev/urandom >"$work/largest.pdf"
head -c $((60 * 1024 * 1024)) /dev/zero >"$work/part60.bin"

echo "server pid $server, started: VmRSS $(memory VmRSS), VmHWM $(memory VmHWM)"

upload() { # $1: label; rest: curl form arguments after the token
  local label=$1; shift
  local pids=()
  for i in $(seq 20); do
    curl -s -o /dev/null -w '%{http_code}\n' -b "$work/cookies" -F "csrf=$token" "$@" \
      "$base/verify" >"$work/status.$label.$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  echo "$label: answers $(sort "$work"/status."$label".* | uniq -c | tr -s ' \n' ' '); VmRSS $(memory VmRSS), peak VmHWM $(memory VmHWM)"
}

upload "20 x largest accepted document (16 MB)" -F "code=ABCD-EFGH-JKMN" -F "file=@$work/largest.pdf"
upload "20 x four 60 MB parts" -F "code=ABCD-EFGH-JKMN" -F "a=@$work/part60.bin" -F "b=@$work/part60.bin" \
  -F "c=@$work/part60.bin" -F "d=@$work/part60.bin"
