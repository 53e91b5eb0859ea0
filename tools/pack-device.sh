#!/usr/bin/env bash
# Packs what tools/gpu-test.sh needs on the GPU machine (CUDA 13, Python/PyTorch, no JDK, no Maven) into .device/:
#   .device/jre.tgz                a Java 25 runtime (../shared/device/make-jre.sh, jlink)
#   .device/red-engine.jar         the shaded jar, with the PTX of native/*.cu (compute_80, compute_90)
#   .device/java-engine-tests.jar  the test classes and the HF golden fixtures (the gpu-tagged tests, GpuTestMain)
#   .device/lib/*.jar              JUnit (platform launcher, Jupiter engine) for GpuTestMain
# About 60 MB: under the device tool's 64 MiB carry. Run from the project root on the build machine:
#   tools/pack-device.sh [--no-jre] (JAVA_HOME = JDK 25, nvcc on PATH so that the jar has PTX)
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
mvn -B -o -q -pl java-engine package -DskipTests
jar=java-engine/target/red-engine.jar
if ! "$JAVA_HOME/bin/jar" tf "$jar" | grep -q 'dev/redengine/backend/cuda/ptx/rmsnorm.sm90.ptx'; then
  echo "pack-device.sh: $jar has no PTX (nvcc was not on PATH when native/build.sh ran)" >&2
  exit 1
fi
# make-jre.sh needs .git to be a folder (a main checkout, not a git worktree); --no-jre packs the rest only
if [[ "${1:-}" != --no-jre && ! -f .device/jre.tgz ]]; then
  ../shared/device/make-jre.sh || { echo "pack-device.sh: make-jre.sh failed (in a git worktree run it from the main checkout and copy .device/jre.tgz)" >&2; exit 1; }
fi
mkdir -p .device/lib
rm -f .device/lib/*.jar
cp "$jar" java-engine/target/java-engine-tests.jar .device/
cp_file=$(mktemp)
mvn -B -o -q -pl java-engine dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
tr ':' '\n' < "$cp_file" | grep -E '/(junit-jupiter-(api|engine|params)|junit-platform-(commons|engine|launcher)|opentest4j|apiguardian-api)-[0-9]' \
  | xargs -I{} cp {} .device/lib/
rm -f "$cp_file"
du -ch .device/jre.tgz .device/*.jar .device/lib 2>/dev/null | tail -1 || true
