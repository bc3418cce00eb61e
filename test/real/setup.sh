#!/usr/bin/env bash
# Installs real NVIDIA software for the integration tests (test/real/), from PyPI and Debian only:
# - perf_analyzer 2.41.0 from the tritonclient wheel, with the two libraries it loads;
# - genai-perf (its export parser, for test/real/genai-perf.test.ts);
# - a real Triton server: nvidia-pytriton, with torch (CPU) and transformers for the model in
#   test/real/triton_server.py, in a venv of Debian's own Python 3.11 (PyTriton's Python-backend stub
#   does not run with pyenv's 3.11.7 standard library: '_thread.RLock' object has no attribute
#   '_recursion_count').
# Idempotent: what is already in .cache/real/ is kept; pip's cache is reused between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=.cache/real
mkdir -p "$root"

if ! ldconfig -p | grep -q libb64.so.0d; then
  if command -v apt-get >/dev/null; then
    (apt-get install -y -qq libb64-0d >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y -qq libb64-0d >/dev/null)
  fi
fi

if [ ! -x "$root/venv/bin/python" ]; then
  python3 -m venv "$root/venv"
fi
if [ ! -d "$root/venv/lib/python3.11/site-packages/nvidia/cuda_runtime" ] && [ -z "$(find "$root/venv" -path '*nvidia/cuda_runtime/lib/libcudart.so.12' -print -quit)" ]; then
  "$root/venv/bin/pip" install -q nvidia-cuda-runtime-cu12 2>&1 | grep -v '^WARNING: Location' || true
fi
if [ ! -x "$root/perf_analyzer" ]; then
  tmp=$(mktemp -d)
  "$root/venv/bin/pip" download -q --no-deps -d "$tmp" tritonclient==2.41.0 2>&1 | grep -v '^WARNING: Location' || true
  python3 - "$tmp" "$root" <<'PY'
import glob, os, sys, zipfile
tmp, root = sys.argv[1], sys.argv[2]
whl = glob.glob(os.path.join(tmp, 'tritonclient-2.41.0-*.whl'))[0]
with zipfile.ZipFile(whl) as z:
    data = z.read('tritonclient-2.41.0.data/data/bin/perf_analyzer')
path = os.path.join(root, 'perf_analyzer')
with open(path, 'wb') as f:
    f.write(data)
os.chmod(path, 0o755)
PY
  rm -rf "$tmp"
fi
if [ ! -x "$root/triton-venv/bin/python" ] || ! "$root/triton-venv/bin/python" -c 'import pytriton, torch, transformers' 2>/dev/null; then
  py=/usr/bin/python3.11
  [ -x "$py" ] || py=python3
  "$py" -m venv "$root/triton-venv"
  "$root/triton-venv/bin/pip" install -q nvidia-pytriton torch==2.13.0 transformers 2>&1 | grep -v '^WARNING: Location' || true
fi
echo "triton: $root/triton-venv/bin/python test/real/triton_server.py"

if [ ! -x "$root/genai-venv/bin/genai-perf" ]; then
  python3 -m venv "$root/genai-venv"
  "$root/genai-venv/bin/pip" install -q genai-perf 2>&1 | grep -v '^WARNING: Location' || true
fi
echo "genai-perf: $root/genai-venv/bin/python test/real/genai_parse.py"

cudart=$(dirname "$(find "$root/venv" -name 'libcudart.so.12' -print -quit)")
cat > "$root/perf_analyzer.sh" <<SH
#!/usr/bin/env bash
LD_LIBRARY_PATH="$(pwd)/$cudart\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$(pwd)/$root/perf_analyzer" "\$@"
SH
chmod +x "$root/perf_analyzer.sh"
"$root/perf_analyzer.sh" --version >/dev/null 2>&1 || "$root/perf_analyzer.sh" 2>&1 | head -1
echo "perf_analyzer: $root/perf_analyzer.sh"

# ---------------------------------------------------------------------------------------------------
# AIPerf 0.13 and GuideLLM 0.8.1 for test/real/peers.test.ts (the peers helper's section; a venv each). Not fatal:
# without them that test still checks the bundled real outputs and skips its fresh runs, saying why.
bash "$(dirname "$0")/setup-peers.sh" || echo "peers: AIPerf/GuideLLM not installed; test/real/peers.test.ts skips its fresh runs"

# ---------------------------------------------------------------------------------------------------
# OpenAI-compatible servers (test/real/openai.test.ts; the openai helper's section), in their own venv
# .cache/real/openai-venv:
# - llama.cpp's server through llama-cpp-python[server] (builds llama.cpp from source with cmake: slow on
#   2 cores, 5–6 min on a quiet machine, ~50 min on a busy one; GGML_NATIVE=OFF so the build runs on any x86-64), with gguf and numpy for
#   test/real/tiny_gguf.py, which writes the tiny random-weight model it serves (nothing downloaded);
# - GuideLLM's mock-server: from .cache/real/peers-guidellm-venv when the peers' GuideLLM is installed
#   there (one install for both), else guidellm into openai-venv.
if [ ! -x "$root/openai-venv/bin/python" ]; then
  python3 -m venv "$root/openai-venv"
fi
if ! "$root/openai-venv/bin/python" -c 'import llama_cpp.server, gguf, numpy' 2>/dev/null; then
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
    "$root/openai-venv/bin/pip" install -q 'llama-cpp-python[server]' gguf numpy 2>&1 | grep -v '^WARNING: Location' || true
fi
if [ ! -x "$root/peers-guidellm-venv/bin/guidellm" ] && [ ! -x "$root/openai-venv/bin/guidellm" ]; then
  "$root/openai-venv/bin/pip" install -q guidellm 2>&1 | grep -v '^WARNING: Location' || true
fi
echo "llama.cpp server: $root/openai-venv/bin/python -m llama_cpp.server --model MODEL.gguf (model: $root/openai-venv/bin/python test/real/tiny_gguf.py MODEL.gguf)"
