#!/usr/bin/env bash
# The command-line session of docs/trying-it-offline.md, run by CI: against a fresh sandbox,
# the generated tool's --help, a created customer, a deposit address, a received webhook and a
# walk of transactions. Needs curl and jq (for the sandbox-only routes and to pick fields out
# of JSON). The page shows these commands and what they printed: change both together.
set -euo pipefail
cd "$(dirname "$0")/.."
# The binaries' folder as cargo reports it (wherever CARGO_TARGET_DIR points), put on PATH.
bin_dir=$(cargo build --locked --quiet -p calypso-customer-purse-sandbox -p calypso-customer-purse-cli \
  --bins --message-format=json \
  | jq -r 'select(.reason == "compiler-artifact" and .executable != null) | .executable' \
  | xargs -n 1 dirname | sort -u)
PATH="$bin_dir:$PATH"
work=$(mktemp -d)
log="$work/sandbox.log"
events="$work/events.log"

: >"$log"
calypso-customer-purse-sandbox --quiet >"$log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "^Press Ctrl-C" "$log" && break; sleep 0.1; done
field() { sed -n "s/^  $1 *\([^ ]*\).*/\1/p" "$log"; }
sandbox=$(field "base URL")

# --- the session, as docs/trying-it-offline.md shows it ---
export CALYPSO_CUSTOMER_PURSE_BASE_URL="$sandbox"
export CALYPSO_CUSTOMER_PURSE_ACCOUNT="$(field account)"
export CALYPSO_CUSTOMER_PURSE_API_KEY="$(field "api key")"
export CALYPSO_CUSTOMER_PURSE_API_SECRET="$(field "api secret")"

calypso-customer-purse --help | head -n 16
customer=$(calypso-customer-purse create-customer --external-id user-42 --compact | jq -r .id)
calypso-customer-purse get-customer --customer-id "$customer"
calypso-customer-purse get-purse-address --customer-id "$customer" --currency USDT_TRC20 | tee "$work/purse.json"
address=$(jq -r .address "$work/purse.json")

# Subscribe a local receiver to the sandbox's signed webhooks (a sandbox-only route), and
# start it with the subscription's keys.
subscription=$(curl -sf -X POST "$sandbox/sandbox/webhooks" -H 'content-type: application/json' \
  -d "{\"account\":\"$CALYPSO_CUSTOMER_PURSE_ACCOUNT\",\"url\":\"http://127.0.0.1:8787/\"}")
export CALYPSO_CUSTOMER_PURSE_WEBHOOK_KEY="$(jq -r .publicKey <<<"$subscription")"
export CALYPSO_CUSTOMER_PURSE_WEBHOOK_SECRET="$(jq -r .secretKey <<<"$subscription")"
calypso-customer-purse webhooks listen --listen 127.0.0.1:8787 --max-events 4 --compact \
  >"$events" 2>"$work/listen.log" &
listener=$!
for _ in $(seq 50); do grep -q "^listening" "$work/listen.log" && break; sleep 0.1; done

# Sandbox only: a deposit of 125.50 arrives at the address, then is settled.
transaction=$(curl -sf -X POST "$sandbox/sandbox/deposits" -H 'content-type: application/json' \
  -d "{\"address\":\"$address\",\"currency\":\"USDT_TRC20\",\"amount\":\"125.50\"}" | jq -r .id)
curl -sf -X POST "$sandbox/sandbox/transactions/$transaction/settle" >/dev/null
wait "$listener"
cat "$work/listen.log"
cat "$events"
calypso-customer-purse find-transactions --customer-id "$customer" --all --compact
