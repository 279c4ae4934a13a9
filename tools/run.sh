#!/usr/bin/env bash
# The main job of the README: install what is missing (with the peer libraries the benchmarks compare
# against), build the release preset, then show what nnsimd is for:
#   1. nnsimd info   - this machine, its ISAs, the dispatcher's choice;
#   2. nnsimd demo   - the book's chapter-5 forward pass on the scalar reference and every ISA;
#   3. nnsimd bench  - the quick benchmark matrix (under two minutes) and its summary table;
#   4. the HTML report of the committed results/ (history per machine, across machines): build/report/;
#   5. the Python module: copied into the user's site-packages (no network), then the book's chapter-5
#      script run through it (examples/chapter5.py).
# Results go to build/release/results/<machine-id>/ (pass --full for a full run into results/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mode=--quick
out="$root/build/release/results"
for arg in "$@"; do
  case "$arg" in
    --full) mode=--full; out="$root/results" ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

"$root/tools/deps.sh" --peers
cmake --preset release >/dev/null
cmake --build --preset release

nnsimd="$root/build/release/cli/nnsimd"
echo; echo "=== nnsimd info"; "$nnsimd" info
echo; echo "=== nnsimd demo"; "$nnsimd" demo
id="$("$nnsimd" info --id 2>/dev/null || true)"
echo; echo "=== nnsimd bench $mode"
"$nnsimd" bench "$mode" --out "$out/${id:-this-machine}"
echo; echo "=== tools/report.py"
/usr/bin/python3 "$root/tools/report.py" --out "$root/build/report"

# `import nnsimd` for Debian's /usr/bin/python3 from now on: the module built above, copied (not linked,
# so a later rebuild or a removed build folder does not change it) into the user's site-packages.
site="$(/usr/bin/python3 -m site --user-site)"
mkdir -p "$site"
cp "$root"/build/release/python/nnsimd.cpython-*.so "$site/"
echo; echo "=== python3 examples/chapter5.py (import nnsimd from $site)"
/usr/bin/python3 "$root/examples/chapter5.py"
