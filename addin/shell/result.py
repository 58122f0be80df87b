"""What a shell function returns to every entry point (ribbon, CLI, Lite, demo)."""
from __future__ import annotations

from dataclasses import dataclass, field

from reglo.core.alerts import Alert, has_blocking


@dataclass
class HandlerResult:
    summary: str  # French, shown at the end of the run
    alerts: list[Alert] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # files written

    @property
    def exit_code(self) -> int:
        return 1 if has_blocking(self.alerts) else 0
