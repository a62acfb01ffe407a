#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Gradescope runs this once when it builds the autograder's image (the zip is in /autograder/source):
# Java 17 and Maven from the distribution, then one build of the untouched kit, which downloads
# every library and plugin from Maven Central, so that grading a submission builds offline.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v java >/dev/null || ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
  apt-get update
  apt-get install -y --no-install-recommends openjdk-17-jdk-headless
fi
if ! command -v mvn >/dev/null; then
  apt-get update
  apt-get install -y --no-install-recommends maven
fi
cd "$(dirname "${BASH_SOURCE[0]}")"
# a zip keeps no file modes: make the scripts runnable again
chmod +x run_autograder setup.sh mmulab grade /autograder/run_autograder 2>/dev/null || true
mvn -B -q -DskipTests package dependency:resolve-plugins
