"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary directory, on loopback.

Used when ``VECGUARD_TEST_POSTGRES`` is not set. Needs the server binaries (Debian: ``apt-get install
postgresql``, which .ci/run does); as root the server runs as the ``postgres`` user, since PostgreSQL
refuses to run as root. Without the binaries the PostgreSQL tests skip with that reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl, newest version first, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    found = [Path(c).parent for c in candidates]
    which = shutil.which("initdb")
    if which and not found:
        found.append(Path(which).resolve().parent)
    return next((d for d in found if (d / "pg_ctl").exists()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server, yield its SQLAlchemy URL (database ``vecguard``), stop and delete it afterwards."""
    bindir = server_binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not installed (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="vecguard-pg-", dir="/tmp"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    run = lambda argv: subprocess.run(_as_server_user(argv), check=True, capture_output=True, timeout=120)
    try:
        run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "vecguard", "--no-sync", "-E", "UTF8"])
        for attempt in range(3):  # the free port may be taken by someone else before the server binds it
            port = _free_port()
            try:
                run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-t", "120", "-o",
                     f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
        run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "vecguard", "vecguard"])
        yield f"postgresql+psycopg://vecguard@127.0.0.1:{port}/vecguard"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60, check=False)  # best effort: it may not have started
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(admin_url: str, name: str) -> str:
    """An empty database ``name`` of its own on the test server (dropped first if it exists); returns its
    SQLAlchemy URL. For tests that must not disturb the shared database."""
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name
