#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# mmulab in a student kit: builds the kit when a source is newer than its jar (mvn -B -DskipTests
# package), then runs the command under the lockdep agent, which the kit carries in repo/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/examples/target/examples.jar"
stale=""
if [ -f "$jar" ]; then
  stale="$(find "$here/pom.xml" "$here"/*/pom.xml "$here"/*/src -newer "$jar" -type f -print -quit 2>/dev/null || true)"
fi
if [ ! -f "$jar" ] || [ ! -d "$here/examples/target/lib" ] || [ -n "$stale" ]; then
  if [ -f "$jar" ]; then why="you changed ${stale#"$here"/}"; else why="first use"; fi
  echo "mmulab: building the kit ($why): mvn -B -DskipTests package, about 30 s the first time (it downloads the libraries from Maven Central) ..." >&2
  log="$(mktemp "${TMPDIR:-/tmp}/mmulab-build.XXXXXX")"
  if ! (cd "$here" && mvn -B -DskipTests package) >"$log" 2>&1; then
    grep -E '^\[(ERROR|FATAL)\]' "$log" | head -n 40 >&2 || cat "$log" >&2
    echo "mmulab: the build failed: the errors above (Maven's whole log: $log)" >&2
    exit 1
  fi
  rm -f "$log"
  touch "$jar"
fi
cmd=()
while IFS= read -r -d '' word; do
  cmd+=("$word")
done < <(java -cp "$jar" org.mmulab.examples.Launch "$here" "$@")
if [ "${#cmd[@]}" -eq 0 ]; then
  echo "mmulab: could not work out the java command line (org.mmulab.examples.Launch in $jar)" >&2
  exit 1
fi
exec "${cmd[@]}"
