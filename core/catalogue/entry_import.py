"""Alert messages of the entry_import workflow (see core/catalogue/__init__.py)."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {}
