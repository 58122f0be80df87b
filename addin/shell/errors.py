"""User-facing errors and the log file (never a traceback in the user's face)."""
from __future__ import annotations

import logging
import os
from pathlib import Path


class UserError(Exception):
    """Unusable input: the message is French and says what to do. Exit code 2."""


def log_path() -> Path:
    base = os.environ.get("REGLO_LOG_DIR") or (Path.home() / ".reglo")
    return Path(base) / "reglo.log"


def _setup_logging() -> None:
    logger = logging.getLogger("reglo")
    if logger.handlers:
        return
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


_setup_logging()
