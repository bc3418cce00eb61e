#!/usr/bin/env bash
# Installs real NVIDIA client software for the integration tests (test/real/), from PyPI and Debian only:
# perf_analyzer 2.41.0 from the tritonclient wheel, with the two libraries it loads.
# Idempotent: what is already in .cache/real/ is kept. Prints where perf_analyzer is.
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
cudart=$(dirname "$(find "$root/venv" -name 'libcudart.so.12' -print -quit)")
cat > "$root/perf_analyzer.sh" <<SH
#!/usr/bin/env bash
LD_LIBRARY_PATH="$(pwd)/$cudart\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$(pwd)/$root/perf_analyzer" "\$@"
SH
chmod +x "$root/perf_analyzer.sh"
"$root/perf_analyzer.sh" --version >/dev/null 2>&1 || "$root/perf_analyzer.sh" 2>&1 | head -1
echo "perf_analyzer: $root/perf_analyzer.sh"
