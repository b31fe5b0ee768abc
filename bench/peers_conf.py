#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/peers_conf.py PEERS PER: a WireGuard configuration (wg addconf)
of PEERS peers with random keys and PER allowed-ips each, documentation
ranges only: one IPv4 /32 for each of the first 762 peers (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24), the rest IPv6 /64 and /128 prefixes of
2001:db8::/32. For the refresh benchmarks (bench/peers_refresh.sh,
bench/peers_kernel.sh)."""
import base64
import os
import sys


def main():
    peers, per = int(sys.argv[1]), int(sys.argv[2])
    print("[Interface]\nListenPort = 51999")
    v4 = ["192.0.2.%d", "198.51.100.%d", "203.0.113.%d"]
    for i in range(peers):
        ips = []
        if i < 762:
            ips.append(v4[i // 254] % (i % 254 + 1) + "/32")
        k = 0
        while len(ips) < per:
            ips.append("2001:db8:%x:%x::/64" % (i, k) if k % 2 == 0
                       else "2001:db8:%x:%x::1/128" % (i, k))
            k += 1
        print("[Peer]\nPublicKey = %s\nAllowedIPs = %s" % (
            base64.b64encode(os.urandom(32)).decode(), ", ".join(ips)))


if __name__ == "__main__":
    main()
