"""A real PostgreSQL server for the tests: started once per test session (per xdist worker), stopped at its end.

Debian's `postgresql` package provides it (`.ci/run` installs it in CI). PostgreSQL refuses to run as root, so as
root the server runs as the `postgres` user. It listens on a free loopback port, in a temp dir, with durability
off (a test database is thrown away). Each test gets a database of its own (`PostgresServer.new_database`).
Without a server the PostgreSQL variants are skipped, unless `CI` is set: there a missing server fails.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

USER = "podium"


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="podium-pg-"))
        self.data = self.dir / "data"
        self.port = 0
        self._as: list[str] = []
        if os.geteuid() == 0:  # "initdb: cannot be run as root"
            shutil.chown(self.dir, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]

    @classmethod
    def installed(cls) -> "PostgresServer | None":
        """A server to start from the installed PostgreSQL (not started yet), or None when none is installed."""
        bin_dir = _bin_dir()
        return cls(bin_dir) if bin_dir is not None else None

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, cwd=self.dir, timeout=180)

    def start(self, attempts: int = 3) -> None:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", USER, "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        log = self.dir / "log"
        for attempt in range(1, attempts + 1):
            # The port is picked just before the start and released, so another process (a sandbox on another
            # xdist worker) can take it in between: then the server fails to bind, and a new port is tried.
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir} "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            try:
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log),
                          "-t", "120", "-w", "start")
                return
            except subprocess.CalledProcessError as failed:
                server_log = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
                if attempt == attempts:
                    raise RuntimeError(f"PostgreSQL did not start after {attempts} attempts; its log ends:\n"
                                       f"{server_log}\npg_ctl said: {failed.stderr!r}") from failed
                # A half-started server would hold the data directory: stop it before the next try.
                subprocess.run([*self._as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                "stop"], capture_output=True, cwd=self.dir, timeout=60)

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("CI: PostgreSQL's initdb is not installed (.ci/run installs Debian's postgresql)")
        pytest.skip("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql): "
                    "`apt-get install postgresql` runs these variants")
    server = PostgresServer(bin_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh database on the session's server, dropped after the test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A test's database on each back end: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "podium.db")
    return str(request.getfixturevalue("postgres_url"))
