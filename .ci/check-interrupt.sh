#!/usr/bin/env bash
# Starts an integration run, interrupts it with SIGINT (as Ctrl-C would: to the whole process group) once the
# services are up and tests run, and checks that no service process survives.
set -u
log=$(mktemp)
LOCKSTEP_TEST_SERVICES_ONLY=postgres setsid npx jest --runInBand --selectProjects integration integration-tests/postgres >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  grep -q '\[services\] ready' "$log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if ! grep -q '\[services\] ready' "$log"; then
  echo "services never became ready:" >&2; cat "$log" >&2; exit 1
fi
kill -INT -- "-$pid"
wait "$pid"
echo "jest exited after SIGINT with status $?"
bash "$(dirname "$0")/check-leftovers.sh"
