#!/usr/bin/env bash
# Installs the pinned Prism mock server under target/prism (gitignored), for
# tests/conformance_looker.rs. Needs node >= 18 and npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm install --no-audit --no-fund --prefix target/prism @stoplight/prism-cli@5.14.2
target/prism/node_modules/.bin/prism --version
