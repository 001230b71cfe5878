#!/usr/bin/env bash
# Load benchmark of POST /v1/is_authorized against the bare hyper baseline
# (../shared/bench), in one run on this machine. Quote the printed ratio.
#
#   bench/run.sh [memory|redis] [compare.sh options, e.g. --rounds 5 --seconds 10]
#
# memory: the in-memory store. redis: a throwaway redis-server on a free port
# (never the shared 6379). The decision is an Owner's SendCampaign on a
# Campaign: a store lookup plus a Cedar evaluation per request.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-redis}
[ $# -gt 0 ] && shift
compare=${TRACKLY_BENCH_COMPARE:-../shared/bench/compare.sh}
cargo build --release -q
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
lua=$tmp/decide.lua
cat >"$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"principal":{"user":"u_bench"},"account":"acct_bench","action":"SendCampaign","resource":{"type":"Campaign","id":"c_1"}}]]
LUA
env_args=(TRACKLY_AUTHZ_LISTEN=127.0.0.1:$port RUST_LOG=${RUST_LOG:-warn})
redis_pid=""
cleanup() { [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
if [ "$store" = redis ]; then
  rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  env_args+=(TRACKLY_AUTHZ_REDIS_URL=redis://127.0.0.1:$rport/)
fi
setup="curl -sf -o /dev/null http://127.0.0.1:$port/v1/accounts -H 'Content-Type: application/json' -d '{\"id\":\"acct_bench\",\"owner\":\"u_bench\"}'"
echo "store: $store"
"$compare" --url "http://127.0.0.1:$port/v1/is_authorized" --lua "$lua" --setup "$setup" "$@" -- \
  env "${env_args[@]}" target/release/trackly-authz
