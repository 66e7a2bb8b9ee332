"""Daemon settings: ``/etc/vecguard/vecguard.toml``, overridden by the environment, overridden by flags.

Validated once, at start-up (and by ``vecguard check``): a bad value is a :class:`ConfigError` naming the
file and the key, so the daemon refuses to start instead of running half-configured. The per-message path
never reads configuration.

    # /etc/vecguard/vecguard.toml
    socket = "unix:/run/vecguard/milter.sock"        # or "inet:11332@127.0.0.1" (slower: see POSTFIX.md)
    db_url = "sqlite:////var/lib/vecguard/history.db" # or postgresql+psycopg://vecguard@db/vecguard
    policy_dir = "/etc/vecguard/policies"
    local_domains = ["example-corp.com"]
    submission_daemon_names = ["ORIGINATING"]        # Postfix {daemon_name} of the submission listener
    max_message_bytes = 10000000                     # larger: headers only (BODY_NOT_SCANNED)
    time_budget_ms = 3000                            # all end-of-message work, database included
    fail_mode = "accept"                             # or "tempfail"
    subject_prefix = ""                              # e.g. "[VEC?] " on tagged mail
    pass_header = "score"                            # or "none": what passed mail carries
    authserv_ids = ["mx.example-corp.com"]           # trusted Authentication-Results writers
    remove_forged_auth = true                        # default: on when authserv_ids is set (RFC 8601 §5)
    verify_auth = false                              # DKIM/SPF/DMARC by DNS when no trusted results
    resolvers = ["127.0.0.1:53"]                     # nameservers for verify_auth; empty: /etc/resolv.conf
    auth_budget_ms = 2000                            # per-message DNS limit, below time_budget_ms
    workers = 1                                      # milter processes on the one socket (pre-forked)

Environment: ``VECGUARD_CONFIG`` (the file), ``VECGUARD_SOCKET``, ``VECGUARD_DB``, ``VECGUARD_POLICY``,
``VECGUARD_LOCAL_DOMAINS``, ``VECGUARD_AUTHSERV_IDS`` and ``VECGUARD_RESOLVERS`` (comma-separated),
``VECGUARD_VERIFY_AUTH`` (1/0, true/false, yes/no). Flags win over both.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from .errors import ConfigError

DEFAULT_CONFIG: Final = "/etc/vecguard/vecguard.toml"
DEFAULT_SOCKET: Final = "unix:/run/vecguard/milter.sock"
FAIL_MODES: Final = ("accept", "tempfail")
PASS_HEADERS: Final = ("score", "none")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the milter daemon needs besides the policy. ``db_url`` None: the store's default."""

    socket: str = DEFAULT_SOCKET
    db_url: str | None = None
    policy_dir: str | None = None
    local_domains: tuple[str, ...] = ()
    submission_daemon_names: tuple[str, ...] = ()
    authserv_ids: tuple[str, ...] = ()  # trusted Authentication-Results writers; empty: hosts in local domains
    max_message_bytes: int = 10_000_000
    time_budget_ms: int = 3000
    fail_mode: str = "accept"
    subject_prefix: str = ""
    pass_header: str = "score"
    remove_forged_auth: bool | None = None  # None: on exactly when authserv_ids are configured
    verify_auth: bool = False
    resolvers: tuple[tuple[str, int], ...] = ()  # (host, port); empty: the system's resolv.conf
    auth_budget_ms: int = 2000
    workers: int = 1  # milter processes sharing the one listening socket
    source: str | None = None  # the file the settings came from, for messages


_KEYS: Final = ("socket", "db_url", "policy_dir", "local_domains", "submission_daemon_names", "authserv_ids",
                "max_message_bytes", "time_budget_ms", "fail_mode", "subject_prefix", "pass_header",
                "remove_forged_auth", "verify_auth", "resolvers", "auth_budget_ms", "workers")
_TRUE: Final = ("1", "true", "yes", "on")
_FALSE: Final = ("0", "false", "no", "off")


