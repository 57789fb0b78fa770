#!/bin/sh
# Starts moto's AWS server on 127.0.0.1 for manual runs of tests/credentials_aws.rs.
# The Rust test starts its own moto_server; this helper is for poking at it by hand:
#   tests/support/start-moto.sh [PORT]      (default 5055; installs moto[server] if missing)
# then: AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
#       BI_REST_AWS_ENDPOINT_URL=http://127.0.0.1:PORT bi-rest ... --password aws-sm:NAME#password
set -eu
port="${1:-5055}"
if ! command -v moto_server >/dev/null 2>&1; then
    echo "moto_server not found; installing moto[server] with pip" >&2
    python3 -m pip install --quiet 'moto[server]'
fi
echo "moto: http://127.0.0.1:${port}" >&2
exec moto_server -H 127.0.0.1 -p "${port}"
