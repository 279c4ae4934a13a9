#!/usr/bin/env bash
# The test command of the README: install what is missing, then configure, build and run every test
# with the release preset (build/release). Works from any directory; exits non-zero if anything fails.
#
#   tools/test.sh                 release: every test, every ISA this machine runs, named Suite.Test/<isa>_<type>
#   tools/test.sh asan            the same under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan)
#   tools/test.sh debug           -O0 -g (build/debug)
set -euo pipefail

preset="${1:-release}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/tools/deps.sh"
start=$SECONDS
cmake --workflow --preset "$preset"
echo "tools/test.sh: preset '$preset' configured, built and passed in $((SECONDS - start)) s"
