"""The demo dossier: a deterministic generator of a realistic French construction company.

``generate_demo(seed)`` is pure: the same seed gives the same dossier and the same ledger,
byte for byte once written (``random.Random(seed)``, no clock, no set iteration order).

What it models (see ``docs/demo.md``): Batiroc Construction SAS, a building contractor near
Nantes, fiscal year 2025; ~30 customers (social landlords with agencies, developers,
municipalities, maintenance-contract customers paying by SEPA direct debit, private
owners paying by cheque), ~40 suppliers (building materials, subcontractors under French
VAT reverse charge — autoliquidation, CGI art. 283-2 nonies —, plant hire, temporary staff,
overheads paid by direct debit), 12 job sites invoiced by monthly progress statements
(situations de travaux), payroll, loan, bank fees, monthly VAT returns (CA3).

The lettering (lettrage) written in the ledger is the ground truth for the lettering
engine: only groups an accountant really makes (1 payment ↔ 1 invoice, 1 payment ↔ several
invoices, instalments, invoice + credit note + payment, deposit + invoice + balance,
small payment differences written off to 658/758 by an OD line lettered with the group).
Every unlettered line is genuinely open at year end (invoices not yet due or disputed,
partial payments, credit notes and deposits not yet used).
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from stdnum import luhn
from stdnum.eu import at_02

from reglo.core.banking import rib_key
from reglo.core.dossier import Dossier, JobSite, SalesInvoice
from reglo.core.entries import entries_to_frame
from reglo.core.models import (
    AccountKind,
    BankAccount,
    Company,
    CompanyBankAccount,
    Entry,
    EntryLine,
    Mandate,
    Party,
    PaymentMethod,
    PostalAddress,
    SequenceType,
)
from reglo.core.money import cents_to_money

DEFAULT_SEED = 2025
FY_START = date(2025, 1, 1)
FY_END = date(2025, 12, 31)

# Real French bank codes with a BIC of the same bank (checked with schwifty's registry).
BANKS: tuple[tuple[str, str, str], ...] = (
    ("30004", "BNPAFRPPXXX", "BNP Paribas"),
    ("30003", "SOGEFRPPXXX", "Société Générale"),
    ("30002", "CRLYFRPPXXX", "LCL"),
    ("30047", "CMCIFRPPXXX", "CIC Ouest"),
    ("15589", "CMBRFR2BXXX", "Crédit Mutuel de Bretagne"),
    ("14706", "AGRIFRPP847", "Crédit Agricole Atlantique Vendée"),
    ("13807", "CCBPFRPPNAN", "Banque Populaire Grand Ouest"),
    ("14445", "CEPAFRPP444", "Caisse d'Épargne Bretagne Pays de Loire"),
    ("20041", "PSSTFRPPNTE", "La Banque Postale"),
    ("30056", "CCFRFRPPXXX", "HSBC Continental Europe"),
    ("10107", "BREDFRPPXXX", "BRED Banque Populaire"),
    ("42559", "CCOPFRPPXXX", "Crédit Coopératif"),
    ("30076", "NORDFRPPXXX", "Crédit du Nord"),
)

TOWNS: tuple[tuple[str, str], ...] = (
    ("Nantes", "44000"), ("Nantes", "44300"), ("Saint-Herblain", "44800"), ("Rezé", "44400"),
    ("Orvault", "44700"), ("Vertou", "44120"), ("Carquefou", "44470"), ("Saint-Sébastien-sur-Loire", "44230"),
    ("Clisson", "44190"), ("Ancenis-Saint-Géréon", "44150"), ("Saint-Nazaire", "44600"),
    ("La Chapelle-sur-Erdre", "44240"), ("Bouguenais", "44340"), ("Basse-Goulaine", "44115"),
    ("Cholet", "49300"), ("Angers", "49000"), ("La Roche-sur-Yon", "85000"), ("Les Herbiers", "85500"),
    ("Montaigu-Vendée", "85600"), ("Château-Thébaud", "44690"), ("Le Pallet", "44330"),
    ("Sainte-Luce-sur-Loire", "44980"), ("Vallet", "44330"), ("Gorges", "44190"),
)
STREETS = (
    "rue de la Gare", "avenue de la République", "rue du Général de Gaulle", "rue des Artisans",
    "ZA de la Chaussée", "ZI de Tournebride", "rue de Bel-Air", "impasse des Vignes", "route de Clisson",
    "rue Jean Jaurès", "allée des Tilleuls", "chemin de la Brosse", "rue de l'Industrie", "quai de la Fosse",
    "boulevard des Pas Enchantés", "rue Paul Bellamy", "rue du Stade", "place du Marché", "rue des Vignerons",
    "avenue des Sorinières", "rue de la Métallurgie", "rue Pierre Mendès France",
)

ACCOUNT_LABELS = {
    "101300": "Capital souscrit appelé versé", "106100": "Réserve légale", "106800": "Autres réserves",
    "110000": "Report à nouveau", "164000": "Emprunts auprès des établissements de crédit",
    "215400": "Matériel industriel", "218200": "Matériel de transport", "281540": "Amortissements du matériel industriel",
    "281820": "Amortissements du matériel de transport", "401000": "Fournisseurs", "411000": "Clients",
    "421000": "Personnel - Rémunérations dues", "431000": "Sécurité sociale", "437100": "Caisse de retraite PRO BTP",
    "442100": "Prélèvement à la source", "445200": "TVA due autoliquidée", "445510": "TVA à décaisser",
    "445660": "TVA déductible sur autres biens et services", "445662": "TVA déductible autoliquidée",
    "445670": "Crédit de TVA à reporter", "445710": "TVA collectée", "512100": "Banque CIC Ouest",
    "512200": "Banque Crédit Agricole", "580000": "Virements internes", "601000": "Achats de matériaux",
    "604000": "Achats de prestations de services", "606100": "Fournitures non stockables (eau, énergie)",
    "606140": "Carburants", "606300": "Fournitures d'entretien et petit équipement", "606400": "Fournitures administratives",
    "611000": "Sous-traitance générale", "612200": "Crédit-bail mobilier", "613200": "Locations immobilières",
    "613500": "Locations mobilières", "615500": "Entretien et réparations sur biens mobiliers", "616000": "Primes d'assurances",
    "621100": "Personnel intérimaire", "622600": "Honoraires", "624100": "Transports sur achats",
    "626000": "Frais postaux et de télécommunications", "627000": "Services bancaires et assimilés",
    "641100": "Salaires, appointements", "645100": "Cotisations à l'URSSAF", "645300": "Cotisations aux caisses de retraite",
    "658000": "Charges diverses de gestion courante", "661100": "Intérêts des emprunts",
    "704000": "Travaux", "706000": "Prestations de services", "758000": "Produits divers de gestion courante",
}
JOURNALS = {"AN": "A-nouveaux", "VT": "Ventes", "AC": "Achats", "BQ1": "Banque CIC Ouest", "BQ2": "Banque Crédit Agricole", "OD": "Opérations diverses"}
_JOURNAL_ORDER = {"AN": 0, "VT": 1, "AC": 2, "BQ1": 3, "BQ2": 4, "OD": 5}
# TARGET2 closing days of 2025 (no bank movement): New Year, Good Friday, Easter Monday, 1 May, Christmas.
_BANK_HOLIDAYS = {date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 1), date(2025, 12, 25), date(2025, 12, 26)}


# ---------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoData:
    """The demo dossier (reference data), its ledger frame and the entries behind it."""

    dossier: Dossier
    ledger_frame: pd.DataFrame
    entries: tuple[Entry, ...]
    seed: int
    stats: dict[str, int] = field(default_factory=dict)


def generate_demo(seed: int = DEFAULT_SEED) -> DemoData:
    """Generate the demo dossier; pure and deterministic for a given seed."""
    return _Generator(seed).run()


# ---------------------------------------------------------------------------
# identifiers
# ---------------------------------------------------------------------------

def _iban_digits(text: str) -> str:
    return "".join(str(int(c, 36)) for c in text)


def french_iban(bank_code: str, branch_code: str, account_code: str) -> str:
    """IBAN of a French RIB: key from ``rib_key``, then the ISO 13616 mod-97 check digits."""
    bban = bank_code + branch_code + account_code + rib_key(bank_code, branch_code, account_code)
    check = 98 - int(_iban_digits(bban + "FR00")) % 97
    return f"FR{check:02d}{bban}"


def luhn_siren(rng: random.Random, first: str = "") -> str:
    body = first + "".join(str(rng.randint(0, 9)) for _ in range(8 - len(first)))
    if body[0] == "0":
        body = "8" + body[1:]
    return body + luhn.calc_check_digit(body)


def creditor_id(national_id: str) -> str:
    """French SEPA creditor identifier (ICS) ``FRkkZZZnnnnnn`` (EPC262-08)."""
    return f"FR{at_02.calc_check_digits('FR00ZZZ' + national_id)}ZZZ{national_id}"


def _ascii_upper(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.replace("'", " ").replace("—", " ").replace("-", " ").upper().split())


_STOP_WORDS = {"sas", "sarl", "sa", "sccv", "sci", "spl", "oph", "m", "mme", "et", "de", "du", "des", "la", "le", "les", "l", "d", "agence", "ogec"}


def _slug(name: str) -> str:
    """E-mail domain of a party: its first two meaningful words (« Béton Prêt Atlantique » → beton-pret)."""
    words = [w for w in _ascii_upper(name).lower().replace("&", " ").split() if w not in _STOP_WORDS and w.isalnum()]
    return "-".join(words[:2]) or "tiers"


def _business_day(d: date) -> date:
    while d.weekday() >= 5 or d in _BANK_HOLIDAYS:
        d += timedelta(days=1)
    return d


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _last_business_day(year: int, month: int) -> date:
    d = _month_end(year, month)
    while d.weekday() >= 5 or d in _BANK_HOLIDAYS:
        d -= timedelta(days=1)
    return d


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, _month_end(y, m).day))


def _due(d: date, terms: str) -> date:
    """Due date under French payment terms (LME caps: 60 days or 45 days end of month)."""
    if terms == "RECEP":
        return d
    if terms == "45JFM":
        end = d + timedelta(days=45)
        return _month_end(end.year, end.month)
    if terms == "FM30":
        nxt = _month_end(d.year, d.month) + timedelta(days=30)
        return nxt
    return d + timedelta(days=int(terms.rstrip("J")))


def _vat(net: int, rate_bp: int) -> int:
    """VAT in cents, rounded half up (rate in basis points: 2000 = 20 %)."""
    return (net * rate_bp + 5000) // 10000


def lettering_codes():
    """AA, AB, … ZZ, AAA, … (the usual FEC EcritureLet sequence)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for a in letters:
        for b in letters:
            yield a + b
    for a in letters:
        for b in letters:
            for c in letters:
                yield a + b + c


