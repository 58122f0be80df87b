"""SEPA direct debit initiation (pain.008.001.08 by default, pain.008.001.02 on request),
CORE and B2B schemes.

Sources: ISO 20022 ``pain.008.001.02`` / ``pain.008.001.08`` schemas (shipped in
``schemas/``), EPC130-08 (CORE) and EPC131-08 (B2B) customer-to-PSP implementation
guidelines; rule ids refer to ``shared/specs/sepa.md``.

``write_pain008(batch, *, message_id, created_at, version)`` is pure: same input, same bytes.
It assumes clean input (texts in the SEPA set and within their lengths: the plan cleans them
with ``reglo.core.writers.sepa_text``). ``NbOfTxs`` / ``CtrlSum`` are computed at both levels
(S-N1…S-N4). Each ``PmtInf`` carries one sequence type and one scheme (S-V8, S-G2), the
creditor identifier at ``PmtInf`` level with ``SchmeNm/Prtry = SEPA`` (S-M8), ``BtchBookg``
always written (S-G3), ``ChrgBr = SLEV`` once per block (S-V7), no ``InstrPrty`` (S-V10).

Rendering is text, block by block, every value XML-escaped (S-C5), like
``reglo.core.writers.pain001``; the XSD check (``check_pain008``) parses it back with lxml and,
for large files, validates chunk documents in 2 threads (same reasoning as
``pain001.check_pain001``: pain.008 has no keys nor ids, transactions are validated
independently). ``read_pain008`` reads a file back for the « Aperçu » sheet: what the bank
will receive, not what was prepared.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, field_validator

from reglo.core.money import ZERO, Money
from reglo.core.rules.address import SepaAddress
from reglo.core.writers.pain001 import (  # noqa: F401 - pretty_xml re-exported
    _chunk_valid,
    _whole_errors,
    _x,
    check_own_document,
    pretty_xml,
    safe_parser_huge,
    validation_workers,
)
from reglo.core.writers.xml import XML_DECLARATION, namespace

VERSIONS = ("pain.008.001.08", "pain.008.001.02")
DEFAULT_VERSION = VERSIONS[0]
SCHEMES = ("CORE", "B2B")
SEQUENCE_TYPES = ("FRST", "RCUR", "OOFF", "FNAL")  # S-M1 (never RPRE)
NOT_PROVIDED = "NOTPROVIDED"
SMNDA = "SMNDA"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Amendment(_Model):
    """``AmdmntInfDtls`` (S-M5): what changed in the mandate since the last collection."""

    original_mandate_id: str | None = Field(default=None, max_length=35)
    original_debtor_iban: str | None = None  # same bank, new account → OrgnlDbtrAcct/Id/IBAN
    new_debtor_agent: bool = False  # other bank → OrgnlDbtrAcct/Id/Othr/Id = SMNDA (S-M3)


class DirectDebit(_Model):
    """One ``DrctDbtTxInf``: one collection from one debtor under one mandate."""

    end_to_end_id: str = Field(max_length=35)
    amount: Money
    debtor_name: str = Field(max_length=70)
    debtor_iban: str
    debtor_bic: str | None = None  # absent → DbtrAgt Othr/Id NOTPROVIDED (S-B5)
    debtor_address: SepaAddress | None = None
    mandate_id: str = Field(max_length=35)  # S-M4, S-L4
    mandate_signed_on: date
    amendment: Amendment | None = None
    remittance_info: str = Field(default="", max_length=140)  # one Ustrd (S-L5)
    instruction_id: str | None = Field(default=None, max_length=35)

    @field_validator("amount")
    @classmethod
    def _range(cls, v: Decimal) -> Decimal:  # S-A2
        if not (Decimal("0.01") <= v <= Decimal("999999999.99")):
            raise ValueError(f"montant hors bornes SEPA : {v}")
        return v


class DirectDebitGroup(_Model):
    """One ``PmtInf``: same collection date, sequence type and scheme (S-G2)."""

    payment_info_id: str = Field(max_length=35)
    collection_date: date
    sequence_type: Literal["FRST", "RCUR", "OOFF", "FNAL"]
    scheme: Literal["CORE", "B2B"] = "CORE"
    batch_booking: bool = True
    debits: tuple[DirectDebit, ...] = Field(min_length=1)  # S-N5

    @property
    def control_sum(self) -> Decimal:
        return sum((d.amount for d in self.debits), ZERO)


class DirectDebitBatch(_Model):
    """One file: the creditor (the company), its account and creditor identifier (ICS)."""

    initiating_party_name: str = Field(max_length=70)
    initiating_party_id: str | None = None  # S-I4 / S-F3 (the ICS by default)
    creditor_name: str = Field(max_length=70)
    creditor_iban: str
    creditor_bic: str | None = None
    creditor_address: SepaAddress | None = None
    creditor_id: str  # ICS (S-M8)
    groups: tuple[DirectDebitGroup, ...] = Field(min_length=1)

    @property
    def transaction_count(self) -> int:
        return sum(len(g.debits) for g in self.groups)

    @property
    def control_sum(self) -> Decimal:
        return sum((g.control_sum for g in self.groups), ZERO)


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------

def write_pain008(batch: DirectDebitBatch, *, message_id: str, created_at: datetime, version: str = DEFAULT_VERSION) -> bytes:
    """Serialise a batch as a pain.008 document (UTF-8 bytes with declaration, S-V4)."""
    head, blocks, tail = _pieces(batch, message_id=message_id, created_at=created_at, version=version)
    parts = [head]
    for header, transactions in blocks:
        parts.append(header)
        parts.extend(transactions)
        parts.append("</PmtInf>")
    parts.append(tail)
    return "".join(parts).encode("utf-8")


def _pieces(batch: DirectDebitBatch, *, message_id: str, created_at: datetime, version: str):
    """(head, [(PmtInf header, transactions (iterator of str))…], tail): the document is head +
    Σ (header + transactions + ``</PmtInf>``) + tail."""
    if version not in VERSIONS:
        raise ValueError(f"version pain.008 non prise en charge : {version} (attendu : {', '.join(VERSIONS)})")
    bic_tag = "BICFI" if version == "pain.008.001.08" else "BIC"  # S-V3
    created = created_at.replace(microsecond=0, tzinfo=None).isoformat()  # S-D1
    party = f"<Nm>{_x(batch.initiating_party_name)}</Nm>"
    if batch.initiating_party_id:
        party += f"<Id><OrgId><Othr><Id>{_x(batch.initiating_party_id)}</Id></Othr></OrgId></Id>"
    head = (
        XML_DECLARATION.decode("ascii")
        + f'<Document xmlns="{namespace(version)}"><CstmrDrctDbtInitn>'  # S-V1
        f"<GrpHdr><MsgId>{_x(message_id)}</MsgId><CreDtTm>{created}</CreDtTm>"
        f"<NbOfTxs>{batch.transaction_count}</NbOfTxs><CtrlSum>{batch.control_sum:.2f}</CtrlSum>"  # S-N1, S-N2
        f"<InitgPty>{party}</InitgPty></GrpHdr>"
    )
    agent = f"<{bic_tag}>{_x(batch.creditor_bic)}</{bic_tag}>" if batch.creditor_bic else f"<Othr><Id>{NOT_PROVIDED}</Id></Othr>"
    creditor = (
        f"<Cdtr><Nm>{_x(batch.creditor_name)}</Nm>{render_address(batch.creditor_address)}</Cdtr>"
        f"<CdtrAcct><Id><IBAN>{_x(batch.creditor_iban)}</IBAN></Id></CdtrAcct>"  # S-B6
        f"<CdtrAgt><FinInstnId>{agent}</FinInstnId></CdtrAgt>"
        "<ChrgBr>SLEV</ChrgBr>"  # S-V7
        f"<CdtrSchmeId><Id><PrvtId><Othr><Id>{_x(batch.creditor_id)}</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>"  # S-M8
    )
    blocks = []
    for g in batch.groups:
        header = (
            f"<PmtInf><PmtInfId>{_x(g.payment_info_id)}</PmtInfId><PmtMtd>DD</PmtMtd>"  # S-V5
            f"<BtchBookg>{'true' if g.batch_booking else 'false'}</BtchBookg>"  # S-G3
            f"<NbOfTxs>{len(g.debits)}</NbOfTxs><CtrlSum>{g.control_sum:.2f}</CtrlSum>"  # S-N3
            f"<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>{g.scheme}</Cd></LclInstrm><SeqTp>{g.sequence_type}</SeqTp></PmtTpInf>"  # S-V6, S-V8, S-M1
            f"<ReqdColltnDt>{g.collection_date.isoformat()}</ReqdColltnDt>"  # S-V3 plain date
            f"{creditor}"
        )
        memo: dict = {}
        blocks.append((header, (_transaction(d, bic_tag, memo) for d in g.debits)))
    return head, blocks, "</CstmrDrctDbtInitn></Document>"


PIPELINE_MIN_TRANSACTIONS = 5_000  # below, writing then validating in one piece is as fast
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def write_checked_pain008(batch: DirectDebitBatch, *, message_id: str, created_at: datetime, version: str = DEFAULT_VERSION,
                          workers: int | None = None, slice_size: int | None = None) -> tuple[bytes, list[str]]:
    """``write_pain008`` + ``check_pain008`` overlapped: the bytes (the same as
    ``write_pain008``'s) and their XSD errors (empty when valid).

    For a large batch, the transactions are written slice by slice; each slice, as soon as it
    is written, goes to ``workers`` threads as a chunk document (head + its block's header +
    the slice + ``</PmtInf>`` + tail) parsed and validated by lxml against the official XSD
    (the GIL is released while libxml2 parses and validates) while the next slice is written.
    The document is the concatenation of the same pieces, so every transaction is validated
    in its block and the head and tail with each chunk (pain.008 has no keys nor ids; the
    reasoning of ``pain001.check_pain001``). Any invalid chunk → the whole document is
    validated in one piece for located errors."""
    workers = validation_workers() if workers is None else workers
    n = batch.transaction_count
    if workers < 2 or n < PIPELINE_MIN_TRANSACTIONS:
        data = write_pain008(batch, message_id=message_id, created_at=created_at, version=version)
        return data, check_pain008(data, version, workers=workers)
    size = slice_size or max(1_000, -(-n // (12 * workers)))
    head, blocks, tail = _pieces(batch, message_id=message_id, created_at=created_at, version=version)
    head_b, tail_b, close = head.encode("utf-8"), tail.encode("utf-8"), b"</PmtInf>"
    pool = _validation_pool(workers)
    futures = []
    out = [head_b]
    for header, transactions in blocks:
        header_b = header.encode("utf-8")
        out.append(header_b)
        buf: list[str] = []

        def flush() -> None:
            piece = "".join(buf).encode("utf-8")
            buf.clear()
            out.append(piece)
            futures.append(pool.submit(_chunk_valid, [head_b, header_b, piece, close, tail_b], version))

        for tx in transactions:
            buf.append(tx)
            if len(buf) >= size:
                flush()
        if buf:
            flush()
        out.append(close)
    out.append(tail_b)
    data = b"".join(out)
    if all(f.result() for f in futures):
        return data, []
    return data, _whole_errors(data, version)


def _validation_pool(workers: int) -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers < workers:  # noqa: SLF001
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reglo-xsd-008")
        return _pool


def _transaction(d: DirectDebit, bic_tag: str, memo: dict) -> str:
    """One ``DrctDbtTxInf``. ``memo`` (one per block) keeps what repeats: the rendered
    signature dates, debtor agents and addresses."""
    e2e, name, iban, bic, rum, info = d.end_to_end_id, d.debtor_name, d.debtor_iban, d.debtor_bic or "", d.mandate_id, d.remittance_info
    instr = d.instruction_id or ""
    joined = "".join((e2e, name, iban, bic, rum, info, instr))
    if "&" in joined or "<" in joined or ">" in joined or '"' in joined:
        e2e, name, iban, bic, rum, info, instr = (_x(v) for v in (e2e, name, iban, bic, rum, info, instr))
    signed = memo.get(d.mandate_signed_on)
    if signed is None:
        signed = memo[d.mandate_signed_on] = d.mandate_signed_on.isoformat()
    if d.amendment is None:
        mandate = f"<MndtId>{rum}</MndtId><DtOfSgntr>{signed}</DtOfSgntr><AmdmntInd>false</AmdmntInd>"  # S-M4
    else:
        mandate = f"<MndtId>{rum}</MndtId><DtOfSgntr>{signed}</DtOfSgntr><AmdmntInd>true</AmdmntInd>{_amendment(d.amendment)}"
    agent = memo.get(("bic", bic))
    if agent is None:
        agent = memo[("bic", bic)] = f"<{bic_tag}>{bic}</{bic_tag}>" if bic else f"<Othr><Id>{NOT_PROVIDED}</Id></Othr>"  # S-B5
    address = ""
    if d.debtor_address is not None:
        address = memo.get(id(d.debtor_address)) or memo.setdefault(id(d.debtor_address), render_address(d.debtor_address))
    amount = str(d.amount)  # Money is quantised to the cent: "1234.50"
    if len(amount) < 4 or amount[-3] != "." or "E" in amount:
        amount = f"{d.amount:.2f}"
    return (
        f"<DrctDbtTxInf><PmtId>{f'<InstrId>{instr}</InstrId>' if instr else ''}<EndToEndId>{e2e}</EndToEndId></PmtId>"
        f'<InstdAmt Ccy="EUR">{amount}</InstdAmt>'  # S-A1, S-A2
        f"<DrctDbtTx><MndtRltdInf>{mandate}</MndtRltdInf></DrctDbtTx>"
        f"<DbtrAgt><FinInstnId>{agent}</FinInstnId></DbtrAgt>"
        f"<Dbtr><Nm>{name}</Nm>{address}</Dbtr>"
        f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>"
        f"{f'<RmtInf><Ustrd>{info}</Ustrd></RmtInf>' if info else ''}</DrctDbtTxInf>"
    )


def _amendment(a: Amendment) -> str:
    out = ["<AmdmntInfDtls>"]
    if a.original_mandate_id:
        out.append(f"<OrgnlMndtId>{_x(a.original_mandate_id)}</OrgnlMndtId>")
    if a.new_debtor_agent:  # S-M3: change of bank
        out.append(f"<OrgnlDbtrAcct><Id><Othr><Id>{SMNDA}</Id></Othr></Id></OrgnlDbtrAcct>")
    elif a.original_debtor_iban:  # S-M5: change of account at the same bank
        out.append(f"<OrgnlDbtrAcct><Id><IBAN>{_x(a.original_debtor_iban)}</IBAN></Id></OrgnlDbtrAcct>")
    out.append("</AmdmntInfDtls>")
    return "".join(out)


def render_address(a: SepaAddress | None) -> str:
    """Structured or hybrid address in XSD order (S-P2, S-P3); nothing when None."""
    if a is None:
        return ""
    out = ["<PstlAdr>"]
    for tag, value in (("StrtNm", a.street), ("PstCd", a.postcode), ("TwnNm", a.town), ("Ctry", a.country)):
        if value:
            out.append(f"<{tag}>{_x(value)}</{tag}>")
    for line in a.lines[:2]:  # S-L7
        out.append(f"<AdrLine>{_x(line)}</AdrLine>")
    out.append("</PstlAdr>")
    return "".join(out)


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

def validate_pain008(document: bytes, version: str) -> list[str]:
    """XSD errors of any pain.008 document (empty when valid), in one piece."""
    return _whole_errors(document, version)


def check_pain008(document: bytes, version: str, *, workers: int | None = None, min_parallel_bytes: int | None = None) -> list[str]:
    """Validate our own output against the official XSD before it is written: chunk documents
    in parallel for large files (only ever answers « valid »), else / on any doubt, the whole
    document in one piece, whose errors are returned (``pain001.check_own_document``)."""
    return check_own_document(document, version, tx_open=b"<DrctDbtTxInf>", workers=workers, min_parallel_bytes=min_parallel_bytes)


# ---------------------------------------------------------------------------
# reading back (« Aperçu »)
# ---------------------------------------------------------------------------

class ReadDebit(_Model):
    payment_info_id: str
    collection_date: date
    sequence_type: str
    scheme: str
    batch_booking: bool
    end_to_end_id: str
    amount: Decimal
    debtor_name: str
    debtor_iban: str
    debtor_bic: str
    mandate_id: str
    mandate_signed_on: date
    amended: bool
    original_account: str
    remittance_info: str


class ReadFile(_Model):
    version: str
    message_id: str
    created_at: str
    transaction_count: int
    control_sum: Decimal
    creditor_name: str
    creditor_iban: str
    creditor_id: str
    debits: tuple[ReadDebit, ...]


def read_pain008(document: bytes) -> ReadFile:
    """Parse a pain.008 (.02 or .08) file back into rows (no entity, no network)."""
    root = etree.fromstring(document, safe_parser_huge())
    ns = etree.QName(root).namespace or ""
    version = ns.rsplit(":", 1)[-1]
    n = {"p": ns}

    def t(el, path: str) -> str:
        found = el.find(path, n)
        return found.text or "" if found is not None else ""

    head = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", n)
    rows: list[ReadDebit] = []
    first = None
    for pmt in root.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", n):
        first = first if first is not None else pmt
        block = {
            "payment_info_id": t(pmt, "p:PmtInfId"), "collection_date": date.fromisoformat(t(pmt, "p:ReqdColltnDt")),
            "sequence_type": t(pmt, "p:PmtTpInf/p:SeqTp"), "scheme": t(pmt, "p:PmtTpInf/p:LclInstrm/p:Cd"),
            "batch_booking": t(pmt, "p:BtchBookg") == "true",
        }
        for tx in pmt.iterfind("p:DrctDbtTxInf", n):
            m = "p:DrctDbtTx/p:MndtRltdInf/"
            orig = t(tx, m + "p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:IBAN") or t(tx, m + "p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id")
            rows.append(ReadDebit(
                **block, end_to_end_id=t(tx, "p:PmtId/p:EndToEndId"), amount=Decimal(t(tx, "p:InstdAmt")),
                debtor_name=t(tx, "p:Dbtr/p:Nm"), debtor_iban=t(tx, "p:DbtrAcct/p:Id/p:IBAN"),
                debtor_bic=t(tx, "p:DbtrAgt/p:FinInstnId/p:BICFI") or t(tx, "p:DbtrAgt/p:FinInstnId/p:BIC") or t(tx, "p:DbtrAgt/p:FinInstnId/p:Othr/p:Id"),
                mandate_id=t(tx, m + "p:MndtId"), mandate_signed_on=date.fromisoformat(t(tx, m + "p:DtOfSgntr")),
                amended=t(tx, m + "p:AmdmntInd") == "true", original_account=orig, remittance_info=t(tx, "p:RmtInf/p:Ustrd"),
            ))
    return ReadFile(
        version=version, message_id=t(head, "p:MsgId"), created_at=t(head, "p:CreDtTm"), transaction_count=int(t(head, "p:NbOfTxs") or 0),
        control_sum=Decimal(t(head, "p:CtrlSum") or "0"),
        creditor_name=t(first, "p:Cdtr/p:Nm") if first is not None else "", creditor_iban=t(first, "p:CdtrAcct/p:Id/p:IBAN") if first is not None else "",
        creditor_id=t(first, "p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id") if first is not None else "", debits=tuple(rows),
    )
