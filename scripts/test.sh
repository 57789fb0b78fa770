#!/usr/bin/env bash
# The README's test command: installs the test peers (Prism from npm, moto, looker-sdk and
# mstrio-py from PyPI) into target/, then runs formatting, lint and every test with every
# feature enabled.
set -euo pipefail
cd "$(dirname "$0")/.."

PRISM_DIR=target/prism
if [ ! -x "$PRISM_DIR/node_modules/.bin/prism" ]; then
  echo "==> installing Prism (@stoplight/prism-cli@5.14.2) into $PRISM_DIR"
  npm install --silent --no-audit --no-fund --prefix "$PRISM_DIR" @stoplight/prism-cli@5.14.2
fi
export BI_REST_PRISM="$PWD/$PRISM_DIR/node_modules/.bin/prism"

VENV=target/venv
if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "==> installing moto[server] into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]==5.2.5'
fi
export BI_REST_MOTO_SERVER="$PWD/$VENV/bin/moto_server"

# The vendors' official SDKs, for the tours against the simulators (tests/sdk_tours.rs).
SDK_VENV=target/sdk-venv
SDK_PINS='looker-sdk==26.22.0 mstrio-py==11.6.10.101'
if [ "$(cat "$SDK_VENV/.pins" 2>/dev/null)" != "$SDK_PINS" ]; then
  echo "==> installing $SDK_PINS into $SDK_VENV"
  python3 -m venv "$SDK_VENV"
  # shellcheck disable=SC2086 # the pins are separate words
  "$SDK_VENV/bin/pip" install --quiet --disable-pip-version-check $SDK_PINS
  echo "$SDK_PINS" > "$SDK_VENV/.pins"
fi
export BI_REST_SDK_PYTHON="$PWD/$SDK_VENV/bin/python"
# Fleet mode's tests need a real redis-server (Debian's package; .ci/run installs it).
if ! command -v redis-server >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "==> installing redis-server"
  apt-get update -qq && apt-get install -y -qq redis-server
fi
export BI_REST_REQUIRE_PRISM=1 BI_REST_REQUIRE_MOTO=1 BI_REST_REQUIRE_SDKS=1 BI_REST_REQUIRE_REDIS=1

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings
echo "==> cargo test"
# Includes tests/downstream.rs (builds examples/downstream out of tree in this target dir and
# runs it against the simulator: ~3 min cold on 2 cores), tests/msrv.rs (declared rust-version
# vs cargo metadata; a library build's cargo tree) and tests/private_paths.rs.
cargo test --workspace --all-features --no-fail-fast --lib --bins --tests
echo "==> cargo test --doc"
cargo test --workspace --doc --all-features
echo "==> examples against the simulators (debug build)"
for example in mstr looker agileapps own_spec tracing; do
  echo "--> cargo run --example $example"
  cargo run --quiet --all-features --example "$example" > /dev/null
done
echo "==> cargo doc (warnings are errors)"
RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --all-features --quiet
echo "==> all passed"
