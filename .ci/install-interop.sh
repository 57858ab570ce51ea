#!/usr/bin/env bash
# Installs what webpubsub-local/tests/sdk_interop.rs needs: Microsoft's Azure Web PubSub SDKs
# for Node (interop/node, from package-lock.json) and Python (a venv at interop/.venv, from
# interop/python/requirements.txt). Needs node >= 20 with npm, and python3 >= 3.9 with venv.
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
if [ ! -x "$venv/bin/python3" ]; then
  echo "install-interop: creating $venv"
  if ! python3 -m venv "$venv"; then
    # Debian's python3 lacks ensurepip until python3-venv is installed.
    if command -v apt-get >/dev/null; then
      apt-get update -q && apt-get install -y -q python3-venv
      rm -rf "$venv"
      python3 -m venv "$venv"
    else
      echo "install-interop: python3 -m venv failed" >&2
      exit 1
    fi
  fi
fi
echo "install-interop: pip install -r $interop/python/requirements.txt"
"$venv/bin/python3" -m pip install --disable-pip-version-check -q -r "$interop/python/requirements.txt"

# Prove both installs are usable, so a broken one fails here and not in the tests.
(cd "$interop/node" && node -e 'await import("@azure/web-pubsub"); await import("@azure/web-pubsub-client"); await import("ws");' --input-type=module)
"$venv/bin/python3" -c 'import azure.messaging.webpubsubservice, azure.messaging.webpubsubclient, websocket'
echo "install-interop: done"
