#!/usr/bin/env bash
# Builds native/: (a) PTX for compute_80 and compute_90 with nvcc, warnings as errors, and ptxas register/spill
# figures per kernel; (b) the simulator: the same .cu files compiled by g++ against cuda_sim.h into
# libredengine_cudasim.so (kernels of native/*.cu) and libredengine_cudasim_test.so (plus native/test/*.cu).
#
#   native/build.sh [OUT_DIR] [PTX_DIR]     default OUT_DIR java-engine/target/native,
#                                           PTX_DIR java-engine/target/classes/dev/redengine/backend/cuda/ptx
#
# A missing tool skips its half with a message (exit 0): a machine without nvcc or g++ still builds the Java, and
# the simulator tests then skip, saying why. Set REDENGINE_NATIVE_REQUIRED=1 to make a missing tool an error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="${1:-$root/java-engine/target/native}"
ptx_out="${2:-$root/java-engine/target/classes/dev/redengine/backend/cuda/ptx}"
mkdir -p "$out"
shopt -s nullglob
kernels=("$here"/*.cu)
test_kernels=("$here"/test/*.cu)

# Up to date: nothing in native/ changed since the last complete build into these directories.
stamp="$out/.built"
if [[ -f "$stamp" && -d "$ptx_out" && -z "$(find "$here" -type f -newer "$stamp" -print -quit)" ]]; then
  echo "native/build.sh: $out is up to date"
  exit 0
fi

missing() {
  echo "native/build.sh: $1" >&2
  if [[ "${REDENGINE_NATIVE_REQUIRED:-0}" == 1 ]]; then exit 1; fi
}

# (a) PTX and ptxas figures
if command -v nvcc >/dev/null 2>&1; then
  mkdir -p "$ptx_out"
  report="$out/ptxas.txt"
  : > "$report"
  for cu in "${kernels[@]}" "${test_kernels[@]}"; do
    name="$(basename "$cu" .cu)"
    for arch in 80 90; do
      dest="$ptx_out"
      [[ "$cu" == "$here"/test/* ]] && dest="$out/ptx-test"
      mkdir -p "$dest"
      nvcc -ptx -arch=compute_$arch -std=c++17 -Werror all-warnings -I"$here" -o "$dest/${name}.sm$arch.ptx" "$cu"
    done
    echo "== $name (sm_90)" >> "$report"
    nvcc -cubin -arch=sm_90 -std=c++17 -Werror all-warnings -Xptxas -v -I"$here" -o "$out/${name}.sm90.cubin" "$cu" 2>> "$report"
  done
  echo "native/build.sh: PTX (compute_80, compute_90) in $ptx_out; ptxas figures in $report"
else
  missing "nvcc not on PATH: PTX not built"
fi

# (b) the simulator
cxx="${CXX:-g++}"
if ! command -v "$cxx" >/dev/null 2>&1; then
  missing "$cxx not on PATH: the CUDA simulator (cuda-sim) not built"
  exit 0
fi
if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  missing "the CUDA simulator's fibers need Linux x86-64, this is $(uname -s)-$(uname -m): not built"
  exit 0
fi
flags=(-std=c++17 -O2 -fPIC -Wall -Wextra -Werror -Wno-unused-parameter -I"$here")
objs="$out/obj"
mkdir -p "$objs"
main_objs=()
test_objs=()
"$cxx" "${flags[@]}" -c "$here/sim_runtime.cpp" -o "$objs/sim_runtime.o"
for cu in "${kernels[@]}"; do
  o="$objs/$(basename "$cu" .cu).o"
  "$cxx" "${flags[@]}" -x c++ -c "$cu" -o "$o"
  main_objs+=("$o")
done
for cu in "${test_kernels[@]}"; do
  o="$objs/test_$(basename "$cu" .cu).o"
  "$cxx" "${flags[@]}" -x c++ -c "$cu" -o "$o"
  test_objs+=("$o")
done
"$cxx" -shared -o "$out/libredengine_cudasim.so" "$objs/sim_runtime.o" "${main_objs[@]}"
"$cxx" -shared -o "$out/libredengine_cudasim_test.so" "$objs/sim_runtime.o" "${main_objs[@]}" "${test_objs[@]}"
echo "native/build.sh: simulator libraries in $out"
if command -v nvcc >/dev/null 2>&1; then
  touch "$stamp"  # only a build with both halves is complete
fi
