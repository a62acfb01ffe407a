#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Gradescope's run_autograder: take the exercise regions, and only them, from the submitted files,
# build, run the visible and hidden graders of this assignment's exercises under lockdep, and write
# results.json. AUTOGRADER_ROOT (default /autograder) lets a teacher run it anywhere.
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
source="$root/source"
submission="$root/submission"
results="$root/results/results.json"
exercises="@EXERCISES@"
mkdir -p "$root/results"
work="$(mktemp -d "${TMPDIR:-/tmp}/mmulab-grade.XXXXXX")"
cp -r "$source/." "$work/"
rm -rf "$work"/*/target
fail() {  # score 0 with a message a student can act on
  python3 - "$results" "$1" <<'PY' 2>/dev/null || printf '{"score": 0, "output": "%s"}\n' "autograder error" > "$results"
import json, sys
json.dump({"score": 0, "output": sys.argv[2], "tests": []}, open(sys.argv[1], "w"), indent=2)
PY
  exit 0
}
java "$work/examples/src/main/java/org/mmulab/course/Regions.java" splice "$work" "$submission" "$exercises" \
  || fail "the autograder could not read your submission's exercise regions"
offline=""
if [ -d "${HOME}/.m2/repository" ]; then offline="-o"; fi
log="$work/build.log"
if ! (cd "$work" && mvn -B $offline -DskipTests package) >"$log" 2>&1; then
  if [ -n "$offline" ] && grep -q "offline" "$log"; then
    (cd "$work" && mvn -B -DskipTests package) >"$log" 2>&1 || fail "your code does not compile:
$(grep -E '^\[ERROR\]' "$log" | head -n 30)"
  else
    fail "your code does not compile:
$(grep -E '^\[ERROR\]' "$log" | head -n 30)"
  fi
fi
IFS=',' read -r -a numbers <<< "$exercises"
bash "$work/mmulab" grade "${numbers[@]}" --gradescope "$results"
status=$?
if [ ! -s "$results" ]; then
  fail "grading stopped before it wrote results (exit status $status)"
fi
exit 0
