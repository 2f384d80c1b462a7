#!/bin/sh
# Copies stdin to the file named by $1, then prints it: the test compares both with
# the arguments it sent.
cat > "$1"
cat "$1"
