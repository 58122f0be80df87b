"""Alert messages of the payments workflow (see core/catalogue/__init__.py)."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {}
