#!/usr/bin/env bash
# The long hostile-input run: test/security/hostile.test.ts with more cases per property than `npm test`'s
# fixed budget (150). Usage: scripts/fuzz.sh [runs per property, default 5000] [seed, default random]
set -euo pipefail
cd "$(dirname "$0")/.."
export FRESHET_FUZZ_RUNS="${1:-5000}"
export FRESHET_FUZZ_SEED="${2:-$RANDOM$RANDOM}"
echo "fuzz.sh: ${FRESHET_FUZZ_RUNS} runs per property, seed ${FRESHET_FUZZ_SEED} (rerun a failure with: scripts/fuzz.sh ${FRESHET_FUZZ_RUNS} ${FRESHET_FUZZ_SEED})"
exec node --import tsx --test --test-timeout=0 test/security/hostile.test.ts
