"""The import definition (définition d'import): how to read one layout of journal entries.

A definition maps the columns of an input file (header labels) to entry fields and sets the
options of the layout: accounts on one, two or three columns, the way amounts are signed,
VAT and counter-account on the same line, entry boundaries, the company column.

It is a frozen pydantic model (saved as JSON with English keys) and, for the workbook, a
two-column sheet « Définition d'import » (French labels, see ``LABELS``). ``check_definition``
returns French alerts for inconsistent definitions (overlapping number ranges, a mode whose
columns are not mapped, …): the import refuses to run until they are fixed.
"""
from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reglo.core.alerts import Alert, alert
from reglo.core.models import AccountKind

SHEET = "Définition d'import"


class AccountLayout(StrEnum):
    """Where account numbers are (Traitement des comptes)."""

    ONE_COLUMN = "1 colonne"  # one number + its type (G/D/C column or ranges)
    TWO_COLUMNS = "2 colonnes"  # general account | third-party code (+ type or ranges)
    THREE_COLUMNS = "3 colonnes"  # general account | customer | supplier


class AccountTypeMode(StrEnum):
    TYPE_COLUMN = "colonne de type"  # G / D / C column
    RANGES = "plages de numéros"  # automatic, by distinct number ranges


class AmountMode(StrEnum):
    """How debit and credit are told apart (Traitement débit/crédit)."""

    SIGNED = "montant signé"  # credit = minus before or after; debit plain or leading +
    SIGN_COLUMN = "colonne de sens"  # amount + a column with user symbols (D/C…)
    DEBIT_CREDIT = "débit et crédit"  # two columns


class CounterMode(StrEnum):
    NONE = "aucune"
    COLUMN = "colonne"  # Compte de contrepartie dans la même ligne
    FIXED = "valeur fixe"  # every entry balanced on one fixed account


class VatSign(StrEnum):
    """How the VAT amount of a line is signed (Montant TVA dans la même ligne)."""

    SAME_SIDE = "même sens que la ligne"  # + on the line's side, − on the other
    SIGNED = "signé comme débit/crédit"  # as the line amounts: positive = debit, negative = credit
    ALWAYS_POSITIVE = "toujours positif"  # the line's side, whatever its sign


class Boundary(StrEnum):
    """Fields whose change starts a new entry."""

    JOURNAL = "journal"
    DATE = "date"
    ENTRY_NUMBER = "numéro d'écriture"
    DOCUMENT = "numéro de pièce"


class JournalKind(StrEnum):
    OPENING = "à-nouveaux"
    PURCHASES = "achats"
    SALES = "ventes"
    BANK = "banque"
    OTHER = "autres"


DATE_FORMATS = {
    "auto": None,
    "jj/mm/aaaa": "%d/%m/%Y",
    "jj/mm/aa": "%d/%m/%y",
    "aaaa-mm-jj": "%Y-%m-%d",
    "aaaammjj": "%Y%m%d",
    "jj.mm.aaaa": "%d.%m.%Y",
    "jj-mm-aaaa": "%d-%m-%Y",
    "jjmmaaaa": "%d%m%Y",
}


