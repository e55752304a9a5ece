#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# (b) vxbpf host <-> plain Linux vxlan host over an IPv6 underlay, IPv4 and
# IPv6 inside.
#
#   vm1 ns            hostA ns (vxbpf)                 hostB ns (Linux vxlan)            vm2 ns
#  +----------+   +------------------------+       +-----------------------------+   +----------+
#  | eth0     |   | vm0: vxbpf port vni 100|       | vm0 ─ br0 ─ vxlan100        |   |     eth0 |
#  | aa:01    +---+ ul0: vxbpf attach      |       |   (nolearning proxy,        +---+    bb:01 |
#  | 10.0.0.1 |   | NO kernel vxlan device |       |    static fdb+neigh of VM1) |   | 10.0.0.2 |
#  | fd00::1  |   | 2001:db8::1/64  ul0 +---veth----+ ul0  2001:db8::2/64         |   |  fd00::2 |
#  | mtu 1430 |   +------------------------+       +-----------------------------+   | mtu 1430 |
#  +----------+                                                                       +----------+
#
# hostA: vxbpf vni add 100 local 2001:db8::1 proxy; port add vm0 vni 100;
#        fdb add aa:01 vni 100 dev vm0; fdb add bb:01 vni 100 dst 2001:db8::2;
#        neigh add 10.0.0.2 / fd00::2 lladdr bb:01 vni 100; attach ul0
# No static outer neighbours on hostA: resolving 2001:db8::2 is vxbpf's job.
#
# Run: tests/net/linux_ul6.sh  (TESTS="t1 t2" to select, VERBOSE=1)

source "$(dirname "$0")/lib_interop.sh"

ul6_ping4() { t_ping linux 6 4; }
ul6_ping6() { t_ping linux 6 6; }
ul6_tcp4() { t_tcp linux 6 4; }
ul6_tcp6() { t_tcp linux 6 6; }
ul6_proxy() { t_proxy linux 6; }
ul6_counters() { t_counters linux 6; }

ALL_TESTS="ul6_ping4 ul6_ping6 ul6_tcp4 ul6_tcp6 ul6_proxy ul6_counters"

require_root
require_cmd ip bridge ping socat ss sha256sum jq
tests_run
tests_exit
