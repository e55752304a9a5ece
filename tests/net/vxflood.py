#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send VXLAN over IPv4 from many inner source MACs, as a peer on a
learning VNI might (a misbehaving VM, an attack): one frame per MAC, from
BASE_MAC + 0 to BASE_MAC + COUNT - 1, each to the same inner destination.
Standard library only (AF_PACKET), so it sends a few hundred thousand
frames a second where scapy sends thousands.

usage: vxflood.py IFACE OUTER_SMAC OUTER_DMAC SRC_IP DST_IP VNI INNER_DMAC
                  BASE_MAC COUNT [PASSES]
"""
import socket
import struct
import sys


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip_sum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    iface, osmac, odmac, src, dst, vni, idmac, base, count = sys.argv[1:10]
    passes = int(sys.argv[10]) if len(sys.argv) > 10 else 1
    vni, count = int(vni), int(count)
    base = int.from_bytes(mac(base), "big")

    # Inner: Ethernet + a small IPv4/UDP datagram (checksum 0: allowed).
    payload = b"vxflood!" * 4
    iudp = struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload
    iip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(iudp), 0, 0, 64, 17, 0,
                      socket.inet_aton("10.99.0.1"), socket.inet_aton("10.99.0.2"))
    iip = iip[:10] + struct.pack("!H", ip_sum(iip)) + iip[12:]
    inner = mac(idmac) + b"\0" * 6 + b"\x08\x00" + iip + iudp
    vxlan = struct.pack("!II", 0x08000000, vni << 8)
    udp_len = 8 + len(vxlan) + len(inner)
    oudp = struct.pack("!HHHH", 50000, 4789, udp_len, 0)  # IPv4: checksum 0
    oip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    oip = oip[:10] + struct.pack("!H", ip_sum(oip)) + oip[12:]
    frame = bytearray(mac(odmac) + mac(osmac) + b"\x08\x00" + oip + oudp + vxlan + inner)
    smac_off = 14 + 20 + 8 + 8 + 6

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    sent = 0
    for _ in range(passes):
        for i in range(count):
            frame[smac_off:smac_off + 6] = (base + i).to_bytes(6, "big")
            while True:
                try:
                    s.send(frame)
                    break
                except BlockingIOError:
                    continue
                except OSError as e:  # ENOBUFS: the queue is full, retry
                    if e.errno != 105:
                        raise
            sent += 1
    print(sent)


if __name__ == "__main__":
    main()
