#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The README's demo command: install what is missing, build, and run a live
# failover in network namespaces.
set -eu
cd "$(dirname "$0")/.."
tests/deps.sh
make -s all
exec tests/lab/demo.sh
