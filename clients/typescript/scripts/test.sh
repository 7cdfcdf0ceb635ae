#!/bin/sh
# CI entry point of the TypeScript client: install exactly what package-lock.json says,
# build (type check with tsc --strict, declarations, minified ESM bundle) and run the tests
# against a real gateway binary. REALTIME_BIN points to it (default: the workspace's debug
# build); the restart test needs a Redis at REALTIME_TEST_REDIS_URL (default
# redis://127.0.0.1:6379). The browser tests (test/browser: the React hook and the plain
# client in headless Chromium) need Chromium at CHROMIUM_BIN (default /usr/bin/chromium,
# Debian's `chromium` package), an application's command line at REALTIME_APP_BIN (default:
# the workspace's debug build of realtime-cli/examples/app_cli.rs), and ajv from
# tests/js/node_modules for the generated validators (installed here with `npm ci` when absent).
set -eu
cd "$(dirname "$0")/.."
REALTIME_BIN="${REALTIME_BIN:-$(pwd)/../../target/debug/realtime}"
export REALTIME_BIN
if [ ! -x "$REALTIME_BIN" ]; then
  echo "no gateway binary at $REALTIME_BIN: build it (cargo build --bin realtime) or set REALTIME_BIN" >&2
  exit 1
fi
REALTIME_APP_BIN="${REALTIME_APP_BIN:-$(pwd)/../../target/debug/examples/app_cli}"
export REALTIME_APP_BIN
if [ ! -x "$REALTIME_APP_BIN" ]; then
  echo "no application binary at $REALTIME_APP_BIN: build it (cargo build -p typed-realtime-cli --example app_cli) or set REALTIME_APP_BIN" >&2
  exit 1
fi
CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
export CHROMIUM_BIN
if [ ! -x "$CHROMIUM_BIN" ]; then
  echo "no Chromium at $CHROMIUM_BIN: install it (apt-get install chromium) or set CHROMIUM_BIN" >&2
  exit 1
fi
npm ci --no-audit --no-fund
if [ ! -d ../../tests/js/node_modules/ajv ]; then
  (cd ../../tests/js && npm ci --no-audit --no-fund)
fi
npm run build
npm test
npm run test:browser
