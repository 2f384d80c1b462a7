#!/bin/sh
# Example command tool: JSON arguments arrive on stdin, the result goes to stdout.
# Deterministic offline data; no network, no shell evaluation of the input.
input=$(cat)
id=$(printf '%s' "$input" | sed -n 's/.*"order_id"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9-]*\)".*/\1/p')
if [ -z "$id" ]; then
  echo "missing order_id" >&2
  exit 2
fi
case "$id" in
  A-1234) printf '{"order_id":"%s","status":"shipped","eta":"2026-12-01","items":2}\n' "$id" ;;
  A-9999) printf '{"order_id":"%s","status":"cancelled","refunded":true}\n' "$id" ;;
  *)      printf '{"order_id":"%s","status":"processing","eta":"2026-12-05"}\n' "$id" ;;
esac
