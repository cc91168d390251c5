#!/bin/sh
# One command for someone with a GPU machine (Linux, NVIDIA driver, maybe no
# network, maybe no Node, maybe no Vulkan loader): checks that WebGPU (Dawn →
# Vulkan → the NVIDIA driver) sees the GPU, runs the webgpu kernel and
# training tests on it, then the training bench, and prints the adapter and
# the speed ratios.
#
#   in a checkout with node_modules:   sh scripts/gpu-check.sh
#   from the bundle (scripts/build-gpu-bundle.mjs): tar xf distillery-gpu-check.tar.xz && sh distillery-gpu-check/gpu-check.sh
#
# Exit status: 0 all passed; 1 a test failed; 2 no usable GPU adapter (the
# reason is printed); 3 no Node to run with.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
say() { printf '%s\n' "$*"; }
hr() { say "------------------------------------------------------------------"; }

# 1. Where we run from: an unpacked bundle (node + bundled JS beside this
#    script) or a checkout (node from PATH, sources through tsx).
if [ -f "$HERE/js/gpu-tests.mjs" ]; then
  MODE=bundle
  ROOT=$HERE
  export DISTILLERY_ROOT=$HERE
  NODE=$HERE/node
  [ -x "$NODE" ] || NODE=$(command -v node || true)
else
  MODE=checkout
  ROOT=$(cd "$HERE/.." && pwd)
  NODE=$(command -v node || true)
fi
if [ -z "${NODE:-}" ] || ! "$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  say "gpu-check: no Node 20 or later to run with. Use the bundle (it carries its own node binary), or install Node 20+."
  exit 3
fi
hr
say "gpu-check ($MODE): $(uname -srm); node $("$NODE" -v)"

# 2. The GPU and its driver, as NVIDIA's tools see them.
if command -v nvidia-smi >/dev/null 2>&1; then
  say "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 4 | tr '\n' ';')"
else
  say "nvidia-smi: not found (no NVIDIA driver installed, or not on PATH)"
fi

# 3. The NVIDIA Vulkan ICD: without it Vulkan (and so WebGPU) cannot see the GPU.
ICD=""
if [ -n "${VK_ICD_FILENAMES:-}" ]; then
  say "VK_ICD_FILENAMES is set: $VK_ICD_FILENAMES"
  ICD=$VK_ICD_FILENAMES
else
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d /etc/glvnd/egl_vendor.d; do
    for f in "$d"/nvidia_icd*.json "$d"/nvidia_layers.json; do
      case "$f" in *nvidia_icd*) [ -f "$f" ] && ICD="$ICD $f" ;; esac
    done
  done
fi
if [ -z "$ICD" ]; then
  say "!! The NVIDIA Vulkan ICD is missing: no nvidia_icd.json in /etc/vulkan/icd.d, /usr/share/vulkan/icd.d or /usr/local/share/vulkan/icd.d."
  say "!! WebGPU reaches the GPU through Vulkan, so it will not see it. The driver's Vulkan part is a separate package on many systems:"
  say "!!   Debian: nvidia-vulkan-icd (and libnvidia-glvkspirv); Ubuntu: libnvidia-gl-<driver version>; a .run installer: do not pass --no-opengl-files."
  say "!! In a container: run with NVIDIA_DRIVER_CAPABILITIES=all (or include 'graphics'), or the toolkit will not mount it."
  say "!! Carrying on: the tests will say which adapter, if any, Dawn finds."
else
  say "Vulkan ICD: $ICD"
  for f in $ICD; do
    lib=$(sed -n 's/.*"library_path" *: *"\([^"]*\)".*/\1/p' "$f" | head -n 1)
    [ -n "$lib" ] && say "  $f → $lib"
  done
fi

# 4. The Vulkan loader (libvulkan.so.1): Debian's libvulkan1, often absent on GPU boxes.
if ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  say "Vulkan loader: $(ldconfig -p | grep 'libvulkan.so.1' | head -n 1 | sed 's/.*=> //')"
elif [ -f "$ROOT/libvulkan.so.1" ]; then
  export DISTILLERY_VULKAN_LIB="$ROOT/libvulkan.so.1"
  say "Vulkan loader: none on the system; using the bundled $DISTILLERY_VULKAN_LIB"
elif [ -f /usr/lib/chromium/libvulkan.so.1 ]; then
  say "Vulkan loader: none on the system; Distillery will use Chromium's /usr/lib/chromium/libvulkan.so.1"
else
  say "!! Vulkan loader: no libvulkan.so.1 (install libvulkan1, or use the bundle, which carries one)."
fi
hr

# 5. The webgpu tests on the real adapter (DISTILLERY_GPU_CHECK=1: a software adapter fails the check).
export DISTILLERY_GPU_CHECK=1
status=0
say "webgpu kernel and training tests:"
cd "$ROOT" || exit 3
LOG=$(mktemp)
if [ "$MODE" = bundle ]; then
  "$NODE" --test --test-reporter=spec "$ROOT/js/gpu-tests.mjs" "$ROOT/js/gpu-latent-tests.mjs" >"$LOG" 2>&1 || status=1
else
  "$NODE" --import tsx --test --test-reporter=spec src-main/ml/engine/webgpu.test.ts src-main/ml/train/latent-webgpu.test.ts >"$LOG" 2>&1 || status=1
fi
grep -v '^ *at \|^Warning: \|^    at ' "$LOG"
if grep -q '✖ on a GPU machine the adapter is hardware' "$LOG"; then
  hr
  say "gpu-check: Dawn found no hardware GPU adapter (see the ICD and loader lines above); the bench would measure nothing useful."
  rm -f "$LOG"
  exit 2
fi
rm -f "$LOG"
hr

# 6. The bench: our images/s against PyTorch's (CUDA when /usr/bin/python3 has torch with CUDA).
say "training bench (batches 64 and 512):"
if [ "$MODE" = bundle ]; then
  "$NODE" "$ROOT/js/bench.mjs" --backend webgpu train 2>&1 | grep -v '^ *at \|^Warning: '
else
  "$NODE" --import tsx src-main/bench/main.ts --backend webgpu train 2>&1 | grep -v '^ *at \|^Warning: '
fi
hr
if [ $status -ne 0 ]; then
  say "gpu-check: some webgpu tests FAILED (see above)."
  exit 1
fi
say "gpu-check: webgpu tests passed; bench lines above (model=… adapter=… ratio=…)."
exit 0
