#!/usr/bin/env bash
# Stops a service process once the process that started it is gone, also when that process was
# killed with SIGKILL and could run no clean-up of its own (an interrupted test run, a crashed
# `npm start`). Usage: reaper.sh <parent-pid> <child-pid> [TERM|INT]
set -u
parent=$1 child=$2 signal=${3:-TERM}
while kill -0 "$parent" 2>/dev/null; do
  kill -0 "$child" 2>/dev/null || exit 0
  sleep 1
done
kill -"$signal" "$child" 2>/dev/null || exit 0
for _ in $(seq 1 30); do
  kill -0 "$child" 2>/dev/null || exit 0
  sleep 1
done
kill -KILL "$child" 2>/dev/null
exit 0
