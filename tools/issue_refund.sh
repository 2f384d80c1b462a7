#!/bin/sh
# Example command tool that needs approval (needs_approval: true in agents.yaml).
input=$(cat)
id=$(printf '%s' "$input" | sed -n 's/.*"order_id"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9-]*\)".*/\1/p')
[ -n "$id" ] || { echo "missing order_id" >&2; exit 2; }
printf '{"refund_id":"R-%s","order_id":"%s","status":"issued"}\n' "$(printf '%s' "$id" | tr -cd '0-9')" "$id"
