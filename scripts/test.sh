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

# Every test file, by name: test/helpers/run-files.mjs runs several files to a process (test/helpers/test-groups.mjs
# says which and why) and starts the slowest processes first, by the files' times in test/helpers/test-weights.json
# (refresh it after a run with `node test/helpers/file-times-report.mjs <times.jsonl> --weights`).
mapfile -t files < <(find test -name '*.test.ts' | sort)
echo "test.sh: ${#files[@]} test files"
# Each test process appends its wall and CPU time to FRESHET_TEST_TIMES (test/helpers/file-times.mjs, by absolute
# URL: processes Freshet starts inherit the preload, some in another directory), run-files.mjs each file's suite
# time; file-times-report.mjs prints the slowest after the run, and the run's own time.
FRESHET_TEST_TIMES="$(mktemp -t freshet-test-times.XXXXXX)"
export FRESHET_TEST_TIMES
trap 'rm -f "$FRESHET_TEST_TIMES"' EXIT
started=$SECONDS
# A file still running after 6 minutes fails instead of stalling the run, and a process whose tests are done exits
# even if a client library left a socket or timer behind. Three processes at a time on two cores: many files spend
# much of their time waiting (a browser page, a real-time demo, NATS restarts, child processes), and a third
# process uses the CPU they leave idle. FRESHET_TEST_CONCURRENCY overrides it (1 for one process at a time);
# FRESHET_TEST_GROUPS=0 gives every file a process of its own.
read -r -t 120 shared_nats <&"${SHARED_NATS[0]}" && export "${shared_nats:?}" || echo "test.sh: no shared NATS cluster: each JetStream file starts its own"
rc=0
node --import tsx --import "file://$PWD/test/helpers/file-times.mjs" test/helpers/run-files.mjs "${FRESHET_TEST_CONCURRENCY:-3}" "${files[@]}" || rc=$?
echo
node test/helpers/file-times-report.mjs "$FRESHET_TEST_TIMES" 25
# FRESHET_TEST_TIMES_OUT=<path> keeps the run's times (for file-times-report.mjs --weights).
if [ -n "${FRESHET_TEST_TIMES_OUT:-}" ]; then cp "$FRESHET_TEST_TIMES" "$FRESHET_TEST_TIMES_OUT"; fi
echo "test.sh: the tests took $((SECONDS - started)) s (exit code $rc)"
exit $rc
