"""Demo step 20: structural check of the demo dossier's FEC (what ``reglo fec check`` does).

The FEC written by step 0 must pass with no blocking alert; any blocking alert counts in
``ctx.blocking`` so that ``reglo demo`` reports it.
"""
from __future__ import annotations

from typing import Any

ORDER = 20


def run(ctx: Any) -> list[str]:
    from reglo.core.alerts import Severity, count_by_severity
    from reglo.core.fec import FecError, dgfip_alerts, read_fec

    from reglo.addin.entrypoints.commands.fec import _amount, _count

    path = ctx.fec_path
    if path is None:
        return ["Contrôle du FEC : aucun FEC dans le dossier de démonstration, étape ignorée."]
    try:
        ledger = read_fec(path.read_bytes(), filename=path.name)
    except FecError as exc:
        ctx.blocking += 1
        return [f"Contrôle du FEC {path.name} : fichier inutilisable — {exc.alert.message}"]
    except OSError as exc:
        ctx.blocking += 1
        return [f"Contrôle du FEC {path.name} : fichier illisible ({exc.strerror or exc})."]
    ledger.alerts = dgfip_alerts(ledger.alerts, path.name)  # graded as Test Compta Demat does
    counts = count_by_severity(ledger.alerts)
    blocking, warnings = counts[Severity.BLOCKING], counts[Severity.WARNING]
    ctx.blocking += blocking
    frame = ledger.frame
    entries = len(frame[["journal_code", "entry_number"]].drop_duplicates()) if len(frame) else 0
    ctx.data["fec_ledger"] = ledger
    lines = [
        f"Contrôle du FEC {path.name} : {_count(ledger.lines_read)} lignes lues, {_count(len(frame))} retenues, "
        f"{_count(entries)} écritures ; débit {_amount(ledger.total_debit_cents())}, crédit {_amount(ledger.total_credit_cents())}.",
        f"  {_count(blocking)} alerte{'s' if blocking > 1 else ''} bloquante{'s' if blocking > 1 else ''}, "
        f"{_count(warnings)} avertissement{'s' if warnings > 1 else ''}"
        + (" : FEC conforme à la structure réglementaire." if not blocking else " : FEC NON conforme."),
    ]
    by_code: dict[str, int] = {}
    for a in ledger.alerts:
        by_code[a.code.value] = by_code.get(a.code.value, 0) + 1
    for code, n in sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))[:5]:
        first = next(a for a in ledger.alerts if a.code.value == code)
        where = f"ligne {first.row}" if first.row else "fichier"
        lines.append(f"  {code} × {_count(n)} (première : {where}) — {first.message}")
    return lines
