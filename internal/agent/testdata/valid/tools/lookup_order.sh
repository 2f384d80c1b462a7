#!/bin/sh
# Looks up an order: JSON arguments on stdin, result on stdout.
cat
