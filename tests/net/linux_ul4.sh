#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (a) vxbpf host <-> plain Linux vxlan host over an IPv4 underlay, IPv4 and
# IPv6 inside.
#
#   vm1 ns            hostA ns (vxbpf)                 hostB ns (Linux vxlan)            vm2 ns
#  +----------+   +------------------------+       +-----------------------------+   +----------+
#  | eth0     |   | vm0: vxbpf port vni 100|       | vm0 ─ br0 ─ vxlan100        |   |     eth0 |
#  | aa:01    +---+ ul0: vxbpf attach      |       |   (nolearning proxy,        +---+    bb:01 |
#  | 10.0.0.1 |   | NO kernel vxlan device |       |    static fdb+neigh of VM1) |   | 10.0.0.2 |
#  | fd00::1  |   | 192.0.2.1/24  ul0 +----veth----+ ul0  192.0.2.2/24           |   |  fd00::2 |
#  | mtu 1450 |   +------------------------+       +-----------------------------+   | mtu 1450 |
#  +----------+                                                                       +----------+
#
# hostA: vxbpf vni add 100 local 192.0.2.1 proxy; port add vm0 vni 100;
#        fdb add aa:01 vni 100 dev vm0; fdb add bb:01 vni 100 dst 192.0.2.2;
#        neigh add 10.0.0.2 / fd00::2 lladdr bb:01 vni 100; attach ul0
# No static outer neighbours on hostA: resolving 192.0.2.2 is vxbpf's job.
#
# Run: tests/net/linux_ul4.sh  (TESTS="t1 t2" to select, VERBOSE=1)

source "$(dirname "$0")/lib_interop.sh"

ul4_ping4() { t_ping linux 4 4; }
ul4_ping6() { t_ping linux 4 6; }
ul4_tcp4() { t_tcp linux 4 4; }
ul4_tcp6() { t_tcp linux 4 6; }
ul4_proxy() { t_proxy linux 4; }
ul4_counters() { t_counters linux 4; }

ALL_TESTS="ul4_ping4 ul4_ping6 ul4_tcp4 ul4_tcp6 ul4_proxy ul4_counters"

require_root
require_cmd ip bridge ping socat ss sha256sum jq
tests_run
tests_exit
