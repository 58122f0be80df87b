"""The dossier: one company's reference data (contract in ``docs/dossier.md``).

A dossier holds the company (with its bank accounts), its third parties (tiers, with
their bank accounts and SEPA mandates), its job sites (chantiers) and the sales invoices
as issued by the invoicing tool. The ledger itself (the FEC) sits beside it and is read
column-wise by ``reglo.core.fec``. Models are frozen; money is ``Decimal``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterator

from pydantic import BaseModel, ConfigDict, model_validator

from reglo.core.alerts import Alert, Severity, alert
from reglo.core.banking import check_bic, check_creditor_id, check_iban, check_siren
from reglo.core.models import (
    AccountKind,
    BankAccount,
    Company,
    CompanyBankAccount,
    Mandate,
    Party,
    PaymentMethod,
    PostalAddress,
    SequenceType,
)
from reglo.core.money import ZERO, Money, MoneyError, is_rounded, to_money


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class JobSite(_Model):
    """A job site (chantier) run for a customer."""

    code: str
    label: str
    customer_code: str
    town: str = ""
    source_row: int | None = None


class SalesInvoice(_Model):
    """A sales invoice (facture) or credit note (avoir, negative amounts) as issued.

    ``net + vat == gross`` always holds (checked).
    """

    invoice_number: str
    customer_code: str
    invoice_date: date
    due_date: date | None = None
    net: Money
    vat: Money
    gross: Money
    job_site_code: str | None = None
    source_row: int | None = None

    @model_validator(mode="after")
    def _totals(self) -> "SalesInvoice":
        if self.net + self.vat != self.gross:
            raise ValueError("montant HT + TVA doit être égal au montant TTC")
        return self

    @property
    def is_credit_note(self) -> bool:
        return self.gross < 0


class Dossier(_Model):
    """One company's reference data."""

    company: Company
    parties: tuple[Party, ...] = ()
    job_sites: tuple[JobSite, ...] = ()
    invoices: tuple[SalesInvoice, ...] = ()

    @property
    def customers(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.kind == AccountKind.CUSTOMER)

    @property
    def suppliers(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.kind == AccountKind.SUPPLIER)

    def party(self, code: str) -> Party | None:
        """The party with this code (auxiliary account), or None."""
        for p in self.parties:
            if p.code == code:
                return p
        return None

    def bank(self, journal_code: str):
        """The company bank account of a bank journal, or None."""
        for b in self.company.bank_accounts:
            if b.journal_code == journal_code:
                return b
        return None

    def invoice(self, number: str) -> SalesInvoice | None:
        for inv in self.invoices:
            if inv.invoice_number == number:
                return inv
        return None


# ---------------------------------------------------------------------------
# the sheets of dossier.xlsx (French labels are the contract: docs/dossier.md)
# ---------------------------------------------------------------------------

