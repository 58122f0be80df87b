"""Reglo add-in layer: everything facing Excel and the user (workbook I/O, handlers, CLI)."""
