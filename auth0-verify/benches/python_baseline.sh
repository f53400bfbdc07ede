#!/usr/bin/env bash
# Runs the Rust benchmark, then times auth0-python 4.13's TokenVerifier on the same tokens,
# then `openssl speed` for RSA-2048 verification on one core.
#
# Usage: auth0-verify/benches/python_baseline.sh [--skip-cargo]
# The Python side runs in a throwaway venv under /tmp and talks only to 127.0.0.1.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${AUTH0_VERIFY_BASELINE_VENV:-/tmp/auth0-py-baseline}"

echo "== machine"
echo "date: $(date -u +%Y-%m-%d)"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "cpu flags (crypto-relevant): $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' \
    | grep -xE 'hypervisor|aes|avx|avx2|avx512f|avx512vl|avx512ifma|bmi2|adx|sha_ni|vaes|vpclmulqdq' \
    | tr '\n' ' ')"
echo "ram: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "kernel: $(uname -srm)"
echo "rustc: $(rustc --version)"
echo "openssl: $(openssl version)"

if [[ "${1:-}" != "--skip-cargo" ]]; then
    echo "== cargo bench -p auth0-verify --bench verify"
    (cd "$root" && cargo bench -p auth0-verify --bench verify 2>&1 | grep -E 'time:|^[a-z0-9_]+/|summary|/s,') 
fi

echo "== auth0-python baseline"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet "auth0-python==4.13.*"
"$venv/bin/python" "$here/python_baseline.py" "$root/target/auth0-verify-bench"

echo "== openssl speed -seconds 3 rsa2048 (one core)"
openssl speed -seconds 3 rsa2048 2>/dev/null | tail -1
