#!/bin/sh
# Example command tool: status of a service, from a fixed offline table.
input=$(cat)
svc=$(printf '%s' "$input" | sed -n 's/.*"service"[[:space:]]*:[[:space:]]*"\([a-z]*\)".*/\1/p')
case "${svc:-email}" in
  email)   echo '{"service":"email","status":"operational"}' ;;
  storage) echo '{"service":"storage","status":"degraded","note":"slow uploads in eu-west"}' ;;
  video)   echo '{"service":"video","status":"operational"}' ;;
  *)       echo "unknown service: $svc" >&2; exit 1 ;;
esac