class AccountRange(BaseModel):
    """An inclusive range of account numbers of one kind (compared as integers)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"


class ImportDefinition(BaseModel):
    """One import layout. Column fields hold the header label in the input ('' = absent)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = ""
    # -- columns --------------------------------------------------------------
    journal_column: str = ""
    journal_label_column: str = ""
    date_column: str = ""
    entry_number_column: str = ""
    document_ref_column: str = ""
    document_date_column: str = ""
    label_column: str = ""
    due_date_column: str = ""
    project_column: str = ""  # Projet: kept on every line of the entry (not a FEC field)
    company_column: str = ""
    account_column: str = ""  # 1 column: the number; 2 columns: the general account
    third_party_column: str = ""  # 2 columns: customer / supplier code
    customer_column: str = ""  # 3 columns
    supplier_column: str = ""  # 3 columns
    account_type_column: str = ""
    account_label_column: str = ""
    amount_column: str = ""
    sign_column: str = ""
    debit_column: str = ""
    credit_column: str = ""
    vat_column: str = ""
    counter_account_column: str = ""
    # -- options ----------------------------------------------------------------
    account_layout: AccountLayout = AccountLayout.ONE_COLUMN
    account_type_mode: AccountTypeMode = AccountTypeMode.TYPE_COLUMN
    general_ranges: tuple[AccountRange, ...] = ()
    customer_ranges: tuple[AccountRange, ...] = ()
    supplier_ranges: tuple[AccountRange, ...] = ()
    customer_control_account: str = "411000"
    supplier_control_account: str = "401000"
    amount_mode: AmountMode = AmountMode.DEBIT_CREDIT
    decimal_separator: str = ","
    thousands_separator: str = " "
    debit_symbol: str = "D"
    credit_symbol: str = "C"
    vat_on_line: bool = False  # Montant TVA dans la même ligne
    vat_sign: VatSign = VatSign.SAME_SIDE
    vat_account: str = "445710"  # collected VAT (sales, and other journals when credit)
    vat_account_purchases: str = "445660"  # deductible VAT (purchases, and other journals when debit)
    counter_mode: CounterMode = CounterMode.NONE
    counter_account: str = ""  # the fixed counter-account
    boundaries: tuple[Boundary, ...] = (Boundary.JOURNAL, Boundary.DATE, Boundary.ENTRY_NUMBER, Boundary.DOCUMENT)
    default_journal: str = ""
    date_format: str = "auto"
    current_company: str = ""
    companies: dict[str, str] = Field(default_factory=dict)  # code -> SIREN ('' if unknown)
    fiscal_year_end: date | None = None  # closing date in the FEC file name
    opening_journals: tuple[str, ...] = ("AN", "RAN")
    purchase_journals: tuple[str, ...] = ("AC", "HA", "ACH")
    sales_journals: tuple[str, ...] = ("VT", "VE", "VTE")
    bank_journals: tuple[str, ...] = ("BQ", "BQ1", "BQ2", "BQ3", "BQ4", "BQ5", "BNK")
    csv_separator: str = "auto"  # ';', ',', tab, '|' or auto
    encoding: str = "auto"

    # -- helpers ------------------------------------------------------------
    def journal_kind(self, code: str) -> JournalKind:
        code = code.strip().upper()
        for kind, codes in (
            (JournalKind.OPENING, self.opening_journals),
            (JournalKind.PURCHASES, self.purchase_journals),
            (JournalKind.SALES, self.sales_journals),
            (JournalKind.BANK, self.bank_journals),
        ):
            if code in {c.strip().upper() for c in codes}:
                return kind
        return JournalKind.OTHER

    def ranges(self) -> list[tuple[AccountKind, AccountRange]]:
        return (
            [(AccountKind.GENERAL, r) for r in self.general_ranges]
            + [(AccountKind.CUSTOMER, r) for r in self.customer_ranges]
            + [(AccountKind.SUPPLIER, r) for r in self.supplier_ranges]
        )

    def mapped_columns(self) -> dict[str, str]:
        """field name -> header label, for every mapped column the chosen options use."""
        unused = set()
        if self.amount_mode is not AmountMode.DEBIT_CREDIT:
            unused |= {"debit_column", "credit_column"}
        if self.amount_mode is AmountMode.DEBIT_CREDIT:
            unused.add("amount_column")
        if self.amount_mode is not AmountMode.SIGN_COLUMN:
            unused.add("sign_column")
        if not self.vat_on_line:
            unused.add("vat_column")
        if self.counter_mode is not CounterMode.COLUMN:
            unused.add("counter_account_column")
        if self.account_layout is not AccountLayout.TWO_COLUMNS:
            unused.add("third_party_column")
        if self.account_layout is not AccountLayout.THREE_COLUMNS:
            unused |= {"customer_column", "supplier_column"}
        if self.account_layout is AccountLayout.THREE_COLUMNS or self.account_type_mode is not AccountTypeMode.TYPE_COLUMN:
            unused.add("account_type_column")
        return {name: getattr(self, name) for name in type(self).model_fields if name.endswith("_column") and getattr(self, name) and name not in unused}

    def required_headers(self) -> list[str]:
        seen: list[str] = []
        for header in self.mapped_columns().values():
            if header not in seen:
                seen.append(header)
        return seen


