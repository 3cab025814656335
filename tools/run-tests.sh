#!/usr/bin/env bash
# Every linter and test of the collection (what `make test` and CI run).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
export ANSIBLE_CONFIG="$here/ansible.cfg"
export PATH="$here/.venv/bin:$PATH"
status=0
step() { echo "==> $*"; "$@" || { echo "FAILED: $*"; status=1; }; }

step yamllint --strict .
step ansible-lint --offline
step ruff check roles tests tools bench
step python tools/check_docs.py
step sphinx-build -q -W --keep-going -b html doc/source build/doc

# pytest exits 5 when it collects nothing: that is a failure here, never a pass.
echo "==> pytest"
python -m pytest -p no:cacheprovider -ra --durations=40 "$@" tests
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "FAILED: pytest collected no tests"
  status=1
elif [ "$rc" -ne 0 ]; then
  status=1
fi
exit "$status"
