"""The interpreted variant of the rttproc floor (src/bench/c/rtt_floor.c has the notes): the same
ping-pong of the node's ping line between two processes on loopback, in CPython.

    rtt_floor.py server PORT
    rtt_floor.py client PORT INTERVAL_MS

The client prints "rtt NANOS" per round trip, timed right before send() and right after the recv()
that completes the pong line; it stops when stdin closes, the server when its client goes.
"""
import os
import select
import socket
import sys
import time


def server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    print("listening", s.getsockname()[1], flush=True)
    c, _ = s.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    while True:
        data = c.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            c.sendall(line.replace(b'"msgtype":"ping"', b'"msgtype":"pong"', 1) + b"\n")


def client(port, interval_ms):
    c = socket.create_connection(("127.0.0.1", port))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    interval = interval_ms / 1000.0
    nxt = time.monotonic()
    seq = 0
    buf = b""
    while True:
        nxt += interval
        while True:
            wait = nxt - time.monotonic()
            if wait <= 0:
                break
            ready, _, _ = select.select([sys.stdin], [], [], wait)
            if ready and not os.read(sys.stdin.fileno(), 64):
                return
        seq += 1
        line = ('{"msgtype":"ping","nonce":"%016x"}\n' % ((seq * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)).encode()
        t0 = time.monotonic_ns()
        c.sendall(line)
        while b"\n" not in buf:
            data = c.recv(4096)
            if not data:
                return
            buf += data
        t1 = time.monotonic_ns()
        buf = buf.split(b"\n", 1)[1]
        print("rtt", t1 - t0, flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "server":
        server(int(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "client":
        client(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit("usage: rtt_floor.py server PORT | client PORT INTERVAL_MS")
