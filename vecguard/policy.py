"""Policy: weights, groups, thresholds, overrides and custom rules, loaded from TOML and validated once.

A policy directory holds ``default.toml`` plus any other ``*.toml`` layered on top in name order (tables
merge key by key, ``[[overrides]]`` and ``[[rules]]`` append), so local changes never edit the defaults.
Validation is strict: an unknown key, an unknown signal, a registered signal without a weight or a bad
threshold is a PolicyError naming the file and key. A silently disabled detector is worse than refusing
to start.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from .errors import PolicyError
from .features import Address
from .lists import category
from .scoring import Hit, ScoreReport

ACTIONS = ("pass", "tag", "hold")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_GROUP = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = {"policy", "actions", "groups", "signals", "overrides", "rules", "detectors", "limits"}
_LIMIT_KEYS = {"max_message_bytes": 10_000_000, "max_links": 200}
_MATCH_KEYS = {"sender", "sender_domain", "recipient"}
_RULE_WHEN_KEYS = _MATCH_KEYS | {"subject_matches", "link_site", "link_category", "direction", "signals",
                                 "min_links", "attachment_matches", "bulk"}


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """Weight, group and description of one signal."""

    name: str
    weight: float
    group: str
    description: str = ""
    experimental: bool = False


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """A group of signals whose total is capped (max_score) or floored (min_score)."""

    name: str
    max_score: float | None = None
    min_score: float | None = None
    description: str = ""


class HasHost(Protocol):
    @property
    def host(self) -> str: ...


class MessageFacts(Protocol):
    """What conditions read of a message: vecguard.features.Features, or a logged decision rebuilt by
    vecguard.hunt.StoredMessage for re-scoring."""

    @property
    def sender(self) -> Address | None: ...
    @property
    def local_recipients(self) -> tuple[str, ...]: ...
    @property
    def envelope_rcpts(self) -> tuple[str, ...]: ...
    @property
    def subject(self) -> str: ...
    @property
    def link_sites(self) -> tuple[str, ...]: ...
    @property
    def links(self) -> Sequence[HasHost]: ...
    @property
    def direction(self) -> str: ...
    @property
    def attachments(self) -> tuple[str, ...]: ...
    @property
    def bulk(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Condition:
    """Conditions on features (and on signals already found), all of which must hold."""

    sender: frozenset[str] = frozenset()
    sender_domain: frozenset[str] = frozenset()
    recipient: frozenset[str] = frozenset()
    subject_matches: re.Pattern[str] | None = None
    link_site: frozenset[str] = frozenset()
    link_category: frozenset[str] = frozenset()
    direction: str | None = None
    signals: frozenset[str] = frozenset()
    min_links: int | None = None
    attachment_matches: re.Pattern[str] | None = None
    bulk: bool | None = None

    def holds(self, f: MessageFacts, fired: frozenset[str]) -> bool:
        """True when every stated condition holds for the message."""
        sender = f.sender.address if f.sender else ""
        domain = f.sender.domain if f.sender else ""
        org = f.sender.org if f.sender else ""
        if self.sender and sender not in self.sender:
            return False
        if self.sender_domain and domain not in self.sender_domain and org not in self.sender_domain:
            return False
        if self.recipient and not (self.recipient & set(f.local_recipients + f.envelope_rcpts)):
            return False
        if self.subject_matches and not self.subject_matches.search(f.subject):
            return False
        if self.link_site and not (self.link_site & set(f.link_sites)):
            return False
        if self.link_category and not any(category(link.host) in self.link_category for link in f.links):
            return False
        if self.direction and f.direction != self.direction:
            return False
        if self.signals and not self.signals <= fired:
            return False
        if self.min_links is not None and len(f.links) < self.min_links:
            return False
        if self.attachment_matches and not any(self.attachment_matches.search(a) for a in f.attachments):
            return False
        return self.bulk is None or f.bulk == self.bulk


@dataclass(frozen=True, slots=True)
class Override:
    """A named, forced outcome (an allowlist or a force-hold), not a huge weight."""

    name: str
    when: Condition
    action: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """A custom rule: conditions on features -> its own signal (weighted) or a forced action."""

    name: str
    when: Condition
    action: str | None = None
    experimental: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated policy. Immutable, so the milter's threads can share it."""

    tag: float
    hold: float
    signals: Mapping[str, SignalSpec]
    groups: Mapping[str, GroupSpec]
    overrides: tuple[Override, ...] = ()
    rules: tuple[Rule, ...] = ()
    detectors: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    max_message_bytes: int = 10_000_000
    max_links: int = 200
    sources: tuple[str, ...] = ()

    def setting(self, key: str) -> float:
        """A detector setting (validated at load, so always present)."""
        return self.detectors[key]


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one message: action, score report, and why."""

    action: str
    report: ScoreReport
    reason: str
    override: str | None = None


def decide(report: ScoreReport, f: MessageFacts, policy: Policy, rule_actions: Iterable[tuple[str, str]] = ()) -> Decision:
    """Apply overrides, forced rule actions and thresholds (the highest threshold <= score wins)."""
    fired = frozenset(c.name for c in report.contributions)
    for override in policy.overrides:
        if override.when.holds(f, fired):
            return Decision(override.action, report, f"override {override.name}", override.name)
    forced = [(ACTIONS.index(action), name, action) for name, action in rule_actions]
    if forced:
        _, name, action = max(forced)
        return Decision(action, report, f"rule {name}", name)
    if report.score >= policy.hold:
        return Decision("hold", report, f"score {report.score:g} >= hold {policy.hold:g}")
    if report.score >= policy.tag:
        return Decision("tag", report, f"score {report.score:g} >= tag {policy.tag:g}")
    return Decision("pass", report, f"score {report.score:g} < tag {policy.tag:g}")


def apply_rules(f: MessageFacts, hits: list[Hit], policy: Policy) -> tuple[list[Hit], list[tuple[str, str]]]:
    """Evaluate custom rules after the detectors: weighted rules become hits, action rules are returned.

    Experimental action rules add a zero-weight shadow hit saying what they would have done.
    """
    fired = frozenset(h.name for h in hits)
    new_hits: list[Hit] = []
    actions: list[tuple[str, str]] = []
    for rule in policy.rules:
        if not rule.when.holds(f, fired):
            continue
        if rule.action is None:
            new_hits.append(Hit(rule.name, 1.0, (f"rule {rule.name}",)))
        elif rule.experimental:
            new_hits.append(Hit(rule.name, 1.0, (f"experimental: would {rule.action}",)))
        else:
            actions.append((rule.name, rule.action))
            new_hits.append(Hit(rule.name, 1.0, (f"forces {rule.action}",)))
    return new_hits, actions


# ---------------------------------------------------------------------------------------------- loading


def load_policy(directory: str | Path, registered: Mapping[str, Mapping[str, float]] | None = None) -> Policy:
    """Load and validate every ``*.toml`` in ``directory`` (or one file).

    ``registered`` maps each registered signal name to its detector's default settings; it defaults to
    the detectors in ``vecguard.signals``.
    """
    if registered is None:
        from .signals import registered_signals

        registered = registered_signals()
    path = Path(directory)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("*.toml"), key=lambda p: (p.name != "default.toml", p.name))
        if not files:
            raise PolicyError("no *.toml policy files", file=str(path))
    else:
        raise PolicyError("policy path does not exist", file=str(path))
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for file in files:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"cannot read: {exc}", file=str(file)) from None
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"invalid TOML: {exc}", file=str(file)) from None
        _merge_into(merged, data, str(file), origin)
    return _build(merged, origin, registered, tuple(str(f) for f in files))


def _merge_into(target: dict[str, Any], data: dict[str, Any], file: str, origin: dict[str, str], prefix: str = "") -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if prefix == "" and key not in _TOP_KEYS:
            raise PolicyError("unknown key", file=file, key=dotted)
        if isinstance(value, list) and prefix == "" and key in ("overrides", "rules"):
            for i, item in enumerate(value):
                origin[f"{key}[{len(target.get(key, [])) + i}]"] = file
            target.setdefault(key, []).extend(value)
        elif isinstance(value, dict):
            sub = target.setdefault(key, {})
            if not isinstance(sub, dict):
                raise PolicyError("must be a table", file=file, key=dotted)
            origin[dotted] = file  # the last file that touched a table answers for it
            _merge_into(sub, value, file, origin, dotted + ".")
        else:
            target[key] = value
            origin[dotted] = file


def _number(value: Any, file: str, key: str, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PolicyError("must be a number", file=file, key=key)
    if (low is not None and value < low) or (high is not None and value > high):
        raise PolicyError(f"must be between {low} and {high}", file=file, key=key)
    return float(value)


def _where(origin: Mapping[str, str], key: str) -> str:
    while key:
        if key in origin:
            return origin[key]
        key = key.rpartition(".")[0]
    return next(iter(origin.values()), "policy")


def _check_keys(table: Mapping[str, Any], allowed: Iterable[str], origin: Mapping[str, str], prefix: str) -> None:
    allowed = set(allowed)
    for key in table:
        if key not in allowed:
            raise PolicyError("unknown key", file=_where(origin, f"{prefix}.{key}"), key=f"{prefix}.{key}")


def _condition(raw: Any, file: str, key: str, allowed: set[str]) -> Condition:
    if not isinstance(raw, dict) or not raw:
        raise PolicyError("must be a non-empty table", file=file, key=key)
    values: dict[str, Any] = {}
    for name, value in raw.items():
        where = f"{key}.{name}"
        if name not in allowed:
            raise PolicyError("unknown condition", file=file, key=where)
        if name in ("subject_matches", "attachment_matches"):
            try:
                values[name] = re.compile(str(value), re.IGNORECASE)
            except re.error as exc:
                raise PolicyError(f"bad regular expression: {exc}", file=file, key=where) from None
        elif name == "min_links":
            values[name] = int(_number(value, file, where, 0))
        elif name == "bulk":
            if not isinstance(value, bool):
                raise PolicyError("must be true or false", file=file, key=where)
            values[name] = value
        elif name == "direction":
            if value not in ("inbound", "outbound", "internal"):
                raise PolicyError("must be inbound, outbound or internal", file=file, key=where)
            values[name] = value
        else:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise PolicyError("must be a string or a list of strings", file=file, key=where)
            values[name] = frozenset(i.lower() if name != "signals" else i for i in items)
    return Condition(**values)


def _build(data: dict[str, Any], origin: dict[str, str], registered: Mapping[str, Mapping[str, float]],
           sources: tuple[str, ...]) -> Policy:
    actions = data.get("actions", {})
    _check_keys(actions, ("tag", "hold"), origin, "actions")
    if "tag" not in actions or "hold" not in actions:
        raise PolicyError("both tag and hold thresholds are required", file=_where(origin, "actions"), key="actions")
    tag = _number(actions["tag"], _where(origin, "actions.tag"), "actions.tag", 0, 100)
    hold = _number(actions["hold"], _where(origin, "actions.hold"), "actions.hold", 0, 100)
    if not 0 < tag < hold <= 100:
        raise PolicyError("thresholds must satisfy 0 < tag < hold <= 100", file=_where(origin, "actions"), key="actions")
    _check_keys(data.get("policy", {}), ("name", "description"), origin, "policy")

    groups: dict[str, GroupSpec] = {}
    for name, raw in data.get("groups", {}).items():
        key = f"groups.{name}"
        file = _where(origin, key)
        if not _GROUP.match(name) or not isinstance(raw, dict):
            raise PolicyError("group names are lower_snake tables", file=file, key=key)
        _check_keys(raw, ("max_score", "min_score", "description"), origin, key)
        groups[name] = GroupSpec(
            name,
            _number(raw["max_score"], file, f"{key}.max_score", 0) if "max_score" in raw else None,
            _number(raw["min_score"], file, f"{key}.min_score", None, 0) if "min_score" in raw else None,
            str(raw.get("description", "")),
        )

    rule_specs = data.get("rules", [])
    rule_names = set()
    for i, raw in enumerate(rule_specs):
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            rule_names.add(raw["name"])

    signals: dict[str, SignalSpec] = {}
    for name, raw in data.get("signals", {}).items():
        key = f"signals.{name}"
        file = _where(origin, key)
        if name not in registered:
            raise PolicyError("unknown signal (no detector declares it)", file=file, key=key)
        if not isinstance(raw, dict):
            raise PolicyError("must be a table", file=file, key=key)
        _check_keys(raw, ("weight", "group", "description"), origin, key)
        signals[name] = _signal(name, raw, file, key, groups)
    for name in registered:
        if name not in signals:
            raise PolicyError("registered signal has no weight", file=sources[0], key=f"signals.{name}")

    rules: list[Rule] = []
    for i, raw in enumerate(rule_specs):
        key = f"rules[{i}]"
        file = _where(origin, key)
        if not isinstance(raw, dict):
            raise PolicyError("must be a table", file=file, key=key)
        _check_keys(raw, ("name", "description", "weight", "group", "action", "experimental", "when"), origin, key)
        name = raw.get("name")
        if not isinstance(name, str) or not _NAME.match(name) or name in registered:
            raise PolicyError("rule name must be a new UPPER_SNAKE signal name", file=file, key=f"{key}.name")
        if ("weight" in raw) == ("action" in raw):
            raise PolicyError("a rule has either a weight or an action", file=file, key=key)
        action = raw.get("action")
        if action is not None and action not in ACTIONS:
            raise PolicyError("action must be pass, tag or hold", file=file, key=f"{key}.action")
        experimental = raw.get("experimental", False)
        if not isinstance(experimental, bool):
            raise PolicyError("must be true or false", file=file, key=f"{key}.experimental")
        when = _condition(raw.get("when"), file, f"{key}.when", _RULE_WHEN_KEYS)
        unknown = when.signals - set(registered) - rule_names
        if unknown:
            raise PolicyError(f"unknown signal {min(unknown)}", file=file, key=f"{key}.when.signals")
        weight_raw = {"weight": raw.get("weight", 0), "group": raw.get("group", "rules"),
                      "description": raw.get("description", "")}
        if "group" in raw and raw["group"] not in groups:
            raise PolicyError("unknown group", file=file, key=f"{key}.group")
        signals[name] = SignalSpec(name, _number(weight_raw["weight"], file, f"{key}.weight", -100, 100),
                                   str(weight_raw["group"]), str(weight_raw["description"]), experimental)
        rules.append(Rule(name, when, action, experimental, str(raw.get("description", ""))))

    overrides: list[Override] = []
    for i, raw in enumerate(data.get("overrides", [])):
        key = f"overrides[{i}]"
        file = _where(origin, key)
        if not isinstance(raw, dict):
            raise PolicyError("must be a table", file=file, key=key)
        _check_keys(raw, ("name", "when", "action", "description"), origin, key)
        if not isinstance(raw.get("name"), str) or not raw["name"]:
            raise PolicyError("an override needs a name", file=file, key=f"{key}.name")
        if raw.get("action") not in ACTIONS:
            raise PolicyError("action must be pass, tag or hold", file=file, key=f"{key}.action")
        when = _condition(raw.get("when"), file, f"{key}.when", _MATCH_KEYS)
        overrides.append(Override(raw["name"], when, raw["action"], str(raw.get("description", ""))))

    defaults: dict[str, float] = {}
    for settings in registered.values():
        defaults.update(settings)
    detectors = dict(defaults)
    for key_name, value in data.get("detectors", {}).items():
        key = f"detectors.{key_name}"
        if key_name not in defaults:
            raise PolicyError("unknown detector setting", file=_where(origin, key), key=key)
        detectors[key_name] = _number(value, _where(origin, key), key)

    limits = data.get("limits", {})
    _check_keys(limits, _LIMIT_KEYS, origin, "limits")
    max_bytes = int(_number(limits.get("max_message_bytes", _LIMIT_KEYS["max_message_bytes"]),
                            _where(origin, "limits"), "limits.max_message_bytes", 1000))
    max_links = int(_number(limits.get("max_links", _LIMIT_KEYS["max_links"]),
                            _where(origin, "limits"), "limits.max_links", 1))
    return Policy(tag, hold, MappingProxyType(signals), MappingProxyType(groups), tuple(overrides), tuple(rules),
                  MappingProxyType(detectors), max_bytes, max_links, sources)


def _signal(name: str, raw: Mapping[str, Any], file: str, key: str, groups: Mapping[str, GroupSpec]) -> SignalSpec:
    if "weight" not in raw:
        raise PolicyError("missing weight", file=file, key=f"{key}.weight")
    group = raw.get("group")
    if not isinstance(group, str) or group not in groups:
        raise PolicyError("group missing or not declared under [groups]", file=file, key=f"{key}.group")
    return SignalSpec(name, _number(raw["weight"], file, f"{key}.weight", -100, 100), group,
                      str(raw.get("description", "")))
