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
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing Debian packages: ${need[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/tmp/freshet-apt.log 2>&1 \
      || { echo "test.sh: apt-get install ${need[*]} failed (see /tmp/freshet-apt.log)"; exit 1; }
  else
    echo "test.sh: missing ${need[*]}: install them with apt-get (needs root)"; exit 1
  fi
fi

echo "test.sh: typecheck"
npx --no-install tsc --noEmit -p . && npx --no-install tsc --noEmit -p src/console/app
echo "test.sh: lint and format (biome)"
npx --no-install biome ci --error-on-warnings .
node scripts/check-code.mjs
echo "test.sh: build (dist/, which the tests that spawn the CLI run)"
node scripts/build.mjs
export FRESHET_TEST_DIST_BUILT=1  # test/cli/run-cli.ts: dist/ is fresh, no staleness check in each file

mapfile -t files < <(find test -name '*.test.ts' | sort)
echo "test.sh: ${#files[@]} test files"
# --test-timeout: a hung test fails after 4 minutes instead of stalling the run;
# --test-force-exit: a file whose tests are done exits even if a client library
# left a socket or timer behind.
exec node --import tsx --test --test-concurrency=2 --test-timeout=240000 --test-force-exit --test-reporter=spec "${files[@]}"
