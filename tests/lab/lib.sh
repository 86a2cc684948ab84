# SPDX-License-Identifier: Apache-2.0
# tests/lab/lib.sh: the network-namespace lab, the one file tests/lab/*.sh
# source.  It sources its parts, split by concern, from tests/lab/lib/:
#   core.sh    prefix, temp dir, trap and cleanup, our processes, clocks
#   ns.sh      bridge, hosts, client, links, VIP holders, nft, captures
#   agent.sh   dbvipd / keepalived configs, start/stop/crash, status,
#              groups of agents, lab_states
#   db.sh      MariaDB servers, GTID replication, Galera, checkrun
#   load.sh    probe stopwatch, dbload writer/sampler and their verdicts
#   assert.sh  t_pass/t_fail/t_skip/t_check/t_ok/t_summary, lab_wait_for,
#              lab_holds_for
# The replication-role tests add tests/lab/role_lib.sh.
#
# One run owns a prefix P (LAB_PREFIX, default "dv<pid>"), every namespace
# it creates is named "$P-<name>", and an EXIT/INT/TERM trap kills the
# processes it started (by recorded PID only) and deletes only namespaces
# named "$P-*".  Nothing is ever configured in the root namespace: the
# bridge lives in its own namespace "$P-br", veth pairs are created inside
# that namespace with their far end moved straight into the host namespace,
# and all lab addresses (198.51.100.0/24, 2001:db8::/64) live on the hosts'
# "eth0" inside their own namespaces.
#
# Every wait is a poll against a deadline (lab_wait_for); there are no
# fixed sleeps.  Requires root, iproute2, jq, arping, nft, a C compiler
# (for probe.c), keepalived and/or the dbvipd binaries; the MariaDB helpers
# (private mariadbd per host, GTID replication, Galera) need mariadb-server,
# and galera-4 + rsync for Galera.
#
# Environment:
#   LAB_PREFIX   namespace prefix (<= 8 chars), default dv$$
#   LAB_KEEP     1: keep the temp dir (logs, captures); 0: always remove it;
#                unset: keep it only when the script fails
#   LAB_RESULTS  file to append "PASS|FAIL|SKIP<TAB>script<TAB>name<TAB>why"
#   DBVIPD, DBVIPCTL   binaries (default build/dbvipd, build/dbvipctl)
#   KEEPALIVED   binary (default keepalived from PATH)
#   LAB_PROBE    a prebuilt probe binary (default: compiled into the tmp dir)
#   LAB_VERBOSE  1: print every lab_wait_for as it starts
#   LAB_FAILOVER_BLOCK  failover_block written into dbvipd configs (default 0)

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)

for lab_part in core ns agent db load assert; do
	# shellcheck source=/dev/null
	. "$LAB_DIR/lib/$lab_part.sh"
done
unset lab_part
