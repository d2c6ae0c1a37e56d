"""A throwaway PostgreSQL server for the test session, so the store is tested on a real one.

The server binaries come from Debian's `postgresql` package (`make test` installs it). The
cluster lives in a temporary directory, listens on a free loopback port and a socket inside
that directory, and trades durability for speed (fsync off). PostgreSQL refuses to run as
root, so when the tests run as root (CI does) initdb and pg_ctl run as the `postgres` system
user the package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from tests.ports import free_port

SYSTEM_USER = "postgres"
"""The operating-system user the server runs as when the tests run as root."""

SUPERUSER = "postgres"
"""The database superuser initdb makes; the cluster trusts loopback connections."""

SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "127.0.0.1",
    "max_connections": "200",
}


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed here, or would not start; the message says which and why."""


def find_bin_dir() -> Path:
    """The directory holding initdb and pg_ctl: on PATH, else the newest Debian version's."""
    on_path = shutil.which("initdb")
    if on_path:
        bin_dir = Path(on_path).resolve().parent
        if (bin_dir / "pg_ctl").is_file():
            return bin_dir
    versions = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda d: _version_key(d.parent.name),
    )
    for bin_dir in reversed(versions):
        if (bin_dir / "pg_ctl").is_file():
            return bin_dir
    raise PostgresUnavailable(
        "PostgreSQL's server is not installed (no initdb and pg_ctl on PATH or in "
        "/usr/lib/postgresql/*/bin); on Debian: apt-get install postgresql"
    )


def _version_key(name: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return (-1,)


@dataclass
class PostgresServer:
    """A running throwaway cluster; `stop()` shuts it down and deletes every file."""

    root: Path
    bin_dir: Path
    port: int = 0
    run_as: str | None = None
    _admin: psycopg.Connection[tuple[object, ...]] | None = field(default=None, repr=False)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of `database` on this server."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        self._connection().execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drops `name`, ending any connection still open to it (pooled engines keep some).

        DROP ... WITH (FORCE) alone would do, but it waits in steps of 100 ms for the ended
        sessions to go; ending them first and watching them go takes a few milliseconds.
        """
        admin = self._connection()
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            left = admin.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()
            if not left or not left[0]:
                break
            time.sleep(0.002)
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def stop(self) -> None:
        """Immediate shutdown (nothing here needs to survive), then the files go."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(
                host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
            )
        return self._admin

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / program), *args]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=120, check=False
        )

    def _start(self) -> None:
        for locale in ("--locale=C.UTF-8", "--no-locale"):  # the second: no C.UTF-8 here
            shutil.rmtree(self.data, ignore_errors=True)
            init = self._run(
                "initdb", "-D", str(self.data), "-A", "trust", "-U", SUPERUSER, "--no-sync",
                "-E", "UTF8", locale,
            )  # fmt: skip
            if init.returncode == 0:
                break
        if init.returncode != 0:
            raise PostgresUnavailable(f"initdb failed:\n{init.stdout}{init.stderr}")
        options = " ".join(f"-c {name}={value}" for name, value in SETTINGS.items())
        for _ in range(5):  # another process may take the free port before the server does
            self.port = free_port()
            started = self._run(
                "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", f"-p {self.port} -k {shlex.quote(str(self.root))} {options}",
            )  # fmt: skip
            if started.returncode == 0:
                break
        else:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"pg_ctl could not start the server:\n{started.stdout}{started.stderr}{log}"
            )
        deadline = time.monotonic() + 30
        while True:  # pg_ctl -w has waited for "ready"; this makes sure TCP answers too
            try:
                self._connection()
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PostgresUnavailable(f"the server does not answer: {error}") from error
                time.sleep(0.05)


def start_server() -> PostgresServer:
    """Starts a fresh cluster, or raises PostgresUnavailable saying why it cannot."""
    bin_dir = find_bin_dir()
    run_as: str | None = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root, and PostgreSQL will not; there is no {SYSTEM_USER!r} user "
                "to run it as (Debian's postgresql package creates one)"
            ) from None
        if shutil.which("runuser") is None:
            raise PostgresUnavailable("running as root, and `runuser` is not installed")
        run_as = SYSTEM_USER
    # /tmp, not pytest's per-user temporary directory: as root that one is closed to `postgres`.
    root = Path(tempfile.mkdtemp(prefix="candid-pg-", dir="/tmp" if run_as else None))
    if run_as is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    server = PostgresServer(root=root, bin_dir=bin_dir, run_as=run_as)
    try:
        server._start()
    except BaseException:
        server.stop()
        raise
    return server
