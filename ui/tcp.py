"""Turn off Nagle's algorithm on the server's connections, which Streamlit 1.67 leaves on.

Streamlit binds its listening socket itself with `socket.socket(family)`, whose protocol number is 0,
and asyncio only sets TCP_NODELAY on connections whose socket says IPPROTO_TCP. With Nagle on, every
answer after the first on a kept-alive connection waited for the client's delayed ACK: about 45 ms per
API call instead of about 3 ms. Linux copies TCP_NODELAY from a listening socket to the connections it
accepts, so it is set on the listening sockets once, at start-up (the socket is bound before serve.py
is imported, so there is no earlier moment to reach it).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

OPEN_FILES = Path("/proc/self/fd")


def disable_nagle() -> int:
    """Set TCP_NODELAY on every listening TCP socket of this process; how many there were."""
    if not OPEN_FILES.is_dir():  # not Linux: leave the sockets as they are
        return 0
    changed = 0
    for name in os.listdir(OPEN_FILES):
        try:
            if not os.readlink(OPEN_FILES / name).startswith("socket:"):
                continue
            # a duplicate of the descriptor: closing it leaves the server's socket open
            with socket.socket(fileno=os.dup(int(name))) as sock:
                if sock.type != socket.SOCK_STREAM or sock.family not in (socket.AF_INET, socket.AF_INET6):
                    continue
                if not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                    continue
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                changed += 1
        except OSError:  # closed meanwhile, or not a socket we may touch
            continue
    return changed