def load_settings(
    path: str | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the settings file, apply the environment and then ``overrides`` (flags; None values skipped).

    ``path`` None means ``$VECGUARD_CONFIG`` or /etc/vecguard/vecguard.toml, and a missing default file is
    not an error (everything has a default or a flag); a file named explicitly must exist.
    """
    env = os.environ if environ is None else environ
    explicit = path or env.get("VECGUARD_CONFIG")
    file = explicit or DEFAULT_CONFIG
    values: dict[str, Any] = {}
    source: str | None = None
    if explicit or Path(file).exists():
        values = _read(file)
        source = file
    for key, var in (("socket", "VECGUARD_SOCKET"), ("db_url", "VECGUARD_DB"), ("policy_dir", "VECGUARD_POLICY")):
        if env.get(var):
            values[key] = env[var]
    for key, var in (("local_domains", "VECGUARD_LOCAL_DOMAINS"), ("authserv_ids", "VECGUARD_AUTHSERV_IDS"),
                     ("resolvers", "VECGUARD_RESOLVERS")):
        if env.get(var):
            values[key] = [d for d in env[var].split(",") if d.strip()]
    if env.get("VECGUARD_VERIFY_AUTH"):
        flag = env["VECGUARD_VERIFY_AUTH"].strip().lower()
        if flag not in _TRUE + _FALSE:
            raise ConfigError(f"VECGUARD_VERIFY_AUTH={env['VECGUARD_VERIFY_AUTH']!r}: use 1 or 0")
        values["verify_auth"] = flag in _TRUE
    for key, value in (overrides or {}).items():
        if value is not None and value != []:
            values[key] = value
    return validate(values, source)


def _read(file: str) -> dict[str, Any]:
    try:
        with open(file, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=file) from None
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ConfigError(f"unknown setting (known: {', '.join(_KEYS)})", file=file, key=unknown[0])
    return data


def validate(values: Mapping[str, Any], source: str | None = None) -> Settings:
    """Check types and ranges of raw values; ConfigError names ``source`` and the key."""

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(message, file=source, key=key)

    def text(key: str) -> str | None:
        value = values.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "must be a non-empty string")
        return value.strip()

    def names(key: str) -> tuple[str, ...]:
        value = values.get(key, [])
        if isinstance(value, str) or not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
            raise fail(key, "must be a list of strings")
        return tuple(v.strip() for v in value if v.strip())

    def integer(key: str, low: int, high: int) -> int | None:
        value = values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fail(key, f"must be an integer from {low} to {high}")
        return value

    def boolean(key: str) -> bool | None:
        value = values.get(key)
        if value is not None and not isinstance(value, bool):
            raise fail(key, "must be true or false")
        return value

    def choice(key: str, allowed: Sequence[str]) -> str | None:
        value = text(key)
        if value is not None and value not in allowed:
            raise fail(key, f"must be one of: {', '.join(allowed)}")
        return value

    settings = Settings(source=source)
    socket = text("socket")
    if socket is not None:
        _check_socket(socket, fail)
        settings = replace(settings, socket=socket)
    db_url = text("db_url")
    if db_url is not None:
        _check_db_url(db_url, fail)
        settings = replace(settings, db_url=db_url)
    policy_dir = text("policy_dir")
    if policy_dir is not None:
        if not Path(policy_dir).exists():
            raise fail("policy_dir", f"{policy_dir}: no such file or directory")
        settings = replace(settings, policy_dir=policy_dir)
    domains = tuple(d.lower().rstrip(".") for d in names("local_domains"))
    for d in domains:
        if "." not in d or "@" in d or " " in d:
            raise fail("local_domains", f"{d!r} is not a domain name")
    settings = replace(settings, local_domains=domains, submission_daemon_names=names("submission_daemon_names"),
                       authserv_ids=tuple(i.lower() for i in names("authserv_ids")))
    size = integer("max_message_bytes", 1024, 1_000_000_000)
    budget = integer("time_budget_ms", 10, 600_000)
    fail_mode = choice("fail_mode", FAIL_MODES)
    pass_header = choice("pass_header", PASS_HEADERS)
    prefix = values.get("subject_prefix", "")
    if not isinstance(prefix, str) or "\n" in prefix or "\r" in prefix:
        raise fail("subject_prefix", "must be a string on one line")
    remove_forged = boolean("remove_forged_auth")
    if remove_forged and not settings.authserv_ids:
        raise fail("remove_forged_auth", "needs authserv_ids (the ids whose forged copies are removed)")
    auth_budget = integer("auth_budget_ms", 10, 30_000)
    time_budget = budget if budget is not None else settings.time_budget_ms
    auth_budget = auth_budget if auth_budget is not None else min(settings.auth_budget_ms, time_budget // 2)
    if auth_budget >= time_budget:
        raise fail("auth_budget_ms", f"must be below time_budget_ms ({time_budget}): the DNS checks are part "
                                     "of the end-of-message work")
    resolvers = _resolvers(names("resolvers"), fail)
    workers = integer("workers", 1, 64)
    return replace(
        settings,
        max_message_bytes=size if size is not None else settings.max_message_bytes,
        time_budget_ms=time_budget,
        fail_mode=fail_mode or settings.fail_mode,
        pass_header=pass_header or settings.pass_header,
        subject_prefix=prefix,
        remove_forged_auth=remove_forged,
        verify_auth=bool(boolean("verify_auth")),
        resolvers=resolvers,
        auth_budget_ms=auth_budget,
        workers=workers or 1,
    )


def dns_verifier(settings: Settings) -> Any:
    """The DNS verifier of ``verify_auth`` (vecguard.authcheck.Verifier), or None; ConfigError if the
    ``auth`` extra is not installed."""
    if not settings.verify_auth:
        return None
    try:
        from .authcheck import AuthSettings, Verifier
    except ImportError as exc:
        raise ConfigError(f"verify_auth: {exc}; pip install 'vecguard[auth]'", file=settings.source,
                          key="verify_auth") from None
    budget = settings.auth_budget_ms / 1000.0
    return Verifier(AuthSettings(settings.resolvers, budget, min(1.0, budget)))


def removes_forged_auth(settings: Settings) -> bool:
    """Whether the milter deletes forged Authentication-Results: the setting, else on with authserv_ids."""
    if settings.remove_forged_auth is None:
        return bool(settings.authserv_ids)
    return settings.remove_forged_auth


def _resolvers(texts: Sequence[str], fail: Any) -> tuple[tuple[str, int], ...]:
    servers = []
    for text in texts:
        server = nameserver(text)
        if server is None:
            raise fail("resolvers", f"{text!r}: expected HOST or HOST:PORT")
        servers.append(server)
    return tuple(servers)


def nameserver(text: str) -> tuple[str, int] | None:
    """``127.0.0.1``, ``127.0.0.1:5353``, ``[::1]:5353`` -> (host, port); None if malformed."""
    value = text.strip()
    host, port = value, "53"
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else "53"
    elif value.count(":") == 1:
        host, port = value.split(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return host, int(port)


def _check_socket(spec: str, fail: Any) -> None:
    """libmilter's forms: ``unix:/path`` (or ``local:``), ``inet:PORT@HOST``, ``inet6:PORT@HOST``."""
    kind, _, rest = spec.partition(":")
    if kind in ("unix", "local"):
        if not rest.startswith("/"):
            raise fail("socket", f"{spec!r}: a unix socket needs an absolute path (unix:/run/vecguard/milter.sock)")
        return
    if kind in ("inet", "inet6"):
        port, _, _host = rest.partition("@")
        if port.isdigit() and 0 < int(port) < 65536:
            return
    raise fail("socket", f"{spec!r}: use unix:/PATH or inet:PORT@HOST")


def _check_db_url(url: str, fail: Any) -> None:
    """The URL's form and backend, without connecting (the database may be down at boot: that is the
    fail mode's business, not a configuration error)."""
    if "://" not in url:
        return  # a SQLite file path
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from .history.store import SUPPORTED

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise fail("db_url", "not a database URL") from None
    if backend not in SUPPORTED:
        raise fail("db_url", f"unsupported database {backend!r} (use sqlite:///PATH or postgresql+psycopg://...)")