COMPANY_SHEET, PARTIES_SHEET, BANKS_SHEET = "Société", "Tiers", "Banques"
MANDATES_SHEET, SITES_SHEET, INVOICES_SHEET = "Mandats", "Chantiers", "Factures"
COMPANY_HEADERS = ["Paramètre", "Valeur"]
COMPANY_PARAMETERS = ["Raison sociale", "SIREN", "Rue", "Code postal", "Ville", "Pays", "Début d'exercice", "Fin d'exercice"]
PARTIES_HEADERS = ["Code tiers", "Type", "Raison sociale", "Compte collectif", "Rue", "Code postal", "Ville", "Pays", "IBAN", "BIC", "Banque par défaut", "Mode de règlement", "Priorité", "Centrale", "SIREN", "Email"]
BANKS_HEADERS = ["Journal", "Libellé", "Compte", "IBAN", "BIC", "ICS", "Plafond"]
MANDATES_HEADERS = ["Code tiers", "RUM", "Date de signature", "Séquence", "Schéma", "IBAN"]
SITES_HEADERS = ["Code chantier", "Libellé", "Code client", "Ville"]
INVOICES_HEADERS = ["N° facture", "Code client", "Date facture", "Échéance", "Montant HT", "TVA", "Montant TTC", "Code chantier"]
SHEETS: dict[str, list[str]] = {
    COMPANY_SHEET: COMPANY_HEADERS,
    PARTIES_SHEET: PARTIES_HEADERS,
    BANKS_SHEET: BANKS_HEADERS,
    MANDATES_SHEET: MANDATES_HEADERS,
    SITES_SHEET: SITES_HEADERS,
    INVOICES_SHEET: INVOICES_HEADERS,
}
# columns without which a sheet cannot be read at all
REQUIRED: dict[str, list[str]] = {
    COMPANY_SHEET: ["Paramètre", "Valeur"],
    PARTIES_SHEET: ["Code tiers", "Type", "Raison sociale"],
    BANKS_SHEET: ["Journal", "Compte", "IBAN"],
    MANDATES_SHEET: ["Code tiers", "RUM", "Date de signature"],
    SITES_SHEET: ["Code chantier", "Code client"],
    INVOICES_SHEET: ["N° facture", "Code client", "Date facture", "Montant TTC"],
}
PARTY_TYPES = {AccountKind.CUSTOMER: "Client", AccountKind.SUPPLIER: "Fournisseur"}
# Payees on other roots (« d'autres comptes comptables »): paid like suppliers (creditors), on
# their own control account. Type → (default control account, allowed control-account roots).
PAYEE_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Fournisseur": ("401000", ("40",)),
    "Salarié": ("421000", ("42",)),
    "Associé": ("455000", ("45",)),
    "Organisme social": ("431000", ("43",)),
    "Autre": ("467000", ("40", "42", "43", "44", "45", "46", "47")),
}
_PAYEE_KEYS = {"fournisseur": "Fournisseur", "fournisseurs": "Fournisseur", "f": "Fournisseur", "creancier": "Fournisseur",
               "salarie": "Salarié", "salaries": "Salarié", "employe": "Salarié", "personnel": "Salarié",
               "associe": "Associé", "associes": "Associé", "organisme social": "Organisme social", "organisme": "Organisme social",
               "autre": "Autre", "autres": "Autre", "autre beneficiaire": "Autre", "beneficiaire": "Autre", "divers": "Autre"}


def party_type_label(party: "Party") -> str:
    """« Client », « Fournisseur », or the payee type its control account tells (« Salarié »…)."""
    if party.kind == AccountKind.CUSTOMER:
        return "Client"
    for label, (_, roots) in PAYEE_TYPES.items():
        if label != "Autre" and party.control_account.startswith(roots):
            return label
    return "Autre"
_OPTIONAL_CONSEQUENCE = {
    BANKS_SHEET: "aucun compte bancaire de la société (virements et prélèvements impossibles)",
    MANDATES_SHEET: "aucun mandat de prélèvement",
    SITES_SHEET: "aucun chantier",
    INVOICES_SHEET: "aucune facture de vente détaillée",
}
_RUM = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


def norm_header(text: Any) -> str:
    """Header comparison key: case-, space- and accent-insensitive."""
    plain = unicodedata.normalize("NFKD", " ".join(str(text or "").split())).encode("ascii", "ignore").decode("ascii")
    return plain.casefold()


@dataclass
class SheetData:
    """A sheet read by the I/O layer: header labels and rows with their Excel row number."""

    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (excel row, {header as in the file: value})
    header_row: int = 1

    def missing(self, required: list[str]) -> list[str]:
        have = {norm_header(h) for h in self.headers}
        return [h for h in required if norm_header(h) not in have]

    def records(self) -> Iterator[tuple[int, "_Rec"]]:
        for excel_row, values in self.rows:
            yield excel_row, _Rec(self.name, excel_row, {norm_header(k): v for k, v in values.items()})


@dataclass
class _Rec:
    sheet: str
    row: int
    values: dict[str, Any]

    def raw(self, header: str) -> Any:
        return self.values.get(norm_header(header))

    def text(self, header: str) -> str:
        return cell_text(self.raw(header))

    def where(self, column: str) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": column}


def cell_text(value: Any) -> str:
    """A cell as text: numbers typed in text columns lose their ``.0``; None is ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return " ".join(str(value).split())


def cell_date(value: Any) -> date | None:
    """A cell as a date (Excel date, serial number, jj/mm/aaaa or aaaa-mm-jj); None when empty.

    Raises:
        ValueError: when the value is not a real date.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise ValueError(str(value))
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%d/%m/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


