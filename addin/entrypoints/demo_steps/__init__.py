"""Steps of ``reglo demo``: one module per workflow, run in ``ORDER``.

Each module defines ``ORDER: int`` and ``run(ctx: DemoContext) -> list[str]`` returning
French summary lines. The foundation step (ORDER 0) generates the demo dossier and fills
``ctx``; later workflows append their own step module.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class DemoContext:
    out_dir: Path
    dossier_path: Path | None = None  # dossier workbook (dossier.xlsx)
    fec_path: Path | None = None  # the dossier's FEC
    register_path: Path | None = None  # payment register (SQLite)
    data: dict[str, Any] = field(default_factory=dict)  # anything a later step needs
    blocking: int = 0  # blocking alerts left by steps that expect none


def steps() -> list[Any]:
    import reglo.addin.entrypoints.demo_steps as pkg

    modules = [importlib.import_module(f"reglo.addin.entrypoints.demo_steps.{m.name}") for m in pkgutil.iter_modules(pkg.__path__)]
    return sorted((m for m in modules if hasattr(m, "run")), key=lambda m: (m.ORDER, m.__name__))
