#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ./grade N [--test NAME]: builds the kit if you changed something, then grades exercise N under
# lockdep: each test OK or FAIL with its points, then Score: x/y. Exit 0 only on full marks.
# ./grade with no N lists the exercises of this kit.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/mmulab" grade "$@"