# ---------------------------------------------------------------------------
# mutable working records (internal; frozen models are built at the end)
# ---------------------------------------------------------------------------

@dataclass(eq=False)
class _L:
    account: str
    aux: str = ""
    aux_label: str = ""
    label: str = ""
    debit: int = 0
    credit: int = 0
    due: date | None = None
    day: date | None = None
    let: str = ""
    let_on: date | None = None
    ref: str = ""  # own document reference (detailed opening items), else the entry's
    doc_date: date | None = None

    @property
    def signed(self) -> int:
        return self.debit - self.credit


@dataclass(eq=False)
class _E:
    journal: str
    day: date
    ref: str
    label: str
    lines: list[_L]
    doc_date: date | None = None
    seq: int = 0


@dataclass(eq=False)
class _P:
    code: str
    name: str
    kind: AccountKind
    category: str
    method: PaymentMethod
    terms: str
    bank_journal: str
    payer: str = "average"  # good / average / late / public
    priority: int = 50
    head: str | None = None
    account: str = "411000"
    expense: str = "601000"
    vat_bp: int = 2000
    iban: str = ""
    bic: str = ""
    town: str = ""
    postcode: str = ""
    street: str = ""
    siren: str | None = None
    email: str | None = None
    mandate: Mandate | None = None
    ref_format: str = "F{n:06d}"
    ref_next: int = 1

    @property
    def bank_name(self) -> str:
        return _ascii_upper(self.name)[:32]


@dataclass(eq=False)
class _Item:
    """An open item on a third-party account (invoice, credit note, deposit)."""

    party: _P
    ref: str
    day: date
    due: date
    amount: int  # signed like the ledger: debit positive
    line: _L
    kind: str = "invoice"  # invoice / credit_note / deposit
    net: int = 0
    vat: int = 0
    site: str | None = None
    settled: bool = False
    held: bool = False
    plan: str = ""


# ---------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------

