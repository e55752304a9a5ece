#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Numbered UDP datagrams, to find out whether any is lost.

  udpseq.py send ADDR PORT RATE STOPFILE   send 0, 1, 2 ... at RATE a second
                                           until STOPFILE exists; print how
                                           many were sent
  udpseq.py recv PORT OUTFILE              count what arrives until SIGTERM;
                                           write "received N missing M
                                           first F last L" to OUTFILE

Standard library only.
"""
import os
import signal
import socket
import struct
import sys
import time


def send(addr, port, rate, stop):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    seq, t0 = 0, time.monotonic()
    pad = b"\0" * 56
    while not os.path.exists(stop):
        # Catch up to the schedule in bursts, then sleep a little.
        due = int((time.monotonic() - t0) * rate)
        while seq < due:
            s.sendto(struct.pack("!Q", seq) + pad, (addr, port))
            seq += 1
        time.sleep(0.002)
    print(seq)


def recv(port, out):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("::", port))
    seen = set()
    done = []
    signal.signal(signal.SIGTERM, lambda *a: done.append(1))
    s.settimeout(0.2)
    while not done:
        try:
            data = s.recv(2048)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if len(data) >= 8:
            seen.add(struct.unpack("!Q", data[:8])[0])
    first = min(seen) if seen else -1
    last = max(seen) if seen else -1
    missing = (last - first + 1 - len(seen)) if seen else 0
    with open(out, "w") as f:
        f.write("received %d missing %d first %d last %d\n" % (len(seen), missing, first, last))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        recv(int(sys.argv[2]), sys.argv[3])
