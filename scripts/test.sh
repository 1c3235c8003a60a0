#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need beyond npm when
# missing, typechecks, lints, builds dist/, then runs every test file with
# node:test via tsx (tests that spawn `freshet` run the built dist/cli.js).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/aws ] || need+=(awscli)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || need+=(python3-boto3)
[ -x /usr/bin/psql ] || need+=(postgresql-client); /usr/bin/python3 -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2); [ -f /usr/share/java/postgresql.jar ] || need+=(libpostgresql-jdbc-java); command -v java >/dev/null || need+=(default-jdk-headless)  # views: psql, psycopg2, pgJDBC (Java's source launcher needs a JDK)
[ -x /usr/bin/chromium ] || need+=(chromium)  # console: test/console drives Debian's chromium with playwright-core
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || need+=(nats-server)  # JetStream storage and cluster tests
[ -x /usr/bin/zsh ] || need+=(zsh)  # cli: the zsh completion test runs a real zsh
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing Debian packages: ${need[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/tmp/freshet-apt.log 2>&1 \
      || { echo "test.sh: apt-get install ${need[*]} failed (see /tmp/freshet-apt.log)"; exit 1; }
  else
    echo "test.sh: missing ${need[*]}: install them with apt-get (needs root)"; exit 1
  fi
fi

# JetStream files that kill no NATS server share one 3-server cluster, started now (during the typecheck) and stopped when this script exits.
coproc SHARED_NATS { exec node --import tsx test/helpers/nats-cluster.ts; }
echo "test.sh: typecheck"
npx --no-install tsc --noEmit -p . && npx --no-install tsc --noEmit -p src/console/app
echo "test.sh: lint and format (biome)"
npx --no-install biome ci --error-on-warnings .
node scripts/check-code.mjs
echo "test.sh: build (dist/, which the tests that spawn the CLI run)"
node scripts/build.mjs
export FRESHET_TEST_DIST_BUILT=1  # test/cli/run-cli.ts: dist/ is fresh, no staleness check in each file

# The slowest files first (wall time of the last measured run, printed at the end of every run by
# test/helpers/file-times-report.mjs): with a few files at a time, a long file that starts last stretches the run
# by its whole length, one that starts first overlaps the many short ones. Then every other file, sorted.
slow_first=(
  test/console/browser.test.ts
  test/cli/package.test.ts
  test/detectors/api.test.ts
  test/pipeline/scenarios.test.ts
  test/detectors/s3-remote.test.ts
  test/cli/readme.test.ts
  test/detectors/stream-source.test.ts
  test/cli/pipeline-up.test.ts
  test/cluster/jetstream-two-nodes-faults.test.ts
  test/demo/demo.test.ts
  test/console/detectors-views.test.ts
  test/detectors/s3-example.test.ts
  test/firehose/freshness.test.ts
  test/detectors/related.test.ts
  test/detectors/stream-history.test.ts
  test/views/s5-card-payments.test.ts
  test/firehose/cli-clients.test.ts
  test/console/signin.test.ts
  test/kinesis/read-buffers.test.ts
  test/cloudwatch/api.test.ts
  test/anomaly/cli.test.ts
  test/kinesis/crash.test.ts
  test/kinesis/client-matrix.test.ts
  test/detectors/stream-crash.test.ts
  test/functions/api.test.ts
)
mapfile -t all < <(find test -name '*.test.ts' | sort)
files=()
for f in "${slow_first[@]}"; do if [ -f "$f" ]; then files+=("$f"); fi; done
for f in "${all[@]}"; do [[ " ${slow_first[*]} " == *" $f "* ]] || files+=("$f"); done
echo "test.sh: ${#files[@]} test files"
# Each file's process appends its wall and CPU time to FRESHET_TEST_TIMES (test/helpers/file-times.mjs, by absolute
# URL: processes Freshet starts inherit the preload, some in another directory);
# file-times-report.mjs prints the slowest files after the run, and the run's own time.
FRESHET_TEST_TIMES="$(mktemp -t freshet-test-times.XXXXXX)"
export FRESHET_TEST_TIMES
trap 'rm -f "$FRESHET_TEST_TIMES"' EXIT
started=$SECONDS
# test/helpers/run-files.mjs runs the files in this order (`node --test <files>` sorts them by name on Node 20);
# a file still running after 6 minutes fails instead of stalling the run, and a file whose tests are done exits
# even if a client library left a socket or timer behind. Three files at a time on two cores: many files spend
# much of their time waiting (a browser page, a real-time demo, NATS restarts, child processes), and a third
# file uses the CPU they leave idle. FRESHET_TEST_CONCURRENCY overrides it (1 for a file-by-file run).
read -r -t 120 shared_nats <&"${SHARED_NATS[0]}" && export "${shared_nats:?}" || echo "test.sh: no shared NATS cluster: each JetStream file starts its own"
rc=0
node --import tsx --import "file://$PWD/test/helpers/file-times.mjs" test/helpers/run-files.mjs "${FRESHET_TEST_CONCURRENCY:-3}" "${files[@]}" || rc=$?
echo
node test/helpers/file-times-report.mjs "$FRESHET_TEST_TIMES" 25
echo "test.sh: the tests took $((SECONDS - started)) s (exit code $rc)"
exit $rc
