#!/bin/sh
# Logs to stderr, prints a partial result and fails with status 3.
echo "looking up the order" >&2
echo "partial output"
echo "order 42 not found" >&2
exit 3
