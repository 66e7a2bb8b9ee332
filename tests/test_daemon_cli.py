"""CLI of the daemon side: `check --config`, `milter` start-up errors, `prune`, `db upgrade`."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from vecguard.cli import main
from vecguard.errors import StoreError
from vecguard.history import models, schema
from vecguard.history.store import Store

from .helpers import LOCAL, POLICY_DIR
from .postgres import fresh_database


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_validates_the_settings_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "vecguard.toml"
    conf.write_text(f'local_domains = ["{LOCAL}"]\npolicy_dir = "{POLICY_DIR}"\nfail_mode = "accept"\n')
    code, out, _ = run(capsys, "check", "--config", str(conf))
    assert code == 0 and out.startswith(f"settings ok: {conf}") and "policy ok" in out

    conf.write_text('fail_mode = "bounce"\n')
    code, out, err = run(capsys, "check", "--config", str(conf))
    assert code == 2 and out == ""
    assert err == f"vecguard: {conf}: fail_mode: must be one of: accept, tempfail\n"


def test_milter_refuses_bad_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "vecguard.toml"
    conf.write_text('socket = "unix:relative.sock"\n')
    code, _, err = run(capsys, "milter", "--config", str(conf))
    assert code == 2 and err.startswith(f"vecguard: {conf}: socket: ") and err.count("\n") == 1
    code, _, err = run(capsys, "milter", "--config", str(tmp_path / "missing.toml"))
    assert code == 2 and "cannot read" in err
    conf.write_text("")
    code, _, err = run(capsys, "milter", "--config", str(conf), "--policy", str(POLICY_DIR))
    assert code == 2 and "no local domains" in err


def test_prune_removes_old_decisions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    store = Store(url)
    with store.session() as session:
        session.record({"message_id": "old", "action": "pass"})
        session.record({"message_id": "new", "action": "pass"})
    store.close()
    with sqlite3.connect(tmp_path / "h.db") as db:
        old = (datetime.now(UTC) - timedelta(days=40)).replace(tzinfo=None).isoformat(" ", "microseconds")
        db.execute("UPDATE decision SET created_at = ? WHERE message_id = 'old'", (old,))
    code, out, _ = run(capsys, "prune", "--older-than", "30", "--db", url)
    assert (code, out) == (0, "pruned 1 rows older than 30 days\n")
    with sqlite3.connect(tmp_path / "h.db") as db:
        assert [r[0] for r in db.execute("SELECT message_id FROM decision")] == ["new"]
    code, _, err = run(capsys, "prune", "--older-than", "0", "--db", url)
    assert code == 2 and "at least 1 day" in err


def test_db_upgrade_creates_then_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    current = models.SCHEMA_VERSION
    assert run(capsys, "db", "upgrade", "--db", url)[:2] == (0, f"schema version (none) -> {current}\n")
    assert run(capsys, "db", "upgrade", "--db", url)[:2] == (0, f"schema version {current}: up to date\n")
    Store(url, create=False).close()  # the store accepts what upgrade made


def test_db_upgrade_runs_the_migration_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    schema.upgrade(url)
    steps: list[str] = []

    def two_to_three(conn: object) -> None:
        steps.append("2->3")
        conn.execute(text("ALTER TABLE decision ADD COLUMN note TEXT"))  # type: ignore[attr-defined]

    def three_to_four(conn: object) -> None:
        steps.append("3->4")

    chain = {"2": ("3", two_to_three), "3": ("4", three_to_four)}
    assert schema.upgrade(url, migrations=chain, target="4") == ("2", "4")
    assert steps == ["2->3", "3->4"]
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar() == "4"
        conn.execute(text("SELECT note FROM decision"))
    engine.dispose()
    # This vecguard expects version 2: a newer database is refused, by the store and by upgrade.
    with pytest.raises(StoreError, match="schema version 4"):
        Store(url)
    with pytest.raises(StoreError, match="knows no upgrade from it to 2"):
        schema.upgrade(url)


def _downgrade_to_1(url: str) -> None:
    """Make a current database look like one written by schema 1 (as the first release left it)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for column in ("subject", "mail_from", "client_address", "details"):
            conn.execute(text(f"ALTER TABLE decision DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE audit"))
        conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
        conn.execute(text("INSERT INTO decision (message_id, created_at, recipients, score, action, signals) "
                          "VALUES ('old@example.com', '2026-01-02 03:04:05', '[]', 71, 'hold', '[]')"))
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_db_upgrade_from_schema_1_keeps_the_decisions(backend: str, tmp_path: Path, request: pytest.FixtureRequest,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The real 1 -> 2 step (review columns, audit table) on both backends; old rows stay and read back."""
    url = f"sqlite:///{tmp_path / 'h.db'}" if backend == "sqlite" else fresh_database(
        request.getfixturevalue("postgres_url"), "vecguard_migrate")
    schema.upgrade(url)
    _downgrade_to_1(url)
    with pytest.raises(StoreError, match="schema version 1, this vecguard expects 2"):
        Store(url, create=False)
    assert run(capsys, "db", "upgrade", "--db", url)[:2] == (0, "schema version 1 -> 2\n")
    store = Store(url, create=False)
    with store.session() as session:
        (old,) = session.decisions()
        assert (old["message_id"], old["score"], old["action"], old["details"], old["subject"]) == \
            ("old@example.com", 71, "hold", {}, None)
        session.record({"message_id": "new@example.com", "action": "tag", "subject": "Invoice", "details": {"a": 1}})
    with store.session() as session:
        assert next((d["subject"], d["details"]) for d in session.decisions()) == ("Invoice", {"a": 1})
    store.close()


def test_db_upgrade_rolls_back_a_failing_step(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    schema.upgrade(url)

    def broken(conn: object) -> None:
        conn.execute(text("ALTER TABLE nosuchtable ADD COLUMN x TEXT"))  # type: ignore[attr-defined]

    with pytest.raises(StoreError, match="cannot upgrade"):
        schema.upgrade(url, migrations={"2": ("3", broken)}, target="3")
    Store(url, create=False).close()  # still version 2


def test_concurrent_schema_creation_on_postgres(postgres_url: str) -> None:
    """Two gateways starting at once on an empty database: the advisory lock makes one create, one wait."""
    import concurrent.futures


    url = fresh_database(postgres_url, "vecguard_race")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: Store(url), range(4)))
    for store in stores:
        store.close()
    assert schema.upgrade(url) == (models.SCHEMA_VERSION, models.SCHEMA_VERSION)


def test_shipped_example_settings_are_valid(tmp_path: Path) -> None:
    from vecguard.settings import load_settings

    shipped = Path(__file__).resolve().parent.parent / "systemd" / "vecguard.toml"
    text_ = shipped.read_text().replace('"/etc/vecguard/policies"', f'"{POLICY_DIR}"')
    conf = tmp_path / "vecguard.toml"
    conf.write_text(text_)
    s = load_settings(str(conf), environ={})
    assert (s.socket, s.fail_mode, s.submission_daemon_names) == ("unix:/run/vecguard/milter.sock", "accept",
                                                                  ("ORIGINATING",))


def test_systemd_units_run_unprivileged_and_check_first() -> None:
    unit = (Path(__file__).resolve().parent.parent / "systemd" / "vecguard-milter.service").read_text()
    for line in ("User=vecguard", "RuntimeDirectory=vecguard", "StateDirectory=vecguard", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "PrivateTmp=yes", "ExecStartPre=/opt/vecguard/bin/vecguard check"):
        assert line in unit.splitlines(), line
    timer = (Path(__file__).resolve().parent.parent / "systemd" / "vecguard-prune.timer").read_text()
    assert "OnCalendar=daily" in timer


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` works offline (no systemd PID 1 needed); the units' /opt/vecguard paths are
    pointed at this environment's vecguard so the ExecStart check is real."""
    import shutil
    import subprocess
    import sys

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    executable = Path(sys.executable).parent / "vecguard"
    assert executable.exists()
    units = []
    for name in ("vecguard-milter.service", "vecguard-prune.service", "vecguard-prune.timer"):
        text_ = (Path(__file__).resolve().parent.parent / "systemd" / name).read_text()
        (tmp_path / name).write_text(text_.replace("/opt/vecguard/bin/vecguard", str(executable)))
        units.append(str(tmp_path / name))
    done = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_milter_auth_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "vecguard.toml"
    conf.write_text(f'local_domains = ["{LOCAL}"]\npolicy_dir = "{POLICY_DIR}"\nverify_auth = true\n'
                    'resolvers = ["127.0.0.1:5353"]\nauth_budget_ms = 700\n')
    code, out, _ = run(capsys, "check", "--config", str(conf))
    assert code == 0 and "sender authentication by DNS: on (700 ms a message, 127.0.0.1:5353)" in out
    code, _, err = run(capsys, "milter", "--config", str(conf), "--auth-budget", "5")
    assert code == 2 and err == f"vecguard: {conf}: auth_budget_ms: must be below time_budget_ms (3000): the DNS " \
                                "checks are part of the end-of-message work\n"
    code, _, err = run(capsys, "milter", "--config", str(conf), "--auth-budget", "-1")
    assert code == 2 and err == "vecguard: --auth-budget: between 0 and 30 seconds\n"
    code, _, err = run(capsys, "milter", "--config", str(conf), "--resolver", "127.0.0.1:99999", "--workers", "2")
    assert code == 2 and "resolvers" in err and err.count("\n") == 1
    code, _, err = run(capsys, "milter", "--config", str(conf), "--workers", "0")
    assert code == 2 and err.startswith(f"vecguard: {conf}: workers: ")
    for workers in ("1", "2"):  # a socket that cannot be created: one line, exit 2, not a traceback
        code, _, err = run(capsys, "milter", "--config", str(conf), "--workers", workers,
                           "--socket", f"unix:{tmp_path}/no/such/dir/milter.sock")
        assert code == 2 and err.startswith("vecguard: milter: cannot open socket unix:") and err.count("\n") == 1
