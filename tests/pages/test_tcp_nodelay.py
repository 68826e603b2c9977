"""The server's connections answer without Nagle's delay: ui.tcp sets TCP_NODELAY on listening sockets."""

from __future__ import annotations

import socket

from ui.tcp import disable_nagle


def test_listening_sockets_get_nodelay_and_pass_it_to_accepted_connections():
    listener = socket.socket(family=socket.AF_INET)  # as Streamlit binds it: protocol number 0
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        assert disable_nagle() >= 1
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        with socket.create_connection(listener.getsockname()):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()
    assert listener.fileno() == -1  # closed by us, not left to the duplicate