# ---------------------------------------------------------------------------
# French labels of the « Définition d'import » sheet (the contract with users)
# ---------------------------------------------------------------------------

LABELS: dict[str, str] = {
    "name": "Nom de la définition",
    "journal_column": "Colonne Journal",
    "journal_label_column": "Colonne Libellé journal",
    "date_column": "Colonne Date d'écriture",
    "entry_number_column": "Colonne N° d'écriture",
    "document_ref_column": "Colonne N° de pièce",
    "document_date_column": "Colonne Date de pièce",
    "label_column": "Colonne Libellé",
    "due_date_column": "Colonne Échéance",
    "project_column": "Colonne Projet",
    "company_column": "Colonne Société (administration)",
    "account_column": "Colonne Compte (ou compte général)",
    "third_party_column": "Colonne Code tiers (2 colonnes)",
    "customer_column": "Colonne Client (3 colonnes)",
    "supplier_column": "Colonne Fournisseur (3 colonnes)",
    "account_type_column": "Colonne Type de compte (G/D/C)",
    "account_label_column": "Colonne Libellé du compte",
    "amount_column": "Colonne Montant",
    "sign_column": "Colonne Sens",
    "debit_column": "Colonne Débit",
    "credit_column": "Colonne Crédit",
    "vat_column": "Colonne Montant TVA",
    "counter_account_column": "Colonne Compte de contrepartie",
    "account_layout": "Traitement des comptes",
    "account_type_mode": "Type de compte déterminé par",
    "general_ranges": "Plages comptes généraux",
    "customer_ranges": "Plages clients",
    "supplier_ranges": "Plages fournisseurs",
    "customer_control_account": "Compte collectif clients",
    "supplier_control_account": "Compte collectif fournisseurs",
    "amount_mode": "Traitement débit/crédit",
    "decimal_separator": "Séparateur décimal",
    "thousands_separator": "Séparateur de milliers",
    "debit_symbol": "Symbole débit",
    "credit_symbol": "Symbole crédit",
    "vat_on_line": "Montant TVA dans la même ligne",
    "vat_sign": "Signe du montant de TVA",
    "vat_account": "Compte de TVA collectée",
    "vat_account_purchases": "Compte de TVA déductible",
    "counter_mode": "Compte de contrepartie dans la même ligne",
    "counter_account": "Compte de contrepartie fixe",
    "boundaries": "Nouvelle écriture si changement de",
    "default_journal": "Journal par défaut",
    "date_format": "Format de date",
    "current_company": "Société courante",
    "companies": "Sociétés (code=SIREN)",
    "fiscal_year_end": "Date de clôture (nom du FEC)",
    "opening_journals": "Journaux d'à-nouveaux",
    "purchase_journals": "Journaux d'achats",
    "sales_journals": "Journaux de ventes",
    "bank_journals": "Journaux de banque",
    "csv_separator": "Séparateur CSV",
    "encoding": "Encodage",
}
FIELD_OF_LABEL = {v: k for k, v in LABELS.items()}
FIELD_OF_LABEL.setdefault("Compte de contrepartie", "counter_mode")  # label of sheets written before the wording

