"""A TCP echo across namespaces, in-process: proof that traffic flows or is blocked.

A socket belongs to the network namespace of the thread that created it, so the
server and the client open their sockets inside the wanted namespace (through
:func:`plugnet.linux.netns.entered`) and then run in ordinary threads. No
process is spawned.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType

from plugnet.linux.netns import entered

__all__ = ["EchoServer", "tcp_echo"]


@dataclass
class EchoServer:
    """Serves ``<name>|peer=<client ip>|<payload>`` on ``port`` inside ``netns``.

    The reply names the client address as the server saw it, so a test can
    check masquerading. Use as a context manager; it stops on exit.
    """

    netns: str
    port: int
    name: str = "echo"
    host: str = "0.0.0.0"
    _sock: socket.socket | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def start(self) -> EchoServer:
        with entered(self.netns):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(64)
        sock.settimeout(0.2)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, addr = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(1024)
                    conn.sendall(f"{self.name}|peer={addr[0]}|".encode() + data)
                except OSError:
                    pass

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> EchoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def tcp_echo(
    netns: str, host: str, port: int, timeout: float = 2.0, payload: bytes = b"ping"
) -> str | None:
    """Connect from ``netns`` to ``host:port`` and return the reply, or None if it failed.

    None means the connection was refused, timed out or was reset: the
    traffic did not flow.
    """
    with entered(netns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with sock:
        sock.settimeout(timeout)
        try:
            sock.connect((host, port))
            sock.sendall(payload)
            return sock.recv(1024).decode()
        except OSError:
            return None
