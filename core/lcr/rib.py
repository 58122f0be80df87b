"""French RIB from a French IBAN, with the RIB key checked (spec « RIB from IBAN », F10).

A French IBAN is ``FR`` + 2 check digits + the 23-character RIB: bank code ``[4:9]``,
branch code ``[9:14]``, account number ``[14:25]``, RIB key ``[25:27]``. The IBAN's mod-97
check does not cover the RIB key, so a wrong key can pass it; the key is checked with
schwifty's French national checksum (``validate_bban=True``), and the expected key shown to
the user comes from ``reglo.core.banking.rib_key``.

>>> rib, key, alerts = rib_from_iban("FR76 3000 6000 0112 3456 7890 189", field="Tiré")
>>> (rib.bank_code, rib.branch_code, rib.account_code, key, alerts)
('30006', '00001', '12345678901', '89', [])
>>> rib_from_iban("FR0630006000011234567890188", field="Tiré")[2][0].code.value
'LCR_RIB_KEY'
"""
from __future__ import annotations

from schwifty import IBAN
from schwifty.exceptions import InvalidBBANChecksum, SchwiftyException

from reglo.core.alerts import Alert, alert
from reglo.core.banking import _reason, compact_iban, rib_key
from reglo.core.writers.cfonb160 import RibAccount

FR_IBAN_LENGTH = 27


def rib_from_iban(
    value: object,
    *,
    field: str,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = "IBAN",
) -> tuple[RibAccount | None, str | None, list[Alert]]:
    """Split a French IBAN into its RIB and check it.

    Returns:
        ``(rib, key, alerts)``; ``rib`` is None when an alert is blocking
        (``LCR_IBAN_MISSING``, ``LCR_IBAN_INVALID``, ``LCR_IBAN_NOT_FR``, ``LCR_RIB_KEY``).
    """
    where = {"sheet": sheet, "row": row, "column": column, "field": field}
    text = compact_iban(value or "")
    if not text:
        return None, None, [alert("LCR_IBAN_MISSING", **where)]
    if not text.startswith("FR") or len(text) != FR_IBAN_LENGTH:
        try:
            shown = IBAN(text).formatted
        except SchwiftyException:
            shown = text
        return None, None, [alert("LCR_IBAN_NOT_FR", value=shown, **where)]
    try:
        iban = IBAN(text, validate_bban=True)
    except InvalidBBANChecksum:
        bban = text[4:]
        expected = rib_key(bban[0:5], bban[5:10], bban[10:21])
        return None, None, [alert("LCR_RIB_KEY", value=IBAN(text).formatted, found=bban[21:23], expected=expected, **where)]
    except SchwiftyException as exc:
        return None, None, [alert("LCR_IBAN_INVALID", reason=_reason(exc), value=text, **where)]
    s = str(iban)
    return RibAccount(bank_code=s[4:9], branch_code=s[9:14], account_code=s[14:25]), s[25:27], []
