"""Reglo domain core: pure Python, pydantic models, Decimal money.

Never imports xlwings or openpyxl, does no file or network I/O, never reads the clock.
"""
