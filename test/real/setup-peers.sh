#!/usr/bin/env bash
# Installs the peer tools palens reads (test/real/peers.test.ts) into .cache/real: AIPerf 0.13 and
# GuideLLM 0.8.1 from PyPI, each in its own venv (their pins differ). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .cache/real
if [ ! -x .cache/real/peers-aiperf-venv/bin/aiperf ]; then
  python3 -m venv .cache/real/peers-aiperf-venv
  .cache/real/peers-aiperf-venv/bin/pip install -q 'aiperf==0.13.0'
fi
if [ ! -x .cache/real/peers-guidellm-venv/bin/guidellm ]; then
  python3 -m venv .cache/real/peers-guidellm-venv
  .cache/real/peers-guidellm-venv/bin/pip install -q 'guidellm==0.8.1'
fi
.cache/real/peers-aiperf-venv/bin/pip show aiperf | sed -n 1,2p
.cache/real/peers-guidellm-venv/bin/guidellm --version