HELP: dict[str, str] = {
    "account_layout": "1 colonne, 2 colonnes ou 3 colonnes",
    "account_type_mode": "colonne de type (G/D/C) ou plages de numéros",
    "general_ranges": "ex. 100000-799999 ; plusieurs plages séparées par « ; »",
    "customer_ranges": "ex. 10000-19999",
    "supplier_ranges": "ex. 20000-29999",
    "amount_mode": "montant signé, colonne de sens ou débit et crédit",
    "decimal_separator": "« , » ou « . »",
    "thousands_separator": "espace, « . », « , », « ' » ou vide",
    "vat_on_line": "oui / non",
    "vat_sign": "même sens que la ligne (+ du côté de la ligne), signé comme débit/crédit (+ = débit) ou toujours positif",
    "project_column": "saisies de projet : le projet est gardé sur chaque ligne et dans l'export analytique (le FEC n'a pas de champ projet)",
    "counter_mode": "colonne (le compte de contrepartie est sur la ligne : elle donne deux lignes), valeur fixe (compte ci-dessous) ou aucune",
    "boundaries": "journal ; date ; numéro d'écriture ; numéro de pièce",
    "date_format": "auto, " + ", ".join(k for k in DATE_FORMATS if k != "auto"),
    "companies": "ex. ALPHA=552100554 ; BETA=",
    "current_company": "société des lignes dont la colonne Société est vide",
}


# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------

def _bad(field: str, detail: str) -> Alert:
    return alert("IMPORT_DEFINITION_INVALID", sheet=SHEET, column=LABELS.get(field, field), field=LABELS.get(field, field), detail=detail)