class _Generator:
    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.entries: list[_E] = []
        self.groups: list[list[_L]] = []
        self.customers: list[_P] = []
        self.suppliers: list[_P] = []
        self.sites: list[JobSite] = []
        self.sales: list[_Item] = []  # customer invoices & credit notes (2024 opening ones too)
        self.purchases: list[_Item] = []
        self.receipts: list[tuple[date, str, str, _L]] = []  # (day, bank, batch kind, 411 line)
        self.disbursements: list[tuple[date, str, str, _L]] = []
        self.credit_notes: list[_Item] = []
        self.stats: dict[str, int] = {}
        self._cheque = 4_213_000 + self.rng.randint(0, 99_999)
        self._own_cheque = 7_301_200 + self.rng.randint(0, 999)

    # -- helpers ---------------------------------------------------------
    def entry(self, journal: str, day: date, ref: str, label: str, lines: list[_L], doc_date: date | None = None) -> _E:
        for l in lines:
            l.day = day
            if not l.label:
                l.label = label
        e = _E(journal, day, ref, label, lines, doc_date, seq=len(self.entries))
        assert sum(l.signed for l in lines) == 0, (journal, ref, label)
        self.entries.append(e)
        return e

    def group(self, lines: list[_L]) -> None:
        assert sum(l.signed for l in lines) == 0, [l.label for l in lines]
        assert len({(l.account, l.aux) for l in lines}) == 1
        assert all(not l.let for l in lines)
        for l in lines:
            l.let = "?"
        self.groups.append(lines)

    def party_line(self, p: _P, debit: int = 0, credit: int = 0, label: str = "", due: date | None = None) -> _L:
        return _L(p.account, p.code, p.name, label, debit, credit, due)

    def rib(self, bank_index: int | None = None) -> tuple[str, str]:
        code, bic, _ = BANKS[self.rng.randrange(len(BANKS))] if bank_index is None else BANKS[bank_index]
        branch = f"{self.rng.randint(100, 99999):05d}"
        if code == "20041":  # La Banque Postale account numbers carry a letter
            account = f"{self.rng.randint(0, 9_999_999):07d}{self.rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}0{self.rng.randint(10, 99)}"
        else:
            account = f"{self.rng.randint(0, 10**11 - 1):011d}"
        return french_iban(code, branch, account), bic

    def address(self, town: tuple[str, str] | None = None) -> tuple[str, str, str]:
        town = town or self.rng.choice(TOWNS)
        return f"{self.rng.randint(1, 120)} {self.rng.choice(STREETS)}", town[1], town[0]

    # -- run -------------------------------------------------------------
    def run(self) -> DemoData:
        company = self.make_company()
        self.make_customers()
        self.make_suppliers()
        self.make_sites()
        self.opening()
        self.make_sales()
        self.settle_customers()
        self.make_purchases()
        self.settle_suppliers()
        self.payroll()
        self.loan_fees_transfers()
        self.book_receipts()
        self.book_disbursements()
        self.number_credit_notes()
        self.vat_returns()
        entries = self.finish()
        frame = entries_to_frame(entries, account_labels=ACCOUNT_LABELS)
        # detailed opening balances: each open item keeps its own invoice number and date
        refs = [l.ref for l in self.ordered_lines]
        has_ref = pd.Series([bool(r) for r in refs], index=frame.index)
        frame.loc[has_ref, "document_ref"] = [r for r in refs if r]
        frame.loc[has_ref, "document_date"] = pd.to_datetime([l.doc_date for l in self.ordered_lines if l.ref]).astype("datetime64[s]")
        frame["source_row"] = range(2, len(frame) + 2)  # line number in the FEC written from it
        dossier = Dossier(company=company, parties=tuple(self.party_models()), job_sites=tuple(self.sites), invoices=tuple(self.invoice_models()))
        self.stats.update(
            lines=len(frame),
            entries=len(entries),
            lettered_lines=int((frame["lettering_code"] != "").sum()),
            unlettered_party_lines=int(((frame["lettering_code"] == "") & (frame["subledger_account"] != "")).sum()),
            groups=len(self.groups),
            customers=len(self.customers),
            suppliers=len(self.suppliers),
        )
        return DemoData(dossier=dossier, ledger_frame=frame, entries=tuple(entries), seed=self.seed, stats=dict(self.stats))

    # -- reference data ----------------------------------------------------
    def make_company(self) -> Company:
        self.siren = luhn_siren(self.rng, "4")
        bq1_iban, bq1_bic = self.rib(3)
        bq2_iban, bq2_bic = self.rib(5)
        self.ics = creditor_id(f"{self.rng.randint(100000, 999999)}")
        return Company(
            legal_name="Batiroc Construction SAS",
            siren=self.siren,
            address=PostalAddress(street="12 rue des Artisans, ZA de la Chaussée", postcode="44120", town="Vertou", country="FR"),
            fiscal_year_start=FY_START,
            fiscal_year_end=FY_END,
            bank_accounts=(
                CompanyBankAccount(journal_code="BQ1", label="CIC Ouest — compte courant", ledger_account="512100", iban=bq1_iban, bic=bq1_bic, creditor_id=self.ics, daily_limit=cents_to_money(25_000_000)),
                CompanyBankAccount(journal_code="BQ2", label="Crédit Agricole — compte chantiers", ledger_account="512200", iban=bq2_iban, bic=bq2_bic, creditor_id=None, daily_limit=cents_to_money(10_000_000)),
            ),
        )

    def make_customers(self) -> None:
        V, C, D = PaymentMethod.CREDIT_TRANSFER, PaymentMethod.CHEQUE, PaymentMethod.DIRECT_DEBIT
        # name, category, method, terms, payer, town index, head office
        specs = (
            ("Atlantique Habitat OPH", "landlord", V, "45JFM", "average", 0, None),
            ("Atlantique Habitat — Agence Nord-Loire", "landlord", V, "45JFM", "average", 6, "C001"),
            ("Atlantique Habitat — Agence Sud-Loire", "landlord", V, "45JFM", "late", 3, "C001"),
            ("Loire Océan Promotion", "developer", V, "45JFM", "average", 1, None),
            ("SCCV Les Jardins de l'Erdre", "developer", V, "60J", "late", 11, None),
            ("SCCV Le Clos des Vignes", "developer", V, "45JFM", "average", 20, None),
            ("Bati-Ouest Promotion SAS", "developer", V, "60J", "good", 2, None),
            ("Commune de Vertou", "public", V, "30J", "public", 5, None),
            ("Commune de Clisson", "public", V, "30J", "public", 8, None),
            ("Communauté de communes Sèvre et Loire", "public", V, "30J", "public", 22, None),
            ("Syndic Gestion Immobilière Nantaise", "contract", D, "FM30", "good", 0, None),
            ("Erdre Syndic Copropriétés", "contract", D, "FM30", "good", 11, None),
            ("Clinique du Parc Beaulieu", "contract", D, "30J", "good", 1, None),
            ("Hôtel Le Relais de la Sèvre", "contract", D, "30J", "good", 8, None),
            ("Vertou Distribution SAS", "contract", D, "30J", "good", 5, None),
            ("OGEC Lycée Saint-Joseph", "contract", D, "30J", "good", 7, None),
            ("OGEC École Sainte-Anne", "contract", D, "30J", "good", 13, None),
            ("EHPAD Les Glycines", "contract", D, "30J", "good", 12, None),
            ("Garage Moreau Automobiles", "contract", D, "30J", "good", 4, None),
            ("SCI Les Tilleuls", "private", C, "30J", "average", 9, None),
            ("M. et Mme Durand Philippe", "private", C, "RECEP", "average", 19, None),
            ("M. Lemoine Stéphane", "private", C, "RECEP", "late", 23, None),
            ("Mme Garnier Claire", "private", V, "RECEP", "good", 21, None),
            ("Boulangerie Pichon SARL", "business", V, "30J", "average", 20, None),
            ("Transports Rabillard SAS", "business", V, "45JFM", "late", 18, None),
            ("Coopérative Agri-Loire", "business", V, "30J", "average", 9, None),
            ("SCI Château-Thébaud Patrimoine", "private", C, "30J", "average", 19, None),
            ("Menuiserie Industrielle Bretaud", "contract", D, "30J", "good", 15, None),
            ("Logistique Atlantique SAS", "contract", D, "30J", "good", 12, None),
            ("SPL Centre Aquatique du Vignoble", "public", V, "30J", "public", 8, None),
        )
        for i, (name, cat, method, terms, payer, town_i, head) in enumerate(specs, start=1):
            code = f"C{i:03d}"
            iban, bic = self.rib()
            street, postcode, town = self.address(TOWNS[town_i])
            is_person = name.startswith(("M. ", "Mme "))
            siren = None if is_person else luhn_siren(self.rng, "2" if cat == "public" else "")
            slug = _slug(name)
            p = _P(code, name, AccountKind.CUSTOMER, cat, method, terms, "BQ2" if i % 4 == 0 and method != D else "BQ1", payer,
                   priority=50, head=head, account="411000", iban=iban, bic=bic, town=town, postcode=postcode, street=street,
                   siren=siren, email=None if is_person else f"comptabilite@{slug}.fr")
            if method == D:
                signed = date(2021 + self.rng.randint(0, 3), self.rng.randint(1, 12), self.rng.randint(1, 28))
                scheme = "B2B" if code in ("C028", "C029") else "CORE"
                p.mandate = Mandate(mandate_id=f"BATIROC-{code}-{signed:%Y%m}", signed_on=signed, sequence_type=SequenceType.RECURRING, scheme=scheme, iban=iban)
            self.customers.append(p)
        # one new direct-debit customer signed in December: its first collection is still to come
        late = self.customers[17]
        late.mandate = late.mandate.model_copy(update={"signed_on": date(2025, 12, 2), "mandate_id": f"BATIROC-{late.code}-202512", "sequence_type": SequenceType.FIRST})

    def make_suppliers(self) -> None:
        V, C, D = PaymentMethod.CREDIT_TRANSFER, PaymentMethod.CHEQUE, PaymentMethod.DIRECT_DEBIT
        # name, category, method, terms, expense account, VAT (bp), priority, ref format, head office
        specs = (
            ("Matériaux Ouest Distribution", "materials", V, "45JFM", "601000", 2000, 30, "FA{n:07d}", None),
            ("MOD — Agence de Nantes", "materials", V, "45JFM", "601000", 2000, 30, "NAN-{n:06d}", "F001"),
            ("MOD — Agence de Cholet", "materials", V, "45JFM", "601000", 2000, 30, "CHO-{n:06d}", "F001"),
            ("Béton Prêt Atlantique", "materials", V, "45JFM", "601000", 2000, 25, "BPA25{n:05d}", None),
            ("Bois et Panneaux de l'Erdre", "materials", V, "60J", "601000", 2000, 30, "F25-{n:05d}", None),
            ("Plâtres et Isolants du Val de Loire", "materials", V, "45JFM", "601000", 2000, 30, "PIV{n:06d}", None),
            ("Tuiles et Briques Vendéennes", "materials", V, "60J", "601000", 2000, 35, "{n:08d}", None),
            ("Aciers Réunis Nantais", "materials", V, "45JFM", "601000", 2000, 30, "ARN/25/{n:04d}", None),
            ("Sanitaire Chauffage Distribution Ouest", "materials", V, "45JFM", "601000", 2000, 30, "SCDO{n:06d}", None),
            ("Électro-Matériel Loire", "materials", V, "45JFM", "601000", 2000, 30, "EML-25-{n:05d}", None),
            ("Quincaillerie Professionnelle Rezéenne", "tools", V, "30J", "606300", 2000, 40, "QPR{n:05d}", None),
            ("Carrières de la Sèvre", "materials", V, "45JFM", "601000", 2000, 30, "CS2025-{n:04d}", None),
            ("Électricité Guérin SARL", "subcontractor", V, "45JFM", "611000", 0, 10, "2025-{n:03d}", None),
            ("Plomberie Chauffage Roussel", "subcontractor", V, "45JFM", "611000", 0, 10, "FPR{n:04d}", None),
            ("Peintures et Revêtements Hamon", "subcontractor", V, "45JFM", "611000", 0, 10, "PRH-{n:04d}", None),
            ("Carrelage Mosaïque Pineau", "subcontractor", V, "60J", "611000", 0, 10, "F{n:05d}", None),
            ("Étanchéité Toitures Bernard", "subcontractor", V, "45JFM", "611000", 0, 10, "ETB25{n:03d}", None),
            ("Menuiseries Aluminium Jaunet", "subcontractor", V, "45JFM", "611000", 0, 10, "MAJ-{n:05d}", None),
            ("Terrassement TP Chauvin", "subcontractor", V, "45JFM", "611000", 0, 10, "TPC{n:04d}", None),
            ("Isol'Ouest Plaquiste", "subcontractor", V, "30J", "611000", 0, 10, "IO-{n:04d}", None),
            ("Charpente Couverture Baudry", "subcontractor", V, "45JFM", "611000", 0, 10, "CCB{n:04d}", None),
            ("Location Engins Atlantique", "rental", V, "30J", "613500", 2000, 40, "LEA{n:07d}", None),
            ("Échafaudages Services Ouest", "rental", V, "30J", "613500", 2000, 40, "ESO-{n:05d}", None),
            ("Bennes et Déchets Environnement", "waste", V, "30J", "604000", 2000, 45, "BDE{n:06d}", None),
            ("Intérim BTP Atlantique", "interim", V, "30J", "621100", 2000, 15, "IBA{n:06d}", None),
            ("Adéquation Travail Temporaire", "interim", V, "30J", "621100", 2000, 15, "ATT-25-{n:05d}", None),
            ("SCI du Parc d'Activités de la Chaussée", "rent", V, "RECEP", "613200", 2000, 5, "LOY-2025-{n:02d}", None),
            ("Énergie Ouest Fourniture", "energy", D, "30J", "606100", 2000, 5, "EOF{n:09d}", None),
            ("Carte Carburant Pro Ouest", "fuel", D, "30J", "606140", 2000, 5, "CCP{n:07d}", None),
            ("Télécom Pro Ouest", "telecom", D, "30J", "626000", 2000, 5, "TPO-{n:08d}", None),
            ("Assurances Mutuelles du Bâtiment", "insurance", D, "RECEP", "616000", 0, 5, "AMB-25-{n:04d}", None),
            ("Crédit-Bail Auto Loire", "leasing", D, "RECEP", "612200", 2000, 5, "CBA{n:06d}", None),
            ("Garage Poids Lourds de la Sèvre", "repairs", V, "30J", "615500", 2000, 50, "GPL{n:05d}", None),
            ("Martin & Associés Expertise Comptable", "fees", V, "30J", "622600", 2000, 60, "MA-2025-{n:03d}", None),
            ("Contrôle Technique Bâtiment Ouest", "fees", V, "45JFM", "622600", 2000, 55, "CTBO{n:05d}", None),
            ("Rapid'Bureau Fournitures", "office", C, "30J", "606400", 2000, 70, "RB{n:06d}", None),
            ("Sécuritex Équipements de Protection", "tools", C, "30J", "606300", 2000, 60, "SEC{n:05d}", None),
            ("Menuiserie Bois Sur Mesure Lebreton", "custom", V, "30J", "601000", 2000, 20, "MBL{n:04d}", None),
            ("Cuisines Pro Équipement", "custom", V, "30J", "601000", 2000, 20, "CPE-{n:05d}", None),
            ("Transports Lambert Livraisons", "transport", V, "30J", "624100", 2000, 45, "TLL{n:05d}", None),
        )
        for i, (name, cat, method, terms, expense, vat_bp, prio, fmt, head) in enumerate(specs, start=1):
            code = f"F{i:03d}"
            iban, bic = self.rib()
            street, postcode, town = self.address()
            slug = _slug(name)
            p = _P(code, name, AccountKind.SUPPLIER, cat, method, terms, "BQ2" if self.rng.random() < 0.3 and method == PaymentMethod.CREDIT_TRANSFER else "BQ1",
                   priority=prio, head=head, account="401000", expense=expense, vat_bp=vat_bp, iban=iban, bic=bic, town=town,
                   postcode=postcode, street=street, siren=luhn_siren(self.rng), email=f"compta@{slug}.fr", ref_format=fmt,
                   ref_next=self.rng.randint(10, 9000) if "{n:02d}" not in fmt else 1)
            self.suppliers.append(p)

    def make_sites(self) -> None:
        specs = (
            ("Résidence Les Hortensias — 32 logements", "C001", "Rezé", 2000, 1, 10, 86_000_000),
            ("Réhabilitation Cité des Dervallières — bât. B", "C002", "Nantes", 1000, 2, 8, 41_000_000),
            ("Rénovation énergétique résidence Le Corbusier", "C003", "Rezé", 550, 3, 7, 29_000_000),
            ("Les Jardins de l'Erdre — 18 maisons", "C005", "La Chapelle-sur-Erdre", 2000, 1, 11, 61_000_000),
            ("Le Clos des Vignes — 12 logements", "C006", "Le Pallet", 2000, 4, 9, 38_000_000),
            ("Immeuble Quai de la Fosse — 24 logements", "C004", "Nantes", 2000, 5, 8, 47_000_000),
            ("Bureaux Bati-Ouest — Saint-Herblain", "C007", "Saint-Herblain", 2000, 2, 6, 26_000_000),
            ("Groupe scolaire Jules Verne — extension", "C008", "Vertou", 2000, 6, 6, 21_000_000),
            ("Halles de Clisson — restauration", "C009", "Clisson", 2000, 3, 8, 19_000_000),
            ("Maison de santé intercommunale", "C010", "Vallet", 2000, 5, 8, 31_000_000),
            ("Bassin nordique — vestiaires", "C030", "Gorges", 2000, 9, 4, 9_500_000),
            ("Extension entrepôt Rabillard", "C025", "Montaigu-Vendée", 2000, 7, 5, 14_500_000),
        )
        self.site_plans = []
        for i, (label, customer, town, vat_bp, start, months, total) in enumerate(specs, start=1):
            code = f"CH25-{i:03d}"
            self.sites.append(JobSite(code=code, label=label, customer_code=customer, town=town))
            self.site_plans.append((code, label, customer, vat_bp, start, months, total))

    def cust(self, code: str) -> _P:
        return next(p for p in self.customers if p.code == code)

    # -- opening balances ----------------------------------------------------
    def opening(self) -> None:
        lines: list[_L] = []
        an = []
        n = 0
        for p in self.customers:
            if self.rng.random() < 0.55:
                for _ in range(self.rng.randint(1, 2)):
                    day = date(2024, 11 if self.rng.random() < 0.4 else 12, self.rng.randint(2, 20))
                    net = self.rng.randint(90_000, 2_400_000)
                    vat = _vat(net, 2000)
                    an.append((day, p, net, vat))
        an.sort(key=lambda t: (t[0], t[1].code))
        for day, p, net, vat in an:
            n += 1
            ref = f"FA24-{1380 + n:04d}"
            due = _due(day, p.terms)
            l = self.party_line(p, debit=net + vat, label=f"{ref} {p.name}", due=due)
            l.ref, l.doc_date = ref, day
            item = _Item(p, ref, day, due, net + vat, l, net=net, vat=vat)
            lines.append(l)
            self.sales.append(item)
        self.opening_supplier_items: list[_Item] = []
        for p in self.suppliers:
            if p.category in ("materials", "subcontractor", "rental", "interim", "fees"):
                for _ in range(self.rng.randint(1, 2)):
                    day = date(2024, 12, self.rng.randint(2, 27))
                    item = self.supplier_invoice(p, day, opening=True)
                    lines.append(item.line)
        # general balances of the previous year
        general = [
            ("512100", 86_500_000), ("512200", 34_500_000), ("215400", 38_000_000), ("218200", 22_500_000),
            ("281540", -24_100_000), ("281820", -12_650_000), ("164000", -18_000_000), ("101300", -15_000_000),
            ("106100", -1_500_000),
        ]
        # December 2024 social charges and VAT, paid in January (lettered then)
        self.open_general: list[tuple[str, _L, date, str]] = []
        for account, amount, pay_day, label in (
            ("431000", 3_021_400, date(2025, 1, 15), "PRLV URSSAF PAYS DE LA LOIRE 12/2024"),
            ("437100", 1_498_600, date(2025, 1, 15), "PRLV PRO BTP RETRAITE 12/2024"),
            ("442100", 302_100, date(2025, 1, 10), "PRLV DGFIP PAS 12/2024"),
            ("445510", 3_344_800, date(2025, 1, 24), "PRLV DGFIP TVA 12/2024"),
        ):
            l = _L(account, label=f"Solde {ACCOUNT_LABELS[account]} décembre 2024", credit=amount)
            lines.append(l)
            self.open_general.append((account, l, pay_day, label))
        for account, amount in general:
            lines.append(_L(account, label=f"A-nouveau {ACCOUNT_LABELS[account]}", debit=max(amount, 0), credit=max(-amount, 0)))
        balance = sum(l.signed for l in lines)
        lines.append(_L("106800", label="A-nouveau Autres réserves", debit=max(-balance, 0), credit=max(balance, 0)))
        self.entry("AN", FY_START, "AN2025", "A-nouveaux au 01/01/2025", lines, doc_date=FY_START)
        for account, l, pay_day, label in self.open_general:
            pay = _L(account, label=label, debit=l.credit)
            self.entry("BQ1", _business_day(pay_day), f"RLV1-{pay_day:%y%m}", label, [pay, _L("512100", credit=l.credit)])
            self.group([l, pay])

    # -- sales -----------------------------------------------------------------
    def make_sales(self) -> None:
        drafts: list[tuple[date, str, _P, int, int, str, str | None, str]] = []  # day, account, party, net, vat_bp, label, site, kind
        for code, label, customer, vat_bp, start, months, total in self.site_plans:
            p = self.cust(customer)
            weights = [self.rng.randint(60, 140) for _ in range(months)]
            done = 0
            for k in range(months):
                month = start + k
                if month > 12:
                    break
                part = total * weights[k] // sum(weights) if k < months - 1 else total - done
                part = part // 100 * 100 + self.rng.randint(0, 99)
                done += part
                drafts.append((_last_business_day(2025, month), "704000", p, part, vat_bp, f"Situation n°{k + 1} {label}", code, "situation"))
        for p in self.customers:
            if p.category == "contract":
                fee = self.rng.randint(18_000, 145_000)
                if p.mandate and p.mandate.sequence_type == SequenceType.FIRST:  # new contract: first invoice in December
                    drafts.append((date(2025, 12, 15), "706000", p, fee, 2000, "Contrat d'entretien 12/2025", None, "contract"))
                    continue
                for month in range(1, 13):
                    drafts.append((date(2025, month, 1), "706000", p, fee, 2000, f"Contrat d'entretien {month:02d}/2025", None, "contract"))
                for _ in range(self.rng.randint(1, 4)):
                    day = date(2025, self.rng.randint(1, 12), self.rng.randint(1, 28))
                    drafts.append((day, "704000", p, self.rng.randint(40_000, 900_000), 2000, "Travaux de dépannage et réparation", None, "job"))
            elif p.category in ("private", "business", "public", "developer", "landlord"):
                count = {"private": 3, "business": 6, "public": 5, "developer": 2, "landlord": 6}[p.category]
                for _ in range(self.rng.randint(count - 1, count + 2)):
                    day = date(2025, self.rng.randint(1, 12), self.rng.randint(1, 28))
                    vat_bp = 1000 if p.category == "private" and self.rng.random() < 0.6 else 2000
                    kind = "deposit_job" if p.category in ("private", "business") and self.rng.random() < 0.35 else "job"
                    label = self.rng.choice(("Travaux de maçonnerie", "Réfection de toiture", "Aménagement intérieur", "Reprise de fissures", "Création d'une extension", "Travaux de mise en conformité", "Ravalement de façade"))
                    drafts.append((day, "704000", p, self.rng.randint(60_000, 2_800_000), vat_bp, label, None, kind))
        drafts.sort(key=lambda d: (d[0], d[2].code, d[5]))
        for n, (day, account, p, net, vat_bp, label, site, kind) in enumerate(drafts, start=1):
            ref = f"FA25-{n:04d}"
            vat = _vat(net, vat_bp)
            due = _due(day, p.terms)
            l = self.party_line(p, debit=net + vat, label=f"{ref} {p.name}", due=due)
            lines = [l, _L(account, label=f"{ref} {label}"[:100], credit=net)]
            if vat:
                lines.append(_L("445710", label=f"{ref} TVA {vat_bp / 100:g} %".replace(".", ","), credit=vat))
            self.entry("VT", day, ref, f"{ref} {p.name}", lines, doc_date=day)
            item = _Item(p, ref, day, due, net + vat, l, net=net, vat=vat, site=site, plan=kind)
            item.vat_bp = vat_bp  # type: ignore[attr-defined]
            item.sales_account = account  # type: ignore[attr-defined]
            self.sales.append(item)

    # -- customer settlements ----------------------------------------------------
    def pay_day(self, p: _P, due: date, not_before: date = FY_START) -> date:
        lo, hi = {"good": (-4, 6), "average": (-2, 25), "late": (8, 55), "public": (3, 32)}[p.payer]
        day = max(due + timedelta(days=self.rng.randint(lo, hi)), not_before + timedelta(days=1), FY_START + timedelta(days=1))
        return _business_day(day)

    def receipt(self, p: _P, day: date, amount: int, items: list[_Item], batch: str | None = None, label: str | None = None) -> _L:
        batch = batch or {PaymentMethod.CHEQUE: "cheque", PaymentMethod.DIRECT_DEBIT: "sdd"}.get(p.method, "transfer")
        if label is None:
            label = self.receipt_label(p, items, batch)
        l = self.party_line(p, credit=amount, label=label)
        self.receipts.append((day, p.bank_journal, batch, l))
        self.stats["receipts"] = self.stats.get("receipts", 0) + 1
        if any(i.ref.replace("-", "") in label.replace("-", "") or i.ref in label for i in items) or any(f"FACT {int(i.ref[-4:])}" in label for i in items if i.ref[:2] == "FA"):
            self.stats["receipts_naming_invoice"] = self.stats.get("receipts_naming_invoice", 0) + 1
        return l

    def receipt_label(self, p: _P, items: list[_Item], batch: str) -> str:
        r = self.rng.random()
        refs = [i.ref for i in items if i.kind == "invoice"]
        name = p.bank_name
        if batch == "sdd":
            return f"PRLV SEPA {' '.join(refs)} {name}"[:99]
        if batch == "cheque":
            self._cheque += self.rng.randint(1, 4000)
            if r < 0.2 and refs:
                return f"CHQ {self._cheque:07d} {name} FACT {refs[0]}"
            return f"CHQ {self._cheque:07d} {name}"
        if p.category == "public":
            mandate_no = self.rng.randint(100, 4999)
            if r < 0.6 and refs:
                return f"VIR DRFIP PAYS DE LA LOIRE MANDAT 2025-{mandate_no:05d} FACT {' '.join(refs)}"[:99]
            return f"VIR DRFIP PAYS DE LA LOIRE MANDAT 2025-{mandate_no:05d}"
        if r < 0.5 and refs:
            short = " ".join(str(int(x[-4:])) for x in refs)
            fmt = self.rng.randrange(5)
            if fmt == 0:
                return ("Règlement " + " ".join(refs))[:99]
            if fmt == 1:
                return f"VIR {name} FACT {short}"[:99]
            if fmt == 2:
                return f"VIR SEPA {name} REF {' '.join(x.replace('-', '') for x in refs)}"[:99]
            if fmt == 3:
                return f"{name} PAIEMENT FACTURE {' '.join(refs)}"[:99]
            return f"VIR {name} / {', '.join(refs)}"[:99]
        fmt = self.rng.randrange(3)
        if fmt == 0:
            return f"VIR {name}"
        if fmt == 1:
            return f"VIR SEPA {name} REGLEMENT"
        return f"VIR {name} RELEVE {items[0].due:%m/%Y}"

    def credit_note(self, inv: _Item, day: date, net: int, reason: str) -> _Item:
        p = inv.party
        vat_bp = getattr(inv, "vat_bp", 2000)
        vat = _vat(net, vat_bp)
        l = self.party_line(p, credit=net + vat, due=day)
        lines = [l, _L(getattr(inv, "sales_account", "704000"), debit=net, label=f"Avoir s/ {inv.ref} {reason}"[:99])]
        if vat:
            lines.append(_L("445710", debit=vat, label=f"Avoir s/ {inv.ref} TVA"))
        e = self.entry("VT", day, "AV25-????", f"Avoir s/ {inv.ref} {p.name}", lines, doc_date=day)
        item = _Item(p, "AV25-????", day, day, -(net + vat), l, kind="credit_note", net=-net, vat=-vat, site=inv.site)
        item.entry = e  # type: ignore[attr-defined]
        item.of = inv  # type: ignore[attr-defined]
        self.credit_notes.append(item)
        self.sales.append(item)
        return item

    def number_credit_notes(self) -> None:
        for n, item in enumerate(sorted(self.credit_notes, key=lambda i: (i.day, i.of.ref)), start=1):  # type: ignore[attr-defined]
            ref = f"AV25-{n:04d}"
            item.ref = ref
            e = item.entry  # type: ignore[attr-defined]
            e.ref = ref
            e.label = f"{ref} {e.label}"
            item.line.label = f"{ref} s/ {item.of.ref} {item.party.name}"  # type: ignore[attr-defined]

    def writeoff(self, p: _P, day: date, gap: int, refs: str) -> _L:
        """Book a small payment difference (écart de règlement): gap > 0 customer underpaid."""
        if gap > 0:
            l = self.party_line(p, credit=gap, label=f"Écart de règlement {refs}")
            other = _L("658000", debit=gap, label=f"Écart de règlement {refs} {p.name}"[:99])
        else:
            l = self.party_line(p, debit=-gap, label=f"Écart de règlement {refs}")
            other = _L("758000", credit=-gap, label=f"Écart de règlement {refs} {p.name}"[:99])
        self.entry("OD", day, f"ECR-{refs}"[:20], f"Écart de règlement {refs}", [l, other])
        self.stats["writeoffs"] = self.stats.get("writeoffs", 0) + 1
        return l

    def settle_customers(self) -> None:
        rng = self.rng
        for p in self.customers:
            invoices = [i for i in self.sales if i.party is p and i.kind == "invoice"]
            invoices.sort(key=lambda i: (i.day, i.ref))
            k = 0
            while k < len(invoices):
                inv = invoices[k]
                k += 1
                if inv.settled:
                    continue
                if inv.plan == "deposit_job":
                    self.deposit_scenario(inv)
                    continue
                r = rng.random()
                if p.method == PaymentMethod.DIRECT_DEBIT:
                    self.direct_debit(inv, rejected=r < 0.012)
                    continue
                day = self.pay_day(p, inv.due, inv.day)
                if r < 0.035:  # disputed: not paid
                    self.stats["disputed_customer_invoices"] = self.stats.get("disputed_customer_invoices", 0) + 1
                    continue
                if r < 0.13 and k < len(invoices) and not invoices[k].settled and invoices[k].plan != "deposit_job":
                    batch, size = [inv], rng.randint(2, 4)
                    while k < len(invoices) and len(batch) < size and (invoices[k].due - inv.due).days < 50 and invoices[k].plan != "deposit_job":
                        batch.append(invoices[k])
                        k += 1
                    day = self.pay_day(p, max(i.due for i in batch), max(i.day for i in batch))
                    if day <= FY_END:
                        l = self.receipt(p, day, sum(i.amount for i in batch), batch)
                        self.group([i.line for i in batch] + [l])
                        self.stats["multi_invoice_payments"] = self.stats.get("multi_invoice_payments", 0) + 1
                        for i in batch:
                            i.settled = True
                    continue
                if r < 0.20 and inv.amount > 300_000:  # instalments
                    n = rng.randint(2, 3)
                    share = inv.amount // n
                    parts = [share] * (n - 1) + [inv.amount - share * (n - 1)]
                    lines = []
                    base = self.pay_day(p, inv.due, inv.day)
                    for j, part in enumerate(parts):
                        d = _business_day(base + timedelta(days=30 * j))
                        if d > FY_END:
                            break
                        lines.append(self.receipt(p, d, part, [inv], label=f"{self.receipt_label(p, [inv], 'transfer' if p.method != PaymentMethod.CHEQUE else 'cheque')} ECH {j + 1}/{n}"[:99]))
                    if len(lines) == n:
                        self.group([inv.line] + lines)
                        self.stats["instalment_plans"] = self.stats.get("instalment_plans", 0) + 1
                        inv.settled = True
                    elif lines:
                        self.stats["partial_payments"] = self.stats.get("partial_payments", 0) + 1
                    continue
                if r < 0.26:  # credit note then payment of the balance
                    cn_day = min(max(inv.day, FY_START) + timedelta(days=rng.randint(6, 25)), FY_END)
                    cn = self.credit_note(inv, cn_day, max(inv.net * rng.randint(3, 20) // 100, 5000), rng.choice(("remise commerciale", "travaux non réalisés", "erreur de métré", "pénalités de retard")))
                    if day <= cn_day:
                        day = _business_day(cn_day + timedelta(days=rng.randint(5, 30)))
                    if day <= FY_END:
                        l = self.receipt(p, day, inv.amount + cn.amount, [inv])
                        self.group([inv.line, cn.line, l])
                        inv.settled = cn.settled = True
                    continue
                if r < 0.31 and day <= FY_END:  # payment difference written off
                    gap = rng.choice((1, 2, 5, 10, 50, 100, 150, 300, -1, -20, -100))
                    l = self.receipt(p, day, inv.amount - gap, [inv])
                    w = self.writeoff(p, _business_day(day + timedelta(days=rng.randint(0, 6))) if day < date(2025, 12, 20) else day, gap, inv.ref)
                    self.group([inv.line, l, w])
                    inv.settled = True
                    continue
                if r < 0.375 and day <= FY_END:  # partial payment (retention, dispute on part)
                    paid = inv.amount * rng.choice((50, 60, 70, 80, 95)) // 100
                    self.receipt(p, day, paid, [inv])
                    self.stats["partial_payments"] = self.stats.get("partial_payments", 0) + 1
                    continue
                if day <= FY_END:
                    l = self.receipt(p, day, inv.amount, [inv])
                    self.group([inv.line, l])
                    inv.settled = True
        # credit notes not yet used at year end
        for inv in [i for i in self.sales if i.kind == "invoice" and not i.settled and i.day >= date(2025, 10, 1)][:: 9][:6]:
            self.credit_note(inv, min(inv.day + timedelta(days=12), FY_END), max(inv.net * 10 // 100, 3000), "geste commercial")
            self.stats["open_credit_notes"] = self.stats.get("open_credit_notes", 0) + 1

    def deposit_scenario(self, inv: _Item) -> None:
        """Deposit (acompte) on the quote, then the invoice, then the balance."""
        p = inv.party
        deposit = inv.amount * 30 // 100 // 100 * 100
        dep_day = _business_day(inv.day - timedelta(days=self.rng.randint(20, 60)))
        if dep_day < FY_START:
            dep_day = _business_day(FY_START + timedelta(days=1))
        quote = f"D25-{self.rng.randint(100, 999)}"
        name = p.bank_name
        label = self.rng.choice((f"Acompte devis {quote} {p.name}", f"VIR {name} ACOMPTE DEVIS {quote}", f"CHQ ACOMPTE {quote} {name}"))
        dep_line = self.receipt(p, dep_day, deposit, [], label=label[:99])
        self.stats["deposits"] = self.stats.get("deposits", 0) + 1
        day = self.pay_day(p, inv.due, inv.day)
        if day > FY_END:
            return
        bal = self.receipt(p, day, inv.amount - deposit, [inv])
        self.group([dep_line, inv.line, bal])
        inv.settled = True

    def direct_debit(self, inv: _Item, rejected: bool = False) -> None:
        p = inv.party
        day = _business_day(max(inv.due, p.mandate.signed_on + timedelta(days=14), FY_START + timedelta(days=1)))  # type: ignore[union-attr]
        if day > FY_END:
            return
        first = self.receipt(p, day, inv.amount, [inv], batch="sdd")
        if not rejected or day > FY_END - timedelta(days=25):  # a return needs time to be presented again
            self.group([inv.line, first])
            inv.settled = True
            return
        # R-transaction: the debit comes back unpaid (AM04 insufficient funds), collected again
        back_day = _business_day(day + timedelta(days=5))
        back = self.party_line(p, debit=inv.amount, label=f"IMPAYE PRLV {inv.ref} {p.bank_name} MOTIF AM04")
        self.entry(p.bank_journal, back_day, f"RLV{p.bank_journal[-1]}-{back_day:%y%m}", back.label, [back, _L("512100" if p.bank_journal == "BQ1" else "512200", credit=inv.amount)])
        again = _business_day(back_day + timedelta(days=10))
        second = self.receipt(p, again, inv.amount, [inv], batch="sdd", label=f"PRLV SEPA {inv.ref} {p.bank_name} REPRESENTATION")
        self.group([inv.line, first, back, second])
        self.stats["direct_debit_returns"] = self.stats.get("direct_debit_returns", 0) + 1
        inv.settled = True

    def book_receipts(self) -> None:
        self.book_bank_batches(self.receipts, incoming=True)

    def book_disbursements(self) -> None:
        self.book_bank_batches(self.disbursements, incoming=False)

    def book_bank_batches(self, movements: list[tuple[date, str, str, _L]], *, incoming: bool) -> None:
        """Bank entries: one per transfer, one per cheque remittance / SDD collection / SEPA transfer batch."""
        batched: dict[tuple[date, str, str], list[_L]] = {}
        for day, bank, kind, line in movements:
            if kind in ("cheque", "sdd", "sct_batch") :
                if kind == "cheque" and incoming:  # cheques are remitted on Tuesdays and Fridays
                    while day.weekday() not in (1, 4) or day in _BANK_HOLIDAYS:
                        day += timedelta(days=1)
                    if day > FY_END:
                        day = date(2025, 12, 31)
                batched.setdefault((day, bank, kind), []).append(line)
            else:
                account = "512100" if bank == "BQ1" else "512200"
                amount = line.signed
                bank_line = _L(account, label=line.label, debit=max(-amount, 0), credit=max(amount, 0))
                self.entry(bank, day, f"RLV{bank[-1]}-{day:%y%m}", line.label, [line, bank_line])
        remittance = 100 + self.rng.randint(0, 50)
        for (day, bank, kind), lines in sorted(batched.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
            account = "512100" if bank == "BQ1" else "512200"
            total = -sum(l.signed for l in lines)
            if kind == "cheque":
                remittance += 1
                label = f"REMISE CHEQUES N° {remittance:06d} ({len(lines)} chq)"
                ref = f"RC{remittance:06d}"
            elif kind == "sdd":
                label = f"REMISE PRLV SEPA {day:%d/%m/%Y} ({len(lines)} opérations)"
                ref = f"SDD{day:%y%m%d}"
            else:
                label = f"VIREMENTS SEPA FOURNISSEURS REMISE DU {day:%d/%m/%Y} ({len(lines)} virements)"
                ref = f"SCT{day:%y%m%d}{bank[-1]}"
            bank_line = _L(account, label=label, debit=max(total, 0), credit=max(-total, 0))
            self.entry(bank, day, ref, label, lines + [bank_line])

    # -- purchases -------------------------------------------------------------------
    def supplier_invoice(self, p: _P, day: date, net: int | None = None, opening: bool = False, label: str | None = None) -> _Item:
        rng = self.rng
        if net is None:
            lo, hi = {
                "materials": (12_000, 900_000), "tools": (4_000, 90_000), "subcontractor": (200_000, 3_200_000),
                "rental": (60_000, 650_000), "waste": (25_000, 180_000), "interim": (150_000, 1_100_000), "rent": (320_000, 320_000),
                "energy": (45_000, 160_000), "fuel": (180_000, 420_000), "telecom": (16_000, 24_000), "insurance": (640_000, 640_000),
                "leasing": (118_000, 118_000), "repairs": (20_000, 350_000), "fees": (150_000, 600_000), "office": (3_000, 40_000),
                "custom": (500_000, 2_600_000), "transport": (12_000, 90_000),
            }[p.category]
            net = rng.randint(lo, hi)
        ref = p.ref_format.format(n=p.ref_next)
        p.ref_next += rng.randint(1, 40) if "{n:02d}" not in p.ref_format else 1
        vat = _vat(net, p.vat_bp)
        due = _due(day, p.terms)
        reverse_charge = p.category == "subcontractor"
        gross = net + vat
        text = label or {"subcontractor": "Situation sous-traitance", "rent": "Loyer", "insurance": "Échéance assurance", "leasing": "Loyer crédit-bail"}.get(p.category, "Facture")
        l = self.party_line(p, credit=gross, label=f"{text} {p.name} n° {ref}"[:99], due=due)
        item = _Item(p, ref, day, due, -gross, l, net=net, vat=vat)
        if opening:
            l.label = f"{ref} {p.name}"[:99]
            l.ref, l.doc_date = ref, day
            self.purchases.append(item)
            return item
        lines = [l, _L(p.expense, debit=net, label=f"{p.name} {ref}"[:99])]
        if vat:
            lines.append(_L("445660", debit=vat, label=f"TVA {p.name} {ref}"[:99]))
        if reverse_charge:
            rc = _vat(net, 2000)
            lines += [_L("445662", debit=rc, label=f"TVA autoliquidée {ref}"), _L("445200", credit=rc, label=f"TVA autoliquidée {ref}")]
        self.entry("AC", day, ref, f"{ref} {p.name}"[:99], lines, doc_date=day)
        self.purchases.append(item)
        return item

    def supplier_credit_note(self, p: _P, day: date, net: int) -> _Item:
        ref = f"AV{self.rng.randint(1000, 99999)}"
        vat = _vat(net, p.vat_bp)
        l = self.party_line(p, debit=net + vat, label=f"Avoir {p.name} n° {ref}"[:99], due=day)
        lines = [l, _L(p.expense, credit=net, label=f"Avoir {p.name} {ref}"[:99])]
        if vat:
            lines.append(_L("445660", credit=vat, label=f"TVA avoir {ref}"))
        if p.category == "subcontractor":
            rc = _vat(net, 2000)
            lines += [_L("445662", credit=rc, label=f"TVA autoliquidée avoir {ref}"), _L("445200", debit=rc, label=f"TVA autoliquidée avoir {ref}")]
        self.entry("AC", day, ref, f"Avoir {ref} {p.name}"[:99], lines, doc_date=day)
        item = _Item(p, ref, day, day, net + vat, l, kind="credit_note", net=-net, vat=-vat)
        self.purchases.append(item)
        self.stats["supplier_credit_notes"] = self.stats.get("supplier_credit_notes", 0) + 1
        return item

    def make_purchases(self) -> None:
        rng = self.rng
        for p in self.suppliers:
            days: list[date] = []
            if p.category in ("materials", "tools", "waste", "transport", "repairs", "office"):
                per_month = {"materials": (1, 5), "tools": (0, 2), "waste": (1, 2), "transport": (0, 2), "repairs": (0, 1), "office": (0, 1)}[p.category]
                for m in range(1, 13):
                    for _ in range(rng.randint(*per_month)):
                        days.append(date(2025, m, rng.randint(1, 28)))
            elif p.category in ("subcontractor", "interim", "rental"):
                active = sorted(rng.sample(range(1, 13), rng.randint(6, 11)))
                for m in active:
                    days.append(_month_end(2025, m) if p.category == "subcontractor" else date(2025, m, rng.randint(5, 28)))
                    if p.category == "interim":
                        days.append(date(2025, m, rng.randint(1, 28)))
            elif p.category in ("rent", "energy", "fuel", "telecom", "leasing"):
                step = 2 if p.category == "energy" else 1
                days += [date(2025, m, 1 if p.category in ("rent", "leasing") else 5) for m in range(1, 13, step)]
            elif p.category == "insurance":
                days += [date(2025, m, 1) for m in (1, 4, 7, 10)]
            elif p.category == "fees":
                days += [date(2025, m, rng.randint(5, 25)) for m in ((3, 6, 9, 12) if "Martin" in p.name else tuple(sorted(rng.sample(range(1, 13), 4))))]
            elif p.category == "custom":
                continue  # orders with deposits, below
            for d in sorted(days):
                self.supplier_invoice(p, d)
            # a few credit notes from materials suppliers (returns of goods)
            if p.category in ("materials", "subcontractor") and rng.random() < 0.6:
                for _ in range(rng.randint(1, 2)):
                    self.supplier_credit_note(p, date(2025, rng.randint(2, 12), rng.randint(1, 28)), rng.randint(8_000, 120_000))
        self.custom_orders()

    def custom_orders(self) -> None:
        """Made-to-measure orders: deposit of 30 % at order, invoice at delivery, balance."""
        self.supplier_deposits: list[tuple[_L, _Item | None]] = []
        for p in [s for s in self.suppliers if s.category == "custom"]:
            for month in (2, 5, 8, 11):
                order = f"CDE25-{self.rng.randint(1000, 9999)}"
                net = self.rng.randint(600_000, 2_400_000)
                gross = net + _vat(net, p.vat_bp)
                deposit = gross * 30 // 100 // 100 * 100
                dep_day = _business_day(date(2025, month, self.rng.randint(3, 20)))
                dep = self.party_line(p, debit=deposit, label=f"VIR SEPA {p.bank_name} ACOMPTE {order}"[:99])
                self.disbursements.append((dep_day, p.bank_journal, "transfer", dep))
                inv_day = dep_day + timedelta(days=self.rng.randint(35, 70))
                if inv_day > FY_END:
                    self.supplier_deposits.append((dep, None))
                    self.stats["supplier_deposits_open"] = self.stats.get("supplier_deposits_open", 0) + 1
                    continue
                inv = self.supplier_invoice(p, inv_day, net=net, label=f"Facture {order}")
                inv.deposit = dep  # type: ignore[attr-defined]
                self.supplier_deposits.append((dep, inv))
                self.stats["supplier_deposits"] = self.stats.get("supplier_deposits", 0) + 1

    def settle_suppliers(self) -> None:
        rng = self.rng
        items = sorted(self.purchases, key=lambda i: (i.due, i.party.code, i.ref))
        for it in items:
            if it.kind == "invoice" and it.day < date(2025, 12, 1) and rng.random() < 0.05:
                it.held = True  # disputed or waiting for a corrected invoice
                self.stats["held_supplier_invoices"] = self.stats.get("held_supplier_invoices", 0) + 1
        # the supplier-transfer workflow needs something overdue in every month: at least one held per month
        for month in range(1, 13):
            if not any(i.held and i.due.year == 2025 and i.due.month == month for i in items):
                candidates = [i for i in items if i.kind == "invoice" and i.due.year == 2025 and i.due.month == month and i.party.method == PaymentMethod.CREDIT_TRANSFER and getattr(i, "deposit", None) is None]
                if candidates:
                    candidates[len(candidates) // 2].held = True
                    self.stats["held_supplier_invoices"] = self.stats.get("held_supplier_invoices", 0) + 1
        # direct debits and cheques: at due date, one by one
        for it in items:
            p = it.party
            if it.kind != "invoice" or it.held or p.method == PaymentMethod.CREDIT_TRANSFER:
                continue
            day = _business_day(it.due + timedelta(days=rng.randint(0, 3)))
            if day > FY_END:
                continue
            if p.method == PaymentMethod.DIRECT_DEBIT:
                label = f"PRLV SEPA {p.bank_name} {it.ref}" if rng.random() < 0.6 else f"PRLV SEPA {p.bank_name} ECH {it.due:%d%m%y}"
            else:
                self._own_cheque += 1
                label = f"CHQ {self._own_cheque:07d} {p.bank_name}"
            l = self.party_line(p, debit=-it.amount, label=label[:99])
            self.disbursements.append((day, p.bank_journal, "transfer", l))
            self.group([it.line, l])
            it.settled = True
        # SEPA credit transfer runs on the 10th and the 25th
        runs = sorted(_business_day(date(2025, m, d)) for m in range(1, 13) for d in (10, 25))
        partial_budget = 6
        for run_i, run in enumerate(runs):
            horizon = runs[run_i + 1] if run_i + 1 < len(runs) else FY_END + timedelta(days=1)
            for p in sorted((s for s in self.suppliers if s.method == PaymentMethod.CREDIT_TRANSFER), key=lambda s: (s.priority, s.code)):
                due = [i for i in self.purchases if i.party is p and i.kind == "invoice" and not i.settled and not i.held and i.due < horizon and i.day <= run]
                if not due:
                    continue
                due.sort(key=lambda i: (i.due, i.ref))
                if partial_budget and rng.random() < 0.05 and len(due) == 1 and -due[0].amount > 300_000:
                    partial_budget -= 1
                    it = due[0]
                    it.held = True  # the rest waits for the lifting of reservations
                    paid = -it.amount * rng.choice((50, 60, 70, 80)) // 100
                    l = self.party_line(p, debit=paid, label=f"VIR SEPA {p.bank_name} ACPT FACT {it.ref}"[:99])
                    self.disbursements.append((run, p.bank_journal, "sct_batch", l))
                    self.stats["supplier_partial_payments"] = self.stats.get("supplier_partial_payments", 0) + 1
                    continue
                credits = [i for i in self.purchases if i.party is p and i.kind == "credit_note" and not i.settled and i.day <= run and i.day < date(2025, 11, 15)]
                members = due + credits
                deposits = [getattr(i, "deposit") for i in due if getattr(i, "deposit", None) is not None]
                total = -sum(i.amount for i in members) - sum(d.debit for d in deposits)
                if total <= 0:
                    members, deposits = due, [getattr(i, "deposit") for i in due if getattr(i, "deposit", None) is not None]
                    total = -sum(i.amount for i in members) - sum(d.debit for d in deposits)
                    if total <= 0:
                        continue
                refs = [i.ref for i in due]
                if rng.random() < 0.62:
                    label = f"VIR SEPA {p.bank_name} FACT {' '.join(refs)}"
                else:
                    label = f"VIR SEPA {p.bank_name} ECHEANCE {run:%d/%m/%Y}"
                l = self.party_line(p, debit=total, label=label[:99])
                self.disbursements.append((run, p.bank_journal, "sct_batch", l))
                self.group([i.line for i in members] + deposits + [l])
                for i in members:
                    i.settled = True

    # -- payroll, loan, fees, internal transfers --------------------------------
    def payroll(self) -> None:
        for m in range(1, 13):
            gross = 7_450_000 + self.rng.randint(-250_000, 350_000) + (6_200_000 if m == 12 else 0)  # 13th month in December
            urssaf_er, pension_er = gross * 27 // 100, gross * 11 // 100
            urssaf_ee, pension_ee, pas = gross * 13 // 100, gross * 9 // 100, gross * 4 // 100
            net = gross - urssaf_ee - pension_ee - pas
            end = _month_end(2025, m)
            period = f"{m:02d}/2025"
            l421 = _L("421000", credit=net, label=f"Salaires nets {period}")
            l431 = _L("431000", credit=urssaf_ee + urssaf_er, label=f"URSSAF {period}")
            l437 = _L("437100", credit=pension_ee + pension_er, label=f"PRO BTP {period}")
            l442 = _L("442100", credit=pas, label=f"Prélèvement à la source {period}")
            self.entry("OD", end, f"PAIE{m:02d}25", f"Paie {period}", [
                _L("641100", debit=gross, label=f"Salaires bruts {period}"), _L("645100", debit=urssaf_er, label=f"Charges URSSAF {period}"),
                _L("645300", debit=pension_er, label=f"Charges retraite {period}"), l421, l431, l437, l442,
            ])
            for line, pay_day, label in (
                (l421, _last_business_day(2025, m), f"VIR SEPA SALAIRES {period}"),
                (l431, _business_day(date(2025 + (m == 12), m % 12 + 1, 15)), f"PRLV URSSAF PAYS DE LA LOIRE {period}"),
                (l437, _business_day(date(2025 + (m == 12), m % 12 + 1, 15)), f"PRLV PRO BTP RETRAITE {period}"),
                (l442, _business_day(date(2025 + (m == 12), m % 12 + 1, 10)), f"PRLV DGFIP PAS {period}"),
            ):
                if pay_day > FY_END:
                    continue
                pay = _L(line.account, debit=line.credit, label=label)
                self.entry("BQ1", pay_day, f"RLV1-{pay_day:%y%m}", label, [pay, _L("512100", credit=line.credit)])
                self.group([line, pay])

    def loan_fees_transfers(self) -> None:
        principal_left = 18_000_000
        for m in range(1, 13):
            day = _business_day(date(2025, m, 5))
            interest = principal_left * 385 // 120_000  # 3.85 % a year
            principal = 520_000 - interest
            principal_left -= principal
            label = f"ECHEANCE PRET EQUIPEMENT N° 0815-2022 {m:02d}/2025"
            self.entry("BQ1", day, f"RLV1-{day:%y%m}", label, [_L("164000", debit=principal), _L("661100", debit=interest), _L("512100", credit=520_000)])
            for bank, account, fee in (("BQ1", "512100", 4_850 + self.rng.randint(0, 2_000)), ("BQ2", "512200", 2_150)):
                fday = _last_business_day(2025, m)
                flabel = "FRAIS TENUE DE COMPTE ET COMMISSIONS" if bank == "BQ1" else "COTISATION OFFRE PRO"
                self.entry(bank, fday, f"RLV{bank[-1]}-{fday:%y%m}", f"{flabel} {m:02d}/2025", [_L("627000", debit=fee), _L(account, credit=fee)])
            if m % 2 == 1:  # cash management: BQ1 → BQ2 through 580000 every other month
                amount = 5_000_000 + self.rng.randint(0, 40) * 100_000
                tday = _business_day(date(2025, m, 12))
                out = _L("580000", debit=amount, label="VIR INTERNE VERS CREDIT AGRICOLE")
                inn = _L("580000", credit=amount, label="VIR INTERNE DEPUIS CIC")
                self.entry("BQ1", tday, f"RLV1-{tday:%y%m}", out.label, [out, _L("512100", credit=amount)])
                self.entry("BQ2", tday, f"RLV2-{tday:%y%m}", inn.label, [_L("512200", debit=amount), inn])
                self.group([out, inn])

    # -- VAT returns (CA3) -------------------------------------------------------
    def vat_returns(self) -> None:
        carry = 0
        for m in range(1, 13):
            sums: dict[str, int] = {}
            for e in self.entries:
                if e.day.year == 2025 and e.day.month == m and e.journal in ("VT", "AC"):
                    for l in e.lines:
                        if l.account.startswith("4456") or l.account in ("445710", "445200"):
                            sums[l.account] = sums.get(l.account, 0) + l.signed
            end = _month_end(2025, m)
            period = f"{m:02d}/2025"
            lines = [_L(a, debit=max(-v, 0), credit=max(v, 0), label=f"CA3 {period} {ACCOUNT_LABELS[a]}") for a, v in sorted(sums.items()) if v]
            due = -sum(sums.values())  # collected minus deductible
            if carry:
                use = min(carry, max(due, 0))
                if use:
                    lines.append(_L("445670", credit=use, label=f"CA3 {period} imputation crédit de TVA"))
                    due -= use
                    carry -= use
            if due > 0:
                l = _L("445510", credit=due, label=f"CA3 {period} TVA à décaisser")
                lines.append(l)
            elif due < 0:
                lines.append(_L("445670", debit=-due, label=f"CA3 {period} crédit de TVA"))
                carry += -due
            if not lines:
                continue
            self.entry("OD", end, f"CA3-{m:02d}25", f"Déclaration de TVA CA3 {period}", lines)
            if due > 0:
                pay_day = _business_day(date(2025 + (m == 12), m % 12 + 1, 24))
                if pay_day <= FY_END:
                    pay = _L("445510", debit=due, label=f"PRLV DGFIP TVA {period}")
                    self.entry("BQ1", pay_day, f"RLV1-{pay_day:%y%m}", pay.label, [pay, _L("512100", credit=due)])
                    self.group([l, pay])

    # -- finishing ---------------------------------------------------------------
    def finish(self) -> list[Entry]:
        # lettering codes per account, in the order of the lettering date
        by_key: dict[tuple[str, str], list[list[_L]]] = {}
        for g in self.groups:
            by_key.setdefault((g[0].account, g[0].aux), []).append(g)
        for key in sorted(by_key):
            groups = by_key[key]
            groups.sort(key=lambda g: (max(l.day for l in g), min(l.day for l in g), -len(g)))
            codes = lettering_codes()
            for g in groups:
                code = next(codes)
                on = max(l.day for l in g)
                for l in g:
                    l.let, l.let_on = code, on
        order = sorted(self.entries, key=lambda e: (e.day, _JOURNAL_ORDER[e.journal], e.seq))
        counters: dict[str, int] = {}
        out: list[Entry] = []
        self.ordered_lines = [l for e in order for l in e.lines]
        for e in order:
            counters[e.journal] = counters.get(e.journal, 0) + 1
            number = f"{e.journal}{counters[e.journal]:05d}"
            lines = tuple(
                EntryLine(
                    ledger_account=l.account,
                    subledger_account=l.aux,
                    subledger_label=l.aux_label,
                    label=(l.label or e.label)[:100],
                    debit=cents_to_money(l.debit),
                    credit=cents_to_money(l.credit),
                    lettering_code=l.let,
                    lettered_on=l.let_on,
                    due_date=l.due,
                )
                for l in e.lines
            )
            doc = e.doc_date or e.day
            if e.journal == "AN":
                doc = FY_START
            out.append(Entry(journal_code=e.journal, journal_label=JOURNALS[e.journal], entry_number=number, entry_date=e.day, document_ref=e.ref, document_date=doc, label=e.label[:100], lines=lines))
        return out

    # -- models for the dossier workbook --------------------------------------------
    def party_models(self) -> list[Party]:
        out = []
        for p in self.customers + self.suppliers:
            out.append(
                Party(
                    code=p.code, kind=p.kind, legal_name=p.name, control_account=p.account,
                    address=PostalAddress(street=p.street, postcode=p.postcode, town=p.town, country="FR"),
                    bank_accounts=(BankAccount(iban=p.iban, bic=p.bic),), default_bank_journal=p.bank_journal,
                    payment_method=p.method, priority=p.priority, head_office_code=p.head, siren=p.siren,
                    mandates=(p.mandate,) if p.mandate else (), email=p.email,
                )
            )
        return out

    def invoice_models(self) -> list[SalesInvoice]:
        out = []
        for i in sorted(self.sales, key=lambda i: (i.ref[:2] != "FA", i.ref)):
            net, vat = i.net, i.vat
            out.append(
                SalesInvoice(
                    invoice_number=i.ref, customer_code=i.party.code, invoice_date=i.day,
                    due_date=i.due, net=cents_to_money(net), vat=cents_to_money(vat), gross=cents_to_money(net + vat),
                    job_site_code=i.site,
                )
            )
        return out
