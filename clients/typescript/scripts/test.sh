#!/bin/sh
# CI entry point of the TypeScript client: install exactly what package-lock.json says,
# build (type check with tsc --strict, declarations, minified ESM bundle) and run the tests
# against a real gateway binary. REALTIME_BIN points to it (default: the workspace's debug
# build); the restart test needs a Redis at REALTIME_TEST_REDIS_URL (default
# redis://127.0.0.1:6379).
set -eu
cd "$(dirname "$0")/.."
REALTIME_BIN="${REALTIME_BIN:-$(pwd)/../../target/debug/realtime}"
export REALTIME_BIN
if [ ! -x "$REALTIME_BIN" ]; then
  echo "no gateway binary at $REALTIME_BIN: build it (cargo build --bin realtime) or set REALTIME_BIN" >&2
  exit 1
fi
npm ci --no-audit --no-fund
npm run build
npm test
