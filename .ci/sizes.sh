# The sizes CI runs at, whatever the caller's environment says: a FUZZ_RUNS=1 left in a shell
# must not quietly cut every property test to one run. Sourced by .ci/run.
# Where each is read:
#   FUZZ_RUNS     packages/core/src/testing/conformance.ts (model-based and paging properties)
#   CRASH_KILLS   packages/store-sqlite/test/crash-safety.test.ts
#   CRASH_SEED    packages/store-sqlite/test/crash-safety.test.ts (replays one run: never in CI)
#   MP_PROCESSES  packages/store-postgres/test/multi-process.test.ts
#   MP_OPS        packages/store-postgres/test/multi-process.test.ts (and its child)
export FUZZ_RUNS=100
export CRASH_KILLS=20
export MP_PROCESSES=3
export MP_OPS=300
unset CRASH_SEED
