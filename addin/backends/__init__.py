"""Workbook backends: openpyxl (sheets), fast patcher (fastbook), xlwings (xlbook), alert painting. They import no workflow."""
