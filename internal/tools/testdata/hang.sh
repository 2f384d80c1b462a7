#!/bin/sh
# Starts a child that hangs, publishes its pid in $1 (written then renamed, so never
# read half-written) and hangs too.
sleep 1000 &
echo $! > "$1.tmp"
mv "$1.tmp" "$1"
sleep 1000
