"""The end-of-scan report: counts per action and direction, most frequent signals, throughput."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO

from .engine import Outcome

ACTION_ORDER = ("pass", "tag", "hold", "error")


class Summary:
    """Accumulates outcomes while a scan runs."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.actions: Counter[str] = Counter()
        self.directions: Counter[str] = Counter()
        self.signals: Counter[str] = Counter()
        self.inbound_actions: Counter[str] = Counter()
        self.cpu_seconds = 0.0
        self.wall_seconds = 0.0

    @property
    def count(self) -> int:
        """Messages processed."""
        return sum(self.actions.values())

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        action = outcome.decision.action
        self.actions[action] += 1
        direction = outcome.record.get("direction") or "unknown"
        self.directions[direction] += 1
        if direction == "inbound":
            self.inbound_actions[action] += 1
        self.signals.update(c.name for c in outcome.decision.report.contributions)

    def finish(self, cpu_seconds: float, wall_seconds: float) -> None:
        """Record the time the scan took."""
        self.cpu_seconds, self.wall_seconds = cpu_seconds, wall_seconds

    @contextlib.contextmanager
    def progress(self, enabled: bool) -> Iterator[Callable[[], None]]:
        """A progress bar on a terminal (rich), nothing otherwise; yields the per-message tick."""
        if not enabled:
            yield lambda: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), transient=True) as bar:
            task = bar.add_task("scanning", total=self.total)
            yield lambda: bar.advance(task)

    def rows(self) -> list[tuple[str, str, str]]:
        """(section, label, value) rows of the report, for plain text and rich alike."""
        n = max(self.count, 1)
        inbound = max(self.directions.get("inbound", 0), 1)
        rows: list[tuple[str, str, str]] = []
        for action in ACTION_ORDER:
            count = self.actions.get(action, 0)
            share = self.inbound_actions.get(action, 0) / inbound * 100
            text = f"{count:>7}  ({count / n * 100:5.2f}% of all, {share:5.2f}% of inbound)"
            rows.append(("action", action, text))
        for direction, count in sorted(self.directions.items()):
            rows.append(("direction", direction, f"{count:>7}"))
        for name, count in self.signals.most_common(10):
            rows.append(("signal", name, f"{count:>7}  ({count / n * 100:5.2f}%)"))
        cpu_ms = self.cpu_seconds / n * 1000
        rate = self.count / self.wall_seconds if self.wall_seconds else 0.0
        rows.append(("throughput", "messages", f"{self.count:>7}"))
        rows.append(("throughput", "msgs/s", f"{rate:>7.0f}  ({self.wall_seconds:.1f} s wall)"))
        rows.append(("throughput", "CPU ms/msg", f"{cpu_ms:>7.2f}"))
        return rows

    def print(self, stream: IO[str]) -> None:
        """Print the report: a rich table on a terminal, aligned plain text otherwise."""
        rows = self.rows()
        if stream.isatty():
            from rich.console import Console
            from rich.table import Table

            table = Table(title="vecguard scan")
            for column in ("", "", "count"):
                table.add_column(column)
            previous = ""
            for section, label, value in rows:
                table.add_row(section if section != previous else "", label, value, end_section=False)
                previous = section
            Console(file=stream).print(table)
            return
        width = max(len(label) for _, label, _ in rows)
        previous = ""
        for section, label, value in rows:
            if section != previous:
                stream.write(f"{section}\n")
                previous = section
            stream.write(f"  {label:<{width}}  {value}\n")
