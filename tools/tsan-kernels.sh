#!/usr/bin/env bash
# ThreadSanitizer over the CUDA kernels on the simulator (issue 10). Builds the simulator library again with the
# kernels of native/*.cu and native/test/*.cu instrumented (-fsanitize=thread) and native/sim_runtime.cpp not
# instrumented but built with -DSIM_TSAN=1 (each CUDA thread a TSan fiber, switched to without synchronisation;
# __syncthreads, the warp barriers and block boundaries are the only happens-before edges), then runs the Java
# simulator tests on it with libtsan preloaded into the test JVM:
#   1. native/test/race.cu's kernel without its __syncthreads (in forward thread order, where its output is right
#      by luck): TSan MUST report a data race in test_rotate_missing_sync;
#   2. the same kernel with the barrier, and every real kernel's conformance cases plus the HF goldens on the
#      simulator: TSan must report nothing.
# Exit 0 only if both hold. Reports go to $OUT/race.log and $OUT/kernels.log (default OUT java-engine/target/tsan).
#
#   tools/tsan-kernels.sh [TEST_PATTERN]    default: every Sim*ConformanceTest in forward order, the HF goldens,
#                                           CudaBackendTest and the determinism tests
# Needs g++ with libtsan, JDK 25 (JAVA_HOME) and Maven; run it from anywhere, it works offline (mvn -o).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
native="$root/native"
out="${OUT:-$root/java-engine/target/tsan}"
pattern="${1:-SimForward*ConformanceTest,SimForwardHfGoldenTest,CudaBackendTest,RaceDetectionTest#withTheBarrier*,Sim*DeterminismTest}"
cxx="${CXX:-g++}"
libtsan="$(realpath "$("$cxx" -print-file-name=libtsan.so)")"
[[ -f "$libtsan" ]] || { echo "tsan-kernels.sh: $cxx has no libtsan.so" >&2; exit 1; }
mkdir -p "$out/obj"

# 1. the instrumented simulator library (test kernels included)
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fPIC -Wall -Wextra -Werror -Wno-unused-parameter -I"$native")
"$cxx" "${flags[@]}" -DSIM_TSAN=1 -c "$native/sim_runtime.cpp" -o "$out/obj/sim_runtime.o"
objs=("$out/obj/sim_runtime.o")
for cu in "$native"/*.cu "$native"/test/*.cu; do
  o="$out/obj/$(basename "$(dirname "$cu")")_$(basename "$cu" .cu).o"
  "$cxx" "${flags[@]}" -fsanitize=thread -x c++ -c "$cu" -o "$o"
  objs+=("$o")
done
lib="$out/libredengine_cudasim_tsan.so"
"$cxx" -shared -fsanitize=thread -o "$lib" "${objs[@]}"
echo "tsan-kernels.sh: built $lib"

# 2. the Java tests over it, libtsan preloaded into the forked test JVM only: surefire starts the JVM named by -Djvm
#    through /bin/sh, and dash crashes with libtsan preloaded, so the preload is set by a wrapper that execs java
#    (named bin/java beside a copy of the JDK's release file, as surefire wants of -Djvm)
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
java_bin="$(command -v "$java_bin")"
java_home="$(dirname "$(dirname "$(realpath "$java_bin")")")"
mkdir -p "$out/jdk-tsan/bin"
cp "$java_home/release" "$out/jdk-tsan/release" 2>/dev/null || true
cat > "$out/jdk-tsan/bin/java" <<EOF
#!/usr/bin/env bash
export LD_PRELOAD="$libtsan"
exec "$java_bin" "\$@"
EOF
chmod +x "$out/jdk-tsan/bin/java"
cd "$root"
mvn -B -o -q -pl java-engine test-compile >/dev/null
printf 'called_from_lib:libjvm.so\n' > "$out/jvm.supp"
tests_failed=0
run_tests() {  # LOG TESTS
  rm -f "$1".*
  # halt_on_error=0 and exitcode=0: every report is counted here, and the JVM exits normally for surefire. The JVM
  # is not instrumented: its malloc/free/memcpy through TSan's interceptors (and its signal handlers) are not what
  # is tested, so they are ignored and suppressed
  TSAN_OPTIONS="log_path=$1 halt_on_error=0 exitcode=0 report_signal_unsafe=0 ignore_noninstrumented_modules=1 suppressions=$out/jvm.supp" \
    mvn -B -o -q -pl java-engine surefire:test@default-test -Dtest="$2" -Dsurefire.failIfNoSpecifiedTests=false \
      -Dredengine.cudasim.lib="$lib" -Djvm="$out/jdk-tsan/bin/java" || { echo "tsan-kernels.sh: the tests of $2 failed" >&2; tests_failed=1; }
  cat "$1".* 2>/dev/null > "$1" || true
  rm -f "$1".*
}

run_tests "$out/race.log" "RaceDetectionTest#withoutTheBarrierForwardOrderIsRightByLuck"
race_reports=$(grep -c "WARNING: ThreadSanitizer: data race" "$out/race.log" || true)
in_kernel=$(grep -c "test_rotate_missing_sync" "$out/race.log" || true)
echo "tsan-kernels.sh: race.cu without __syncthreads: $race_reports data race report(s), $in_kernel stack frame(s) in test_rotate_missing_sync ($out/race.log)"

run_tests "$out/kernels.log" "$pattern"
kernel_reports=$(grep -c "WARNING: ThreadSanitizer" "$out/kernels.log" || true)
echo "tsan-kernels.sh: $pattern: $kernel_reports ThreadSanitizer report(s) ($out/kernels.log)"

if [[ "$race_reports" -ge 1 && "$in_kernel" -ge 1 && "$kernel_reports" -eq 0 && "$tests_failed" -eq 0 ]]; then
  echo "tsan-kernels.sh: OK: the missing __syncthreads is reported, the real kernels are clean"
  exit 0
fi
echo "tsan-kernels.sh: FAILED (see the logs above)" >&2
exit 1