def check_definition(d: ImportDefinition) -> list[Alert]:
    """Every inconsistency of a definition, as blocking alerts (empty list = usable)."""
    alerts: list[Alert] = []
    if not d.date_column:
        alerts.append(_bad("date_column", "la colonne de la date d'écriture est obligatoire."))
    if not d.journal_column and not d.default_journal:
        alerts.append(_bad("journal_column", "indiquez la colonne du journal ou un « Journal par défaut »."))
    # accounts
    if d.account_layout is AccountLayout.ONE_COLUMN and not d.account_column:
        alerts.append(_bad("account_column", "la colonne du compte est obligatoire avec des comptes sur 1 colonne."))
    if d.account_layout is AccountLayout.TWO_COLUMNS and not d.third_party_column:
        alerts.append(_bad("third_party_column", "avec des comptes sur 2 colonnes, indiquez la colonne des codes clients/fournisseurs."))
    if d.account_layout is AccountLayout.THREE_COLUMNS and not (d.customer_column and d.supplier_column):
        alerts.append(_bad("customer_column", "avec des comptes sur 3 colonnes, indiquez la colonne des clients et celle des fournisseurs."))
    if d.account_layout is not AccountLayout.THREE_COLUMNS:
        if d.account_type_mode is AccountTypeMode.TYPE_COLUMN and not d.account_type_column:
            alerts.append(_bad("account_type_column", "indiquez la colonne du type de compte (G/D/C) ou choisissez « plages de numéros »."))
        if d.account_type_mode is AccountTypeMode.RANGES:
            if not (d.customer_ranges or d.supplier_ranges):
                alerts.append(_bad("customer_ranges", "la détermination automatique du type exige au moins une plage de clients ou de fournisseurs."))
            if d.account_layout is AccountLayout.ONE_COLUMN and not d.general_ranges:
                alerts.append(_bad("general_ranges", "avec 1 colonne, la détermination automatique exige aussi les plages de comptes généraux."))
    alerts += check_ranges(d)
    # amounts
    if d.amount_mode is AmountMode.DEBIT_CREDIT and not (d.debit_column and d.credit_column):
        alerts.append(_bad("debit_column", "le mode « débit et crédit » exige une colonne Débit et une colonne Crédit."))
    if d.amount_mode in (AmountMode.SIGNED, AmountMode.SIGN_COLUMN) and not d.amount_column:
        alerts.append(_bad("amount_column", "indiquez la colonne du montant."))
    if d.amount_mode is AmountMode.SIGN_COLUMN:
        if not d.sign_column:
            alerts.append(_bad("sign_column", "le mode « colonne de sens » exige la colonne du sens."))
        if not d.debit_symbol.strip() or not d.credit_symbol.strip() or d.debit_symbol.strip().upper() == d.credit_symbol.strip().upper():
            alerts.append(_bad("debit_symbol", f"les symboles débit (« {d.debit_symbol} ») et crédit (« {d.credit_symbol} ») doivent être renseignés et différents."))
    if d.decimal_separator not in (",", "."):
        alerts.append(_bad("decimal_separator", f"« {d.decimal_separator} » : attendu « , » ou « . »."))
    if d.thousands_separator not in ("", " ", ".", ",", "'"):
        alerts.append(_bad("thousands_separator", f"« {d.thousands_separator} » : attendu espace, « . », « , », « ' » ou vide."))
    elif d.thousands_separator == d.decimal_separator:
        alerts.append(_bad("thousands_separator", "le séparateur de milliers doit différer du séparateur décimal."))
    # VAT and counter-account
    if d.vat_on_line:
        if not d.vat_column:
            alerts.append(_bad("vat_column", "« Montant TVA dans la même ligne » exige la colonne du montant de TVA."))
        for f in ("vat_account", "vat_account_purchases"):
            if not _is_account(getattr(d, f)):
                alerts.append(_bad(f, f"« {getattr(d, f)} » n'est pas un compte (trois chiffres du PCG au début)."))
    if d.counter_mode is CounterMode.COLUMN and not d.counter_account_column:
        alerts.append(_bad("counter_account_column", "« Compte de contrepartie dans la même ligne » exige la colonne du compte de contrepartie."))
    if d.counter_mode is CounterMode.FIXED and not _is_account(d.counter_account):
        alerts.append(_bad("counter_account", f"compte de contrepartie fixe « {d.counter_account} » absent ou invalide (trois chiffres du PCG au début)."))
    for f in ("customer_control_account", "supplier_control_account"):
        if not _is_account(getattr(d, f)):
            alerts.append(_bad(f, f"« {getattr(d, f)} » n'est pas un compte (trois chiffres du PCG au début)."))
    if d.date_format not in DATE_FORMATS:
        alerts.append(_bad("date_format", f"« {d.date_format} » : formats possibles : {', '.join(DATE_FORMATS)}."))
    if d.current_company and d.companies and d.current_company not in d.companies:
        alerts.append(_bad("current_company", f"« {d.current_company} » n'est pas dans la liste des sociétés ({', '.join(d.companies)})."))
    return alerts


def check_ranges(d: ImportDefinition) -> list[Alert]:
    """Overlapping number ranges of different kinds make the automatic type ambiguous."""
    alerts: list[Alert] = []
    ranges = d.ranges()
    names = {AccountKind.GENERAL: "comptes généraux", AccountKind.CUSTOMER: "clients", AccountKind.SUPPLIER: "fournisseurs"}
    for kind, r in ranges:
        if r.start > r.end:
            alerts.append(_bad({AccountKind.GENERAL: "general_ranges", AccountKind.CUSTOMER: "customer_ranges", AccountKind.SUPPLIER: "supplier_ranges"}[kind], f"plage {r} : le début dépasse la fin."))
    for i, (k1, r1) in enumerate(ranges):
        for k2, r2 in ranges[i + 1:]:
            if k1 != k2 and r1.start <= r2.end and r2.start <= r1.end:
                alerts.append(alert("IMPORT_RANGES_OVERLAP", sheet=SHEET, column=LABELS["customer_ranges"], first=str(r1), first_kind=names[k1], second=str(r2), second_kind=names[k2]))
    return alerts


def _is_account(value: str) -> bool:
    v = value.strip()
    return len(v) >= 3 and v[:3].isdigit()
