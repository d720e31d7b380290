#!/usr/bin/env bash
# Fault injection on the real binary, in the manner of SQLite's tests: every failure ends with a
# clear message and exit status 1 or 2 (never a crash or a hang), keeps what was finished, and
# `--resume` then completes a file identical to an uninterrupted run.
#   file-size limit; a full small file system; signals from the first millisecond; corrupted,
#   truncated and damaged .part files; resume on another scenario's file; two runs on one
#   output; a resumed file moved elsewhere; thread counts out of range.
. "$(dirname "$0")/lib.sh"
CSSIM=$(readlink -f "$CSSIM")
# --commit-events 0: a commit every 16 replications, so that failures find a committed prefix
args=(scenarios/baseline.yaml -n 24 --set time.horizon_years=3 --set authorities.limit=40 -q
  --commit-events 0)
same() { /usr/bin/python3 tests/tools/h5same.py "$1" "$2" >/dev/null || fail "$3: differs from the reference"; }
# status of a command run in the background with a time limit; 124 = hung
bounded() { timeout -k 2 "$@"; }
"$CSSIM" run "${args[@]}" -o "$TMP/ref.h5" || fail "reference run"

# --- 1. a file-size limit: status 1, a message, then resume completes identically
refkb=$(( $(stat -c %s "$TMP/ref.h5") / 1024 ))
for limit in $((refkb * 35 / 100)) $((refkb * 60 / 100)) $((refkb * 85 / 100)); do
  out="$TMP/fsize$limit.h5"
  set +e
  (ulimit -f "$limit"; "$CSSIM" run "${args[@]}" -o "$out") 2>"$TMP/err"
  rc=$?
  set -e
  [ "$rc" = 1 ] || { cat "$TMP/err"; fail "file-size limit $limit: exit $rc (want 1)"; }
  grep -q 'File too large' "$TMP/err" || fail "file-size limit: no clear message: $(cat "$TMP/err")"
  grep -q 'HDF5-DIAG' "$TMP/err" && fail "file-size limit: HDF5's error stack printed"
  [ -e "$out.part" ] || fail "file-size limit: the .part was not kept"
  "$CSSIM" run --resume "$out" -q || fail "resume after the file-size limit ($limit blocks)"
  same "$TMP/ref.h5" "$out" "resume after a file-size limit"
done
echo "ok: file-size limit -> status 1, then an identical resume"

# --- 2. a full small file system (tmpfs; needs root: skipped, and said, otherwise)
mnt="$TMP/mnt"
mkdir -p "$mnt"
if mount -t tmpfs -o size=$((refkb * 60 / 100))k tmpfs "$mnt" 2>/dev/null; then
  trap 'umount "$mnt" 2>/dev/null || true; rm -rf "$TMP"' EXIT
  set +e
  "$CSSIM" run "${args[@]}" -o "$mnt/full.h5" 2>"$TMP/err"
  rc=$?
  set -e
  [ "$rc" = 1 ] || { cat "$TMP/err"; fail "full disk: exit $rc (want 1)"; }
  grep -q 'No space left on device' "$TMP/err" || fail "full disk: no clear message: $(cat "$TMP/err")"
  cp "$mnt/full.h5.part" "$TMP/full.h5.part"
  umount "$mnt"
  "$CSSIM" run --resume "$TMP/full.h5" -q || fail "resume after a full disk"
  same "$TMP/ref.h5" "$TMP/full.h5" "resume after a full disk"
  echo "ok: full file system -> status 1, then an identical resume"
else
  echo "note: cannot mount a tmpfs here (not root): full-disk case skipped"
fi

# --- 3. signals at random moments, from the very first millisecond, then --resume
sigs=(KILL TERM INT)
for trial in $(seq 0 11); do
  sig=${sigs[$((trial % 3))]}
  delay=$(awk -v t="$trial" 'BEGIN { srand(1000 + t); printf "%.3f", rand() * 0.4 }')
  out="$TMP/sig$trial.h5"
  "$CSSIM" run "${args[@]}" -j $((1 + trial % 2)) -o "$out" &
  pid=$!
  sleep "$delay"
  kill -"$sig" "$pid" 2>/dev/null || true
  set +e
  wait "$pid"
  rc=$?
  set -e
  case "$sig:$rc" in
    KILL:137 | *:0 | TERM:1 | INT:1) ;;
    TERM:143 | INT:130) # only before cssim began (loading libraries): nothing may exist yet
      [ -e "$out.part" ] && fail "SIG$sig after ${delay}s killed a run that had begun its output" ;;
    *) fail "SIG$sig after ${delay}s: exit status $rc" ;;
  esac
  if [ ! -e "$out" ]; then
    if [ -e "$out.part" ]; then
      bounded 60 "$CSSIM" run --resume "$out" -q || fail "SIG$sig after ${delay}s: resume failed"
    else # stopped before the output existed: nothing to resume, run again
      bounded 60 "$CSSIM" run "${args[@]}" -o "$out" || fail "rerun after SIG$sig"
    fi
  fi
  same "$TMP/ref.h5" "$out" "SIG$sig after ${delay}s then resume"
done
echo "ok: 12 signals (KILL, TERM, INT) at 0-0.4 s, each resumed identically"

