#!/usr/bin/env bash
# A clone stands alone: no tracked source, script, test, scenario or build file refers to the
# shared folder outside the repository (the raw public data are copied into data/raw), and the
# raw files the scripts read are all there.
set -euo pipefail
cd "${CSSIM_SRC:-$(dirname "$0")/../..}"
fail=0
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files -- '*.c' '*.h' '*.py' '*.sh' '*.yaml' '*.txt' '*.R' '*.cmake' 'analysis/report' \
          'analysis/capacity' 'scripts/*' '.ci/*' | grep -v '^tests/cli/test_standalone.sh$' || true)
else
  files=$(find . -path ./build\* -prune -o -type f \( -name '*.c' -o -name '*.h' -o -name '*.py' \
          -o -name '*.sh' -o -name '*.yaml' -o -name CMakeLists.txt \) -print | grep -v test_standalone)
fi
for f in $files; do
  if grep -n '\.\./s[h]ared' "$f" /dev/null; then fail=1; fi
done
for f in la_lookup.csv ofsted_history_2009_2017_wide.csv ofsted_overall_judgements_2013_2017.csv \
         ofsted_overall_judgements_2018.csv consecutive_judgements_to_2017.csv \
         national_grade_distribution_2014_2017.csv workforce_2017.csv README.md; do
  [ -s "data/raw/$f" ] || { echo "missing data/raw/$f"; fail=1; }
done
[ "$fail" = 0 ] && echo "standalone: no reference to the shared folder; data/raw complete"
exit "$fail"
