"""Send one TCP SYN to a neighbour's MAC address, addressed to an IP of our choice, and report
what comes back: how a host on the same network reaches ports a Docker engine before 28
published on 127.0.0.1 (moby/moby#45610).

    loopback_probe.py NEIGHBOUR_IP DEST_IP PORT   ->  {"reply": "SA" | "R" | null, ...}

A reply of any kind (SYN-ACK or reset) means the packet reached something that answered; a
neighbour that drops it answers nothing. Needs CAP_NET_RAW; Python's standard library only.
"""

from __future__ import annotations

import json
import os
import random
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def route(neighbour: str) -> tuple[str, str, str]:
    """The interface and our address towards the neighbour, and its MAC in our ARP table."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.connect((neighbour, 9))
        udp.send(b"\0")  # makes the kernel resolve the neighbour's MAC
        source = udp.getsockname()[0]
    time.sleep(0.5)
    with open("/proc/net/arp", encoding="ascii") as arp:
        for line in arp.readlines()[1:]:
            ip, dummy, flags, mac, dummy, device = line.split()
            if ip == neighbour and flags != "0x0":
                return device, source, mac
    raise SystemExit(f"no ARP entry for {neighbour}")


def syn(src_mac, dst_mac, src_ip, dst_ip, sport, dport) -> bytes:
    tcp = struct.pack("!HHIIBBHHH", sport, dport, random.getrandbits(32), 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src_ip) + socket.inet_aton(dst_ip) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + len(tcp),
        random.getrandbits(16),
        0x4000,
        64,
        6,
        0,
        socket.inet_aton(src_ip),
        socket.inet_aton(dst_ip),
    )
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return (
        bytes.fromhex(dst_mac.replace(":", ""))
        + bytes.fromhex(src_mac.replace(":", ""))
        + struct.pack("!H", ETH_P_IP)
        + ip
        + tcp
    )


def main(neighbour: str, dest: str, port: int, wait: float = 3.0) -> dict:
    device, source, mac = route(neighbour)
    with open(f"/sys/class/net/{device}/address", encoding="ascii") as own:
        own_mac = own.read().strip()
    sport = random.randint(40000, 60000)
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    raw.bind((device, 0))
    raw.settimeout(0.2)
    raw.send(syn(own_mac, mac, source, dest, sport, port))
    reply = None
    deadline = time.monotonic() + wait
    while reply is None and time.monotonic() < deadline:
        try:
            frame = raw.recv(65535)
        except TimeoutError:
            continue
        packet = frame[14:]
        if packet[9] != 6:
            continue
        header = (packet[0] & 0x0F) * 4
        src_port, dst_port = struct.unpack("!HH", packet[header : header + 4])
        flags = packet[header + 13]
        if src_port == port and dst_port == sport:
            reply = "SA" if flags & 0x12 == 0x12 else "R" if flags & 0x04 else f"{flags:#x}"
            reply_from = socket.inet_ntoa(packet[12:16])
    raw.close()
    result = {"device": device, "source": source, "neighbour_mac": mac, "dest": dest, "port": port, "reply": reply}
    if reply:
        result["reply_from"] = reply_from
    return result


if __name__ == "__main__":
    if len(sys.argv) != 4 or os.geteuid() != 0:
        raise SystemExit(__doc__)
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
