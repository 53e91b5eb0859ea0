#!/usr/bin/env bash
# Fuzzes one Jazzer target for a while: tools/fuzz.sh TARGET SECONDS
#   TARGET: Class#method of java-engine/src/test/java/dev/redengine/fuzz, e.g. SafetensorsFuzzTest#file,
#           SafetensorsFuzzTest#header, ConfigFuzzTest#configJson, ShardIndexFuzzTest#index,
#           TokenizerFuzzTest#tokenizerJson, CalibrationFuzzTest#jsonl, CalibrationFuzzTest#txt
# CI runs the same targets in regression mode (the committed inputs only). Here JAZZER_FUZZ=1 makes Jazzer mutate
# them; a finding (an exception that is not one of the project's clear errors, see fuzz/ClearErrors) stops the run
# and is written into the target's Inputs folder under src/test/resources, where it becomes a regression input
# once committed. The growing corpus stays in java-engine/.cifuzz-corpus (not committed).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: tools/fuzz.sh Class#method SECONDS   (e.g. tools/fuzz.sh SafetensorsFuzzTest#file 300)" >&2
  exit 2
fi
target=$1 seconds=$2
cd "$(dirname "$0")/.."
mvn -B -o -q -pl java-engine test-compile
# the default-test execution alone: -Dtest overrides its fuzz exclusion, and the lifecycle's other test runs are skipped
JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${seconds}s" mvn -B -o -pl java-engine surefire:test@default-test \
  -Dtest="dev.redengine.fuzz.${target}" -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration="${seconds}s" \
  -DtrimStackTrace=false 2>&1 | tee "java-engine/target/fuzz-${target//#/-}.log" \
  | grep -E "^#[0-9]+.*(DONE|pulse|NEW)|Done [0-9]+ runs|stat::|== Java Exception|Tests run:|FAIL|ERROR" || true
grep -E "Done [0-9]+ runs|stat::number_of_executed_units" "java-engine/target/fuzz-${target//#/-}.log" || true
