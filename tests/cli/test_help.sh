#!/usr/bin/env bash
# Every command answers --help with a usage line, and --version prints the version.
. "$(dirname "$0")/lib.sh"
for c in run check info calibrate; do
  "$CSSIM" "$c" --help | grep -q "usage: cssim $c" || fail "cssim $c --help"
done
"$CSSIM" --help | grep -q "usage: cssim" || fail "cssim --help"
"$CSSIM" --version | grep -qE "^cssim [0-9]+\.[0-9]+" || fail "cssim --version"
echo "ok: help"
