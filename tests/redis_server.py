"""A throwaway Redis server on loopback, for the request counters several processes share.

Debian's `redis-server` (installed by `make test`) runs in the foreground with no persistence
and no config file, on a free port; the tests stop it when they are done.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

from tests.ports import free_port


class RedisUnavailable(RuntimeError):
    """redis-server is not installed here, or did not start; the message says which."""


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_redis(timeout: float = 10.0) -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("redis-server is not installed (Debian package redis-server)")
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RedisUnavailable(f"redis-server exited: {error.strip()[:300]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return RedisServer(port, process)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RedisUnavailable(f"redis-server did not answer on port {port} within {timeout} s")
