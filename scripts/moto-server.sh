#!/usr/bin/env bash
# Starts a local moto server (AWS emulator) for trying bootstrap by hand:
#
#   scripts/moto-server.sh 5000 &
#   AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
#     npm run bootstrap -- --env production --region us-east-1 --github-repo acme/openclaw-infra
#
# The account moto reports must be the environment's accountId (default: production's in
# cdktf.json); override with MOTO_ACCOUNT_ID. The integration suite starts its own server.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${1:-5000}"
python="${MOTO_PYTHON:-.venv/bin/python}"
if [[ ! -x "$python" ]]; then
  echo "no python at $python: run python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt" >&2
  exit 1
fi
account="${MOTO_ACCOUNT_ID:-$(node -p 'require("./cdktf.json").context.environments.production.accountId')}"

# The plan role attaches AWS's ReadOnlyAccess, which moto only knows when loading managed policies.
export MOTO_ACCOUNT_ID="$account" MOTO_IAM_LOAD_MANAGED_POLICIES=true
exec "$python" -m moto.server -H 127.0.0.1 -p "$port"