# --- 4. damaged .part files: a clear refusal within seconds, never a crash or a hang
cp "$TMP/ref.h5" "$TMP/base.h5"
size=$(stat -c %s "$TMP/base.h5")
damage() { # FILE OFFSET: flips one byte
  printf '%02x' $(( ( $(od -An -tu1 -j "$2" -N1 "$1") ^ 0xff ) )) | xxd -r -p | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
check_refused() { # NAME: resume and info must end quickly with 0, 1 or 2 and no crash
  local what=$1 rc
  for cmd in "run --resume $TMP/dmg.h5 -q" "info $TMP/dmg.h5"; do
    set +e
    bounded 20 "$CSSIM" $cmd >/dev/null 2>"$TMP/err"
    rc=$?
    set -e
    [ "$rc" = 124 ] && fail "$what: cssim $cmd hangs"
    [ "$rc" -le 2 ] || { cat "$TMP/err"; fail "$what: cssim $cmd crashed (status $rc)"; }
    if [ "$rc" = 0 ] && [ "${cmd%% *}" = run ]; then
      # a resume that succeeds must give the right data
      same "$TMP/ref.h5" "$TMP/dmg.h5" "$what: resumed"
    fi
  done
}
# truncated
head -c $((size / 2)) "$TMP/base.h5" >"$TMP/dmg.h5.part"
check_refused "truncated .part"
rm -f "$TMP/dmg.h5" "$TMP/dmg.h5.part"
# one byte of the superblock / first object header changed
for off in 600 700 1100 2100; do
  cp "$TMP/base.h5" "$TMP/dmg.h5.part"
  damage "$TMP/dmg.h5.part" "$off"
  check_refused "byte $off changed"
  rm -f "$TMP/dmg.h5" "$TMP/dmg.h5.part"
done
# bytes in the data: either refused or resumed to the right data
for i in $(seq 1 8); do
  off=$(awk -v i="$i" -v s="$size" 'BEGIN { srand(i); printf "%d", 4096 + rand() * (s - 4096) }')
  cp "$TMP/base.h5" "$TMP/dmg.h5.part"
  damage "$TMP/dmg.h5.part" "$off"
  check_refused "byte $off changed"
  rm -f "$TMP/dmg.h5" "$TMP/dmg.h5.part"
done
echo "ok: truncated and damaged .part files refused quickly or resumed correctly"

# --- 5. --resume on another scenario's file is refused (status 2)
cp "$TMP/ref.h5" "$TMP/other.h5.part"
set +e
"$CSSIM" run scenarios/no_trusts.yaml -n 24 --set time.horizon_years=3 --set authorities.limit=40 \
  -q -o "$TMP/other.h5" --resume 2>"$TMP/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "resume on another scenario's file: exit $rc (want 2): $(cat "$TMP/err")"
grep -q 'differs from this run' "$TMP/err" || fail "resume on another file: unclear: $(cat "$TMP/err")"
echo "ok: resume on another scenario's file refused"

# --- 6. two runs on one output: the second is refused while the first holds it
# (long enough to outlast the second writer's 10 s wait for the lock; stopped below)
big=(scenarios/baseline.yaml -n 100000 -q -j 1)
"$CSSIM" run "${big[@]}" -o "$TMP/two.h5" &
pid=$!
for _ in $(seq 100); do [ -e "$TMP/two.h5.part" ] && break; sleep 0.05; done
for second in "--force" "--resume"; do
  set +e
  "$CSSIM" run "${big[@]}" -s 7 -o "$TMP/two.h5" $second 2>"$TMP/err"
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "second writer ($second): exit $rc (want 2): $(cat "$TMP/err")"
  grep -q 'another cssim run' "$TMP/err" || fail "second writer: unclear: $(cat "$TMP/err")"
done
kill -TERM "$pid"
wait "$pid" || true
echo "ok: a second writer of the same output is refused"

# --- 7. a resumed file that was moved: resume continues the moved file
"$CSSIM" run "${args[@]}" -o "$TMP/mv.h5" &
pid=$!
for _ in $(seq 100); do [ -e "$TMP/mv.h5.part" ] && break; sleep 0.02; done
sleep 0.2
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ -e "$TMP/mv.h5.part" ]; then
  mkdir -p "$TMP/moved"
  mv "$TMP/mv.h5.part" "$TMP/moved/m.h5.part"
  (cd "$TMP/moved" && "$CSSIM" run --resume m.h5 -q) || fail "resume of a moved file"
  [ -e "$TMP/moved/m.h5" ] || fail "resume of a moved file wrote elsewhere"
  [ -e "$TMP/mv.h5" ] && fail "resume of a moved file wrote the old path"
  same "$TMP/ref.h5" "$TMP/moved/m.h5" "resume of a moved file"
  echo "ok: a moved .part resumes in place"
fi

# --- 8. thread counts
set +e
"$CSSIM" run "${args[@]}" -o "$TMP/j.h5" -j 2x 2>"$TMP/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "-j 2x: exit $rc (want 2)"
bounded 60 "$CSSIM" run "${args[@]}" -o "$TMP/j.h5" -j 1000 || fail "-j 1000 did not complete"
same "$TMP/ref.h5" "$TMP/j.h5" "-j 1000"
set +e
"$CSSIM" run "${args[@]}" -o "$TMP/j2.h5" -j 10000 2>"$TMP/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "-j 10000: exit $rc (want 2)"
echo "ok: -j 2x and -j 10000 refused, -j 1000 capped and identical"
