"""Alert messages of the dossier part of the foundation (see core/catalogue/__init__.py)."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {}
