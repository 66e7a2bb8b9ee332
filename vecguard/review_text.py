"""Rendering of the review views: rich tables with colour on a terminal, aligned plain text otherwise.

Both forms come from the same rows, so a pipe into grep sees what the analyst sees, minus the colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any

from .review import HeldRow

STATE_STYLE = {"held": "bold red", "releasing": "yellow", "released": "green", "deleted": "dim",
               "gone": "dim", "unrecorded": "magenta"}


def _short_time(value: Any) -> str:
    return str(value.strftime("%Y-%m-%d %H:%M")) if hasattr(value, "strftime") else str(value or "-")


def _clip(value: Any, width: int) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def table(stream: IO[str], title: str, columns: Sequence[str], rows: Sequence[Sequence[str]],
          styles: Sequence[str | None] | None = None) -> None:
    """A titled table: rich on a terminal, plain aligned columns otherwise."""
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table

        t = Table(title=title, title_justify="left")
        for column in columns:
            t.add_column(column, overflow="fold")
        for i, row in enumerate(rows):
            t.add_row(*row, style=(styles[i] if styles else None))
        Console(file=stream).print(t)
        return
    stream.write(f"{title}\n")
    if not rows:
        stream.write("  (none)\n")
        return
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    stream.write("  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
    for row in rows:
        stream.write("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def section(stream: IO[str], title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    """A titled list of label: value lines."""
    if stream.isatty():
        from rich.console import Console

        console = Console(file=stream)
        console.print(f"[bold]{title}[/bold]")
        for label, value in pairs:
            console.print(f"  {label}: {value}", highlight=False, markup=False)
        return
    stream.write(f"{title}\n")
    width = max((len(label) for label, _ in pairs), default=0)
    for label, value in pairs:
        stream.write(f"  {label:<{width}}  {value}\n")


# ------------------------------------------------------------------------------------------ held list


def held_list(stream: IO[str], rows: Sequence[HeldRow]) -> None:
    table(stream, f"held mail ({sum(r.state == 'held' for r in rows)} on hold, {len(rows)} listed)",
          ("queue id", "state", "arrival", "sender", "recipients", "subject", "score", "top signals"),
          [(r.queue_id, r.state + (f" by {r.by}" if r.by else ""), _short_time(r.arrival), _clip(r.sender, 40),
            _clip(", ".join(r.recipients), 40), _clip(r.subject, 40), "-" if r.score is None else f"{r.score:g}",
            ", ".join(r.signals)) for r in rows],
          [STATE_STYLE.get(r.state) for r in rows])


# ------------------------------------------------------------------------------------------ held show


def _usual(items: Sequence[Sequence[Any]]) -> str:
    return ", ".join(f"{value} x{count}" for value, count in items) or "-"


def investigation(stream: IO[str], view: Mapping[str, Any]) -> None:
    m = view["message"]
    sender = m.get("from") or {}
    who = f"{sender.get('name', '')} <{sender.get('address', '')}>".strip()
    section(stream, f"held message {m['queue_id']} ({m['state']}{' by ' + m['by'] if m.get('by') else ''})", [
        ("score", f"{m['score']:g} ({m['action']})"), ("from", who), ("envelope from", m.get("envelope_from") or "-"),
        ("reply-to", ", ".join(a.get("address", "") for a in m.get("reply_to", [])) or "-"),
        ("recipients", ", ".join(m.get("recipients", [])) or "-"), ("subject", m.get("subject") or "-"),
        ("message-id", m.get("message_id") or "-"), ("client", m.get("client_address") or "-"),
        ("decided", m.get("decided_at") or "-"),
    ])
    table(stream, "why (signals, largest first)", ("signal", "score", "strength", "evidence"),
          [(s["name"], f"{s.get('score', 0):g}", f"{s['strength']:g}" if "strength" in s else "-",
            _clip("; ".join(s.get("evidence", [])), 100)) for s in view["signals"]])
    history = view["sender_history"]
    for scope in ("address", "organisation"):
        p = history[scope]
        if scope == "organisation" and {k: v for k, v in p.items() if k != "names"} == \
                {k: v for k, v in history["address"].items() if k != "names"}:
            section(stream, "sender organisation: the same history (its only address)", [])
            continue
        if not p["known"] and not p["held"]:
            section(stream, f"sender {scope}: never seen before", [])
            continue
        pairs = [("first seen", p["first_seen"] or "-"), ("last seen", p["last_seen"] or "-"),
                 ("messages", (f"{p['inbound']} in, {p['outbound']} out, {p['held']} held, "
                              f"{p['per_month'] if p['per_month'] is not None else '-'} per month"))]
        pairs += [(f"usual {label}", _usual(values)) for label, values in p["usual"].items()]
        pairs += [(f"{label} (tagged mail only)", _usual(values)) for label, values in p["tagged_only"].items()]
        if scope == "address":
            pairs.append(("usual recipients", _usual(history["usual_recipients"])))
        section(stream, f"sender {scope} history", pairs)
    table(stream, "this message against that history", ("", "value", "seen (address / org)", "usual"),
          [(("NEW " if d["new"] else "") + d["what"], _clip(d["value"], 40),
            f"{d['sender_seen']} / {'-' if d['org_seen'] is None else d['org_seen']}", _clip(_usual(d["usual"]), 60))
           for d in history["differences"]],
          ["bold red" if d["new"] else None for d in history["differences"]])
    c = view["conversation"]
    if c["claims"]:
        section(stream, "conversation it claims to belong to", [
            ("references", ", ".join(c["claims"][:5])), ("known to us", (f"{len(c['known'])} of {len(c['claims'])}"
                                                        f" ({len(c['ours'])} sent by our users)")),
            ("thread messages", c["messages"]), ("participants", ", ".join(c["participants"]) or "-"),
            ("sender took part", "yes" if c["sender_took_part"] else "NO")])
    else:
        section(stream, "conversation: none claimed (not a reply)", [])
    table(stream, f"links ({view['link_count']})", ("host", "site / category", "anchor text", "flags"),
          [(_clip(link["host"], 40), f"{link['site']}{' / ' + link['category'] if link.get('category') else ''}",
            _clip(link.get("text"), 50),
            ", ".join(flag for flag in ("hidden", "image_only", "prominent") if link.get(flag))
            + (f" shows {link['shown_host']}" if link.get("shown_host") else ""))
           for link in view["links"]])
    auth = view["authentication"]
    section(stream, "authentication and client", [
        ("results", (f"spf={auth.get('spf') or '-'} dkim={auth.get('dkim') or '-'} dmarc={auth.get('dmarc') or '-'}"
                    f"{' (p=' + auth['dmarc_policy'] + ')' if auth.get('dmarc_policy') else ''}"
                    f" from {auth.get('source') or 'nobody trusted'}")),
        ("dkim domains", ", ".join(auth.get("dkim_domains", [])) or "-"),
        ("mail client", view["client"].get("mail_client") or "-"),
        ("first hop", (f"{view['client'].get('ip') or '-'} helo={view['client'].get('helo') or '-'} "
                      f"network={view['client'].get('network') or '-'}")),
        ("attachments", ", ".join(view["attachments"]) or "-")])
    if view["audit"]:
        table(stream, "audit", ("at", "who", "action", "reason"),
              [(str(a["at"])[:19], a["actor"], a["action"], _clip(a["reason"], 60)) for a in view["audit"]])


# -------------------------------------------------------------------------------- correspondent, hunt


def correspondent(stream: IO[str], view: Mapping[str, Any]) -> None:
    if not view["known"] and not view["held"]:
        section(stream, f"{view['scope']} {view['correspondent']}: no history", [])
        return
    pairs = [("first seen", view["first_seen"] or "-"), ("last seen", view["last_seen"] or "-"),
             ("messages", (f"{view['inbound']} in, {view['outbound']} out, {view['held']} held, "
                          f"{view['per_month'] if view['per_month'] is not None else '-'} per month")),
             ("display names", ", ".join(view["names"]) or "-")]
    pairs += [(f"usual {label}", _usual(values)) for label, values in view["usual"].items()]
    pairs += [(f"{label} (tagged mail only)", _usual(values)) for label, values in view["tagged_only"].items()]
    pairs += [("writes to", _usual(view["usual_recipients"])), ("written to by", _usual(view["our_users_writing_to_it"]))]
    if "addresses" in view:
        pairs.append(("addresses", _usual(view["addresses"])))
    section(stream, f"{view['scope']} {view['correspondent']}", pairs)
    table(stream, "recent decisions", ("decided", "queue id", "action", "score", "subject", "top signals"),
          [(str(d["created_at"])[:16], d["queue_id"] or "-", d["action"], f"{d['score']:g}", _clip(d["subject"], 40),
            ", ".join(d["signals"])) for d in view["recent_decisions"]])


def hunt(stream: IO[str], found: Sequence[Mapping[str, Any]], changes: Mapping[str, int] | None) -> None:
    rescored = changes is not None
    columns = ["decided", "id", "sender", "subject", "action", "score"]
    columns += ["new action", "new score"] if rescored else ["matched signals"]
    rows = []
    for item in found:
        row = [str(item["created_at"])[:16], item["queue_id"] or item["source"] or str(item["id"]),
               _clip(item["sender"], 36), _clip(item["subject"], 36), item["action"], f"{item['score']:g}"]
        if rescored:
            row += [item["new_action"], f"{item['new_score']:g}"]
        else:
            row.append(_clip("; ".join(f"{s['name']}({s.get('strength', 1):g})[{'; '.join(s.get('evidence', [])[:1])}]"
                                       for s in item["matched"]), 90))
        rows.append(row)
    table(stream, f"{len(found)} decisions" + (" whose action would change" if rescored else " matched"),
          columns, rows)
    if changes:
        section(stream, "re-scored: old action -> new action", sorted(changes.items()))
