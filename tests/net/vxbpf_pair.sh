#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (c) vxbpf <-> vxbpf: both hosts run vxbpf, no kernel vxlan device anywhere.
#
#   vm1 ns            hostA ns (vxbpf)                 hostB ns (vxbpf)              vm2 ns
#  +----------+   +------------------------+       +------------------------+   +----------+
#  | eth0     |   | vm0: vxbpf port vni 100|       | vm0: vxbpf port vni 100|   |     eth0 |
#  | aa:01    +---+ ul0: vxbpf attach      |       | ul0: vxbpf attach      +---+    bb:01 |
#  | 10.0.0.1 |   |                        |       |                        |   | 10.0.0.2 |
#  | fd00::1  |   | 192.0.2.1 | 2001:db8::1 +-veth-+ 192.0.2.2 | 2001:db8::2 |   |  fd00::2 |
#  +----------+   +------------------------+       +------------------------+   +----------+
#
# Each host: vni add 100 local <self> proxy; port add vm0 vni 100;
# fdb add <own VM> vni 100 dev vm0; fdb add <other VM> vni 100 dst <other>;
# neigh add <other VM's IPv4/IPv6> lladdr <other VM> vni 100; attach ul0.
# No static outer neighbours on either host.

source "$(dirname "$0")/lib_interop.sh"

pair_ul4_ping4() { t_ping pair 4 4; }
pair_ul4_ping6() { t_ping pair 4 6; }
pair_ul4_tcp4() { t_tcp pair 4 4; }
pair_ul4_counters() { t_counters pair 4; }
pair_ul6_ping4() { t_ping pair 6 4; }
pair_ul6_ping6() { t_ping pair 6 6; }
pair_ul6_tcp6() { t_tcp pair 6 6; }

ALL_TESTS="pair_ul4_ping4 pair_ul4_ping6 pair_ul4_tcp4 pair_ul4_counters
	pair_ul6_ping4 pair_ul6_ping6 pair_ul6_tcp6"

require_root
require_cmd ip ping socat ss sha256sum jq
tests_run
tests_exit
