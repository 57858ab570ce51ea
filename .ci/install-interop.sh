#!/usr/bin/env bash
# Installs what webpubsub-local/tests/sdk_interop.rs needs: Microsoft's Azure Web PubSub SDKs
# for Node (interop/node, from package-lock.json) and Python (a venv at interop/.venv, from
# interop/python/requirements.txt; into python3 itself when venv is unavailable). Needs node >= 20
# with npm, and python3 >= 3.9 with pip.
# Idempotent; any failure stops the script with a non-zero status.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
interop="$root/interop"

for tool in node npm python3; do
  command -v "$tool" >/dev/null || { echo "install-interop: '$tool' is not on PATH" >&2; exit 1; }
done

echo "install-interop: npm ci in $interop/node"
(cd "$interop/node" && npm ci --no-audit --no-fund)

venv="$interop/.venv"
python="$venv/bin/python3"
if ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "install-interop: creating $venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    # A python3 without a working venv module (e.g. Debian's without python3-venv): CI runs on a
    # throwaway machine, so install into that interpreter instead; the test runner falls back
    # to `python3` when interop/.venv is absent.
    echo "install-interop: python3 -m venv failed; installing into python3 itself" >&2
    rm -rf "$venv"
    python="python3"
  fi
fi
echo "install-interop: $python -m pip install -r $interop/python/requirements.txt"
"$python" -m pip install --disable-pip-version-check -q -r "$interop/python/requirements.txt"

# Prove both installs are usable, so a broken one fails here and not in the tests.
(cd "$interop/node" && node -e 'await import("@azure/web-pubsub"); await import("@azure/web-pubsub-client"); await import("@azure/web-pubsub-express"); await import("express"); await import("ws");' --input-type=module)
"$python" -c 'import azure.messaging.webpubsubservice, azure.messaging.webpubsubclient, websocket'
echo "install-interop: done"
