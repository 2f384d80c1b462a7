#!/bin/sh
# A guardrail: trips (exit 1, reason on stdout) when the text mentions "forbidden",
# fails (exit 2) when it mentions "crash", passes otherwise.
input=$(cat)
case "$input" in
*forbidden*) echo "mentions a forbidden topic"; exit 1 ;;
*crash*) echo "cannot check this" >&2; exit 2 ;;
esac
exit 0
