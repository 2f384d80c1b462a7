#!/bin/sh
# Prints 100 MB.
head -c 100000000 /dev/zero | tr '\0' 'a'
