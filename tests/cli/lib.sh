# Shared by tests/cli/test_*.sh: fail with a message, and a scratch directory removed on exit.
set -euo pipefail
: "${CSSIM:=build/cssim}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# A small, fast variant of the baseline used by the CLI tests.
SMALL=(--set time.horizon_years=3 --set authorities.limit=30 -q)
