#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The README's test command: install what is missing, then run every test
# (unit, fuzz, lab).  Ends with one line "N passed, N failed[, N skipped]".
set -eu
cd "$(dirname "$0")/.."
tests/deps.sh
exec make check
