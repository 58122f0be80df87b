"""« Contrôler le classeur »: run every registered sheet check present in the workbook and
paint the alerts (red/yellow cells, notes, « Contrôle » sheet). Same function for the
ribbon button and ``reglo check``."""
from __future__ import annotations

from typing import Any

from reglo.core.alerts import Alert, alert, summary_fr

from reglo.addin.shell.checks import SHEET_CHECKS, checks_for, load_checks
from reglo.addin.entrypoints.handlers import HandlerResult, handler
from reglo.addin.backends.paint import CONTROL_SHEET, STATE_SHEET, paint_alerts
from reglo.addin.backends.sheets import as_workbook


def run_checks(book: Any) -> list[Alert]:
    """Alerts of every registered check whose sheet is in the workbook."""
    wb = as_workbook(book)
    found = checks_for(wb)
    if not found:
        load_checks()
        visible = [n for n in wb.sheet_names() if n not in (CONTROL_SHEET, STATE_SHEET)]
        known = ", ".join(f"« {r.sheet} »" for r in SHEET_CHECKS.values()) or "aucune"
        return [alert("CHECK_NO_SHEET", found=", ".join(f"« {n} »" for n in visible) or "aucune", known=known)]
    alerts: list[Alert] = []
    for _name, reg in found:
        alerts.extend(reg.func(wb))
    return alerts


@handler("check", label="Contrôler le classeur", group="Contrôle", image="ReviewAcceptChange", order=10, browser=True)
def check(book: Any) -> HandlerResult:
    wb = as_workbook(book)
    alerts = run_checks(wb)
    checked = [name for name, _ in checks_for(wb)]
    summary_lines = [("Feuilles contrôlées", ", ".join(checked) or "aucune")]
    report = paint_alerts(wb, alerts, title="Contrôle du classeur — Reglo", summary=summary_lines)
    summary = f"Contrôle de {', '.join(f'« {n} »' for n in checked) or 'aucune feuille'} : {summary_fr(alerts)} ; {report.summary_fr()}."
    return HandlerResult(summary=summary, alerts=alerts)