_METHODS = {norm_header(m.value): m for m in PaymentMethod}
_METHODS.update({"vir": PaymentMethod.CREDIT_TRANSFER, "virement sepa": PaymentMethod.CREDIT_TRANSFER, "chq": PaymentMethod.CHEQUE, "cheque": PaymentMethod.CHEQUE,
                 "prlv": PaymentMethod.DIRECT_DEBIT, "prelevement sepa": PaymentMethod.DIRECT_DEBIT, "cb": PaymentMethod.CARD, "carte bancaire": PaymentMethod.CARD})


@dataclass
class DossierIngest:
    """Result of reading the dossier's sheets: the dossier (None when unusable) and alerts."""

    dossier: Dossier | None
    alerts: list[Alert] = field(default_factory=list)


def ingest_dossier(sheets: dict[str, SheetData | None]) -> DossierIngest:
    """Build a ``Dossier`` from the sheets of dossier.xlsx, leniently: every problem is an alert
    on its sheet/row/column, and every row ends accepted or rejected with a reason.

    Société and Tiers are required; the other sheets are optional (warning when absent).
    """
    alerts: list[Alert] = []
    usable: dict[str, SheetData] = {}
    for name, required in REQUIRED.items():
        data = sheets.get(name)
        if data is None:
            if name in (COMPANY_SHEET, PARTIES_SHEET):
                alerts.append(alert("SHEET_MISSING", sheet=name, name=name, found=", ".join(n for n, s in sheets.items() if s is not None) or "aucune"))
            else:
                alerts.append(alert("DOSSIER_SHEET_OPTIONAL_MISSING", sheet=name, name=name, consequence=_OPTIONAL_CONSEQUENCE[name]))
            continue
        missing = data.missing(required)
        for header in missing:
            alerts.append(alert("COLUMN_MISSING", sheet=name, row=data.header_row, column=header, name=header, expected=", ".join(SHEETS[name])))
        if not missing:
            usable[name] = data
    company = _company(usable.get(COMPANY_SHEET), alerts)
    banks = _banks(usable.get(BANKS_SHEET), alerts)
    if PARTIES_SHEET not in usable:  # nothing else can be checked against the parties
        return DossierIngest(None, alerts)
    parties = _parties(usable.get(PARTIES_SHEET), alerts, {b.journal_code for b in banks} if BANKS_SHEET in usable else None)
    parties = _mandates(usable.get(MANDATES_SHEET), alerts, parties)
    customers = {code for code, p in parties.items() if p.kind == AccountKind.CUSTOMER}
    sites = _sites(usable.get(SITES_SHEET), alerts, customers)
    invoices = _invoices(usable.get(INVOICES_SHEET), alerts, customers, {s.code for s in sites})
    if company is None:
        return DossierIngest(None, alerts)
    company = company.model_copy(update={"bank_accounts": tuple(banks)})
    return DossierIngest(Dossier(company=company, parties=tuple(parties.values()), job_sites=tuple(sites), invoices=tuple(invoices)), alerts)


