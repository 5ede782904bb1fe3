#!/usr/bin/env bash
# Fails when a process started by a test run is still alive: a Kafka or Elasticsearch JVM, a postgres of a run
# folder, kinesis-mock, or the service supervisor.
set -u
pattern='kafka\.Kafka|lockstep-services-|lockstep-pg-|kinesis-local|integration-tests/env/supervisor|ElasticsearchLauncher'
for _ in $(seq 1 20); do
  pgrep -f "$pattern" >/dev/null || { echo "no leftover service processes"; exit 0; }
  sleep 0.5
done
echo "leftover processes after the run:" >&2
pgrep -af "$pattern" >&2
exit 1
