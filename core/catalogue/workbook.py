"""Alert messages of the workbook part of the foundation (see core/catalogue/__init__.py)."""
B, W = "BLOQUANT", "AVERTISSEMENT"

MESSAGES: dict[str, tuple[str, str]] = {}