def _company(data: SheetData | None, alerts: list[Alert]) -> Company | None:
    if data is None:
        return None
    values: dict[str, tuple[int, Any]] = {}
    for excel_row, rec in data.records():
        key = norm_header(rec.text("Paramètre"))
        if key and key not in values:
            values[key] = (excel_row, rec.raw("Valeur"))

    def get(name: str) -> tuple[int | None, Any]:
        return values.get(norm_header(name), (None, None))

    ok = True
    row, name = get("Raison sociale")
    if not cell_text(name):
        alerts.append(alert("DOSSIER_COMPANY_VALUE", sheet=COMPANY_SHEET, row=row, column="Valeur", name="Raison sociale", value=""))
        ok = False
    row, siren = get("SIREN")
    siren_text = cell_text(siren).replace(" ", "")
    siren_alerts = check_siren(siren_text, sheet=COMPANY_SHEET, row=row, column="Valeur")
    if siren_alerts:
        alerts += siren_alerts
        ok = False
    dates: dict[str, date | None] = {}
    for label in ("Début d'exercice", "Fin d'exercice"):
        row, raw = get(label)
        try:
            dates[label] = cell_date(raw)
        except ValueError:
            dates[label] = None
        if dates[label] is None:
            alerts.append(alert("DOSSIER_COMPANY_VALUE", sheet=COMPANY_SHEET, row=row, column="Valeur", name=label, value=cell_text(raw)))
            ok = False
    start, end = dates.get("Début d'exercice"), dates.get("Fin d'exercice")
    if start and end and start > end:
        alerts.append(alert("DOSSIER_FISCAL_YEAR", sheet=COMPANY_SHEET, row=get("Début d'exercice")[0], column="Valeur", start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}"))
        ok = False
    if not ok:
        return None
    postcode = cell_text(get("Code postal")[1])
    return Company(
        legal_name=cell_text(name),
        siren=siren_text,
        address=PostalAddress(street=cell_text(get("Rue")[1]), postcode=postcode, town=cell_text(get("Ville")[1]), country=(cell_text(get("Pays")[1]) or "FR").upper()[:2]),
        fiscal_year_start=start,
        fiscal_year_end=end,
    )


def _iban_bic(rec: _Rec, alerts: list[Alert], *, required: bool) -> tuple[Any, Any]:
    text = rec.text("IBAN")
    if not text and not required:
        return None, None
    iban, a = check_iban(text, **rec.where("IBAN"))
    alerts += a
    bic = None
    if iban is not None and rec.text("BIC"):
        bic, a = check_bic(rec.text("BIC"), iban, **rec.where("BIC"))
        alerts += a
    return iban, bic


def _keyed_records(data: SheetData | None, alerts: list[Alert], header: str, *, upper: bool = False) -> Iterator[tuple[int, _Rec, str]]:
    """Rows whose key (column ``header``) is present and seen for the first time, with that
    key; the others are rejected with DOSSIER_CODE_MISSING / DOSSIER_CODE_DUPLICATE."""
    seen: dict[str, int] = {}
    for row, rec in (data.records() if data else ()):
        key = rec.text(header)
        if upper:
            key = key.upper()
        if not key:
            alerts.append(alert("DOSSIER_CODE_MISSING", **rec.where(header)))
            continue
        if key in seen:
            alerts.append(alert("DOSSIER_CODE_DUPLICATE", **rec.where(header), value=key, first=seen[key]))
            continue
        seen[key] = row
        yield row, rec, key


def _banks(data: SheetData | None, alerts: list[Alert]) -> list[CompanyBankAccount]:
    out: list[CompanyBankAccount] = []
    for row, rec, journal in _keyed_records(data, alerts, "Journal", upper=True):
        account = rec.text("Compte")
        if not re.match(r"^\d{3}", account):
            alerts.append(alert("ACCOUNT_INVALID" if account else "ACCOUNT_MISSING", **rec.where("Compte"), value=account))
            continue
        iban, bic = _iban_bic(rec, alerts, required=True)
        if iban is None:
            continue
        ics = rec.text("ICS").replace(" ", "").upper() or None
        if ics:
            a = check_creditor_id(ics, **rec.where("ICS"))
            alerts += a
            ics = None if a else ics
        limit = _amount(rec, "Plafond", alerts, required=False)
        out.append(CompanyBankAccount(journal_code=journal, label=rec.text("Libellé"), ledger_account=account, iban=iban, bic=bic, creditor_id=ics, daily_limit=limit, source_row=row))
    return out


def _amount(rec: _Rec, header: str, alerts: list[Alert], *, required: bool) -> Decimal | None:
    raw = rec.raw(header)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            alerts.append(alert("AMOUNT_MISSING", **rec.where(header)))
            raise MoneyError("vide")
        return None
    try:
        value = to_money(raw)
    except MoneyError:
        alerts.append(alert("AMOUNT_INVALID", **rec.where(header), value=cell_text(raw)))
        if required:
            raise
        return None
    if is_rounded(raw):
        alerts.append(alert("AMOUNT_ROUNDED", **rec.where(header), value=cell_text(raw), rounded=f"{value}".replace(".", ",")))
    return value


def _kind(text: str) -> AccountKind | None:
    key = norm_header(text)
    if key in ("client", "clients", "c", "d", "debiteur"):
        return AccountKind.CUSTOMER
    if key in _PAYEE_KEYS:
        return AccountKind.SUPPLIER
    return None


def _payee_type(text: str) -> str:
    return _PAYEE_KEYS.get(norm_header(text), "Fournisseur")


def _parties(data: SheetData | None, alerts: list[Alert], journals: set[str] | None) -> dict[str, Party]:
    out: dict[str, Party] = {}
    heads: list[tuple[str, _Rec, str]] = []
    for row, rec, code in _keyed_records(data, alerts, "Code tiers"):
        kind = _kind(rec.text("Type"))
        if kind is None:
            alerts.append(alert("DOSSIER_PARTY_TYPE", **rec.where("Type"), value=rec.text("Type")))
            continue
        name = rec.text("Raison sociale")
        if not name:
            alerts.append(alert("DOSSIER_NAME_MISSING", **rec.where("Raison sociale"), party=code))
            continue
        if kind == AccountKind.CUSTOMER:
            type_label, default, roots = "Client", "411000", ("41",)
        else:
            type_label = _payee_type(rec.text("Type"))
            default, roots = PAYEE_TYPES[type_label]
        control = rec.text("Compte collectif") or default
        if not (control.isdigit() and control.startswith(roots)):
            alerts.append(alert("DOSSIER_CONTROL_ACCOUNT", **rec.where("Compte collectif"), value=control, kind=type_label.lower(),
                                expected=" ou ".join(f"{r}x" for r in roots), example=default))
            continue
        iban, bic = _iban_bic(rec, alerts, required=False)
        method = None
        if rec.text("Mode de règlement"):
            method = _METHODS.get(norm_header(rec.text("Mode de règlement")))
            if method is None:
                alerts.append(alert("DOSSIER_PAYMENT_METHOD", **rec.where("Mode de règlement"), value=rec.text("Mode de règlement"), expected=", ".join(m.value for m in PaymentMethod)))
        priority = 50
        if rec.text("Priorité"):
            try:
                priority = int(rec.text("Priorité"))
                if not 0 <= priority <= 99:
                    raise ValueError
            except ValueError:
                alerts.append(alert("DOSSIER_PRIORITY", **rec.where("Priorité"), value=rec.text("Priorité")))
                priority = 50
        bank = rec.text("Banque par défaut").upper() or None
        if bank and journals is not None and bank not in journals:
            alerts.append(alert("DOSSIER_BANK_UNKNOWN", **rec.where("Banque par défaut"), value=bank, known=", ".join(sorted(journals)) or "aucun"))
            bank = None
        country = (rec.text("Pays") or "FR").upper()[:2]
        postcode = rec.text("Code postal")
        if country == "FR" and postcode.isdigit() and len(postcode) == 4:
            alerts.append(alert("DOSSIER_POSTCODE_PADDED", **rec.where("Code postal"), value=postcode, padded="0" + postcode))
            postcode = "0" + postcode
        siren = rec.text("SIREN").replace(" ", "") or None
        if siren:
            bad = check_siren(siren, **rec.where("SIREN"))
            if bad:  # a third party's SIREN is information, not a payment blocker
                alerts += [a.model_copy(update={"severity": Severity.WARNING}) for a in bad]
                siren = None
        head = rec.text("Centrale") or None
        if head:
            heads.append((code, rec, head))
        out[code] = Party(
            code=code, kind=kind, legal_name=name, control_account=control,
            address=PostalAddress(street=rec.text("Rue"), postcode=postcode, town=rec.text("Ville"), country=country),
            bank_accounts=(BankAccount(iban=iban, bic=bic),) if iban is not None else (),
            default_bank_journal=bank, payment_method=method, priority=priority, head_office_code=head,
            siren=siren, email=rec.text("Email") or None, source_row=row,
        )
    for code, rec, head in heads:
        if head not in out:
            alerts.append(alert("DOSSIER_HEAD_OFFICE_UNKNOWN", **rec.where("Centrale"), value=head))
            out[code] = out[code].model_copy(update={"head_office_code": None})
    return out


def _mandates(data: SheetData | None, alerts: list[Alert], parties: dict[str, Party]) -> dict[str, Party]:
    found: dict[str, list[Mandate]] = {}
    for row, rec in (data.records() if data else ()):
        code = rec.text("Code tiers")
        if code not in parties:
            alerts.append(alert("DOSSIER_UNKNOWN_PARTY", **rec.where("Code tiers"), value=code))
            continue
        rum = rec.text("RUM")
        if not _RUM.match(rum):
            alerts.append(alert("DOSSIER_MANDATE_ID", **rec.where("RUM"), value=rum))
            continue
        try:
            signed = cell_date(rec.raw("Date de signature"))
        except ValueError:
            alerts.append(alert("DATE_INVALID", **rec.where("Date de signature"), value=rec.text("Date de signature")))
            continue
        if signed is None:
            alerts.append(alert("DATE_MISSING", **rec.where("Date de signature")))
            continue
        sequence = SequenceType.FIRST
        if rec.text("Séquence"):
            try:
                sequence = SequenceType(rec.text("Séquence").upper())
            except ValueError:
                alerts.append(alert("DOSSIER_SEQUENCE", **rec.where("Séquence"), value=rec.text("Séquence")))
        scheme = rec.text("Schéma").upper() or "CORE"
        if scheme not in ("CORE", "B2B"):
            alerts.append(alert("DOSSIER_SCHEME", **rec.where("Schéma"), value=rec.text("Schéma")))
            scheme = "CORE"
        iban, _ = _iban_bic(rec, alerts, required=False)
        found.setdefault(code, []).append(Mandate(mandate_id=rum, signed_on=signed, sequence_type=sequence, scheme=scheme, iban=iban, source_row=row))
    return {code: (p.model_copy(update={"mandates": tuple(found[code])}) if code in found else p) for code, p in parties.items()}


def _sites(data: SheetData | None, alerts: list[Alert], customers: set[str]) -> list[JobSite]:
    out: list[JobSite] = []
    for row, rec, code in _keyed_records(data, alerts, "Code chantier"):
        customer = rec.text("Code client")
        if customer not in customers:
            alerts.append(alert("DOSSIER_UNKNOWN_CUSTOMER", **rec.where("Code client"), value=customer))
        out.append(JobSite(code=code, label=rec.text("Libellé"), customer_code=customer, town=rec.text("Ville"), source_row=row))
    return out


def _invoices(data: SheetData | None, alerts: list[Alert], customers: set[str], sites: set[str]) -> list[SalesInvoice]:
    out: list[SalesInvoice] = []
    for row, rec, number in _keyed_records(data, alerts, "N° facture"):
        customer = rec.text("Code client")
        if customer not in customers:
            alerts.append(alert("DOSSIER_UNKNOWN_CUSTOMER", **rec.where("Code client"), value=customer))
        dates: dict[str, date | None] = {}
        bad = False
        for header in ("Date facture", "Échéance"):
            try:
                dates[header] = cell_date(rec.raw(header))
            except ValueError:
                alerts.append(alert("DATE_INVALID", **rec.where(header), value=rec.text(header)))
                bad = True
        if not bad and dates["Date facture"] is None:
            alerts.append(alert("DATE_MISSING", **rec.where("Date facture")))
            bad = True
        try:
            gross = _amount(rec, "Montant TTC", alerts, required=True)
            net = _amount(rec, "Montant HT", alerts, required=False)
            vat = _amount(rec, "TVA", alerts, required=False)
        except MoneyError:
            continue
        if bad or gross is None:
            continue
        if net is None and vat is None:
            net, vat = gross, ZERO
        elif net is None:
            net = gross - vat
        elif vat is None:
            vat = gross - net
        if net + vat != gross:
            alerts.append(alert("DOSSIER_INVOICE_TOTAL", **rec.where("Montant TTC"), number=number, net=f"{net}".replace(".", ","), vat=f"{vat}".replace(".", ","), gross=f"{gross}".replace(".", ",")))
            continue
        site = rec.text("Code chantier") or None
        if site and site not in sites:
            alerts.append(alert("DOSSIER_UNKNOWN_JOB_SITE", **rec.where("Code chantier"), value=site))
            site = None
        out.append(SalesInvoice(invoice_number=number, customer_code=customer, invoice_date=dates["Date facture"], due_date=dates["Échéance"], net=net, vat=vat, gross=gross, job_site_code=site, source_row=row))
    return out
