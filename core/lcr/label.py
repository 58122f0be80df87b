"""« Libellé de contrepartie »: at most 31 characters, with dynamic fields.

The seed product lets the user insert the date, day, month, year, document number, the
company's legal name and the customer account's label. CFONB 160 has no zone for it: it
labels the treasury entries. An empty template gives the default of the seed: the
document number and the invoice label.

>>> from datetime import date
>>> f = LabelFields(on=date(2026, 3, 2), document="F2026011", company="SARL EXEMPLE DUPONT", account="MARTIN ET FILS SA")
>>> render_label("LCR {JOUR}/{MOIS} {PIECE}", f)
('LCR 02/03 F2026011', [])
>>> render_label("{RAISON_SOCIALE} {LIBELLE_COMPTE}", f)[0]
'SARL EXEMPLE DUPONT MARTIN ET F'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from reglo.core.alerts import Alert, alert

LABEL_MAX = 31
FIELDS = ("DATE", "JOUR", "MOIS", "ANNEE", "PIECE", "RAISON_SOCIALE", "LIBELLE_COMPTE")
_FIELD_RE = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class LabelFields:
    on: date  # the collection / remittance date
    document: str = ""  # numéro de pièce
    company: str = ""  # raison sociale du dossier
    account: str = ""  # libellé du compte client
    invoice_label: str = ""  # libellé de la facture (default label)

    def values(self) -> dict[str, str]:
        return {
            "DATE": self.on.strftime("%d/%m/%Y"),
            "JOUR": f"{self.on.day:02d}",
            "MOIS": f"{self.on.month:02d}",
            "ANNEE": f"{self.on.year:04d}",
            "PIECE": self.document,
            "RAISON_SOCIALE": self.company,
            "LIBELLE_COMPTE": self.account,
        }


def check_template(template: str, *, sheet: str | None = None, row: int | None = None, column: str | None = None) -> list[Alert]:
    """Blocking alert for each unknown ``{FIELD}`` of a template."""
    return [
        alert("LCR_LABEL_FIELD_UNKNOWN", template=template, name=name, expected=", ".join("{" + f + "}" for f in FIELDS), sheet=sheet, row=row, column=column)
        for name in _FIELD_RE.findall(template)
        if name.upper() not in FIELDS
    ]


def render_label(template: str, fields: LabelFields, *, sheet: str | None = None, row: int | None = None, column: str | None = None) -> tuple[str, list[Alert]]:
    """The label for one entry line, cut to 31 characters with a warning when longer.

    Unknown fields are left as typed (``check_template`` reports them once, blocking).
    """
    values = fields.values()
    if template.strip():
        text = _FIELD_RE.sub(lambda m: values.get(m.group(1).upper(), m.group(0)), template)
    else:
        text = " ".join(p for p in (fields.document, fields.invoice_label) if p)
    text = " ".join(text.split())
    if len(text) <= LABEL_MAX:
        return text, []
    clean = text[:LABEL_MAX].rstrip()
    return clean, [alert("LCR_LABEL_TRUNCATED", label=text, length=len(text), clean=clean, sheet=sheet, row=row, column=column)]
