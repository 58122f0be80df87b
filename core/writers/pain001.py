"""SEPA credit transfer initiation (pain.001.001.09 by default, pain.001.001.03 on request).

Sources: ISO 20022 ``pain.001.001.03`` / ``pain.001.001.09`` schemas (shipped in
``schemas/``), EPC132-08 SCT customer-to-PSP implementation guidelines; rule ids refer to
``shared/specs/sepa.md``.

``write_pain001(batch, *, message_id, created_at, version)`` is pure: same input, same
bytes (no clock, no random id). It assumes clean input: texts already in the SEPA set and
within their lengths (``core.writers.sepa_text``), amounts positive with 2 decimals.
``NbOfTxs`` / ``CtrlSum`` are computed from the models at both levels (S-N1…S-N4).
``validate_pain001`` checks the bytes against the XSD of their version.

Rendering: the document is written as text, block by block (``_group_header``,
``_payment_info``, ``_transaction``), with every value XML-escaped (S-C5), then parsed
back by lxml for the XSD check. Building 2.5 million lxml elements for 100 000 transfers
takes ~3 s; rendering text then parsing it takes a fraction of that
(``bench/bench_transfers.py``). The output is compact (no indentation: banks do not need
it, and whitespace text nodes double the parsing and validation work); ``pretty_xml``
indents a document for reading, and the golden files are stored indented.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.models import PostalAddress
from core.money import ZERO, Money
from core.writers.xml import XML_DECLARATION, load_schema, namespace, xsd_errors

VERSIONS = ("pain.001.001.09", "pain.001.001.03")
DEFAULT_VERSION = VERSIONS[0]
NOT_PROVIDED = "NOTPROVIDED"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CreditTransfer(_Model):
    """One ``CdtTrfTxInf``: one transfer to one beneficiary (creditor)."""

    end_to_end_id: str = Field(max_length=35)
    amount: Money
    creditor_name: str = Field(max_length=70)
    creditor_iban: str  # compact, upper case (S-B1)
    creditor_bic: str | None = None  # omitted → no CdtrAgt (S-B4/S-B5)
    creditor_address: PostalAddress | None = None
    remittance_info: str = Field(default="", max_length=140)  # Ustrd (S-L5)
    creditor_reference: str | None = Field(default=None, max_length=35)  # Strd RF… (S-L9)
    instruction_id: str | None = Field(default=None, max_length=35)
    source_row: int | None = None

    @field_validator("amount")
    @classmethod
    def _range(cls, v: Decimal) -> Decimal:  # S-A2
        if not (Decimal("0.01") <= v <= Decimal("999999999.99")):
            raise ValueError(f"montant hors bornes SEPA : {v}")
        return v


class CreditTransferGroup(_Model):
    """One ``PmtInf`` block: shares execution date, debtor account and booking (S-G1)."""

    payment_info_id: str = Field(max_length=35)
    requested_execution_date: date
    batch_booking: bool = True  # BtchBookg, always written (S-G3)
    category_purpose: str | None = None  # CtgyPurp/Cd, e.g. SUPP (S-V11)
    transfers: tuple[CreditTransfer, ...] = Field(min_length=1)  # S-N5

    @property
    def control_sum(self) -> Decimal:
        return sum((t.amount for t in self.transfers), ZERO)


class CreditTransferBatch(_Model):
    """One file (bordereau): the ordering party (debtor) and its payment groups."""

    initiating_party_name: str = Field(max_length=70)
    initiating_party_id: str | None = None  # SIREN / bank-given id (S-I4, S-F3)
    debtor_name: str = Field(max_length=70)
    debtor_iban: str
    debtor_bic: str | None = None
    debtor_address: PostalAddress | None = None
    groups: tuple[CreditTransferGroup, ...] = Field(min_length=1)

    @property
    def transaction_count(self) -> int:
        return sum(len(g.transfers) for g in self.groups)

    @property
    def control_sum(self) -> Decimal:
        return sum((g.control_sum for g in self.groups), ZERO)


def write_pain001(batch: CreditTransferBatch, *, message_id: str, created_at: datetime, version: str = DEFAULT_VERSION) -> bytes:
    """Serialise a batch as a pain.001 document (UTF-8 bytes with declaration, S-V4)."""
    if version not in VERSIONS:
        raise ValueError(f"version pain.001 non prise en charge : {version} (attendu : {', '.join(VERSIONS)})")
    v09 = version == "pain.001.001.09"
    parts: list[str] = [f'<Document xmlns="{namespace(version)}"><CstmrCdtTrfInitn>']  # S-V1
    parts.append(_group_header(batch, message_id, created_at))
    for group in batch.groups:
        _payment_info(parts, batch, group, v09)
    parts.append("</CstmrCdtTrfInitn></Document>")
    return XML_DECLARATION + "".join(parts).encode("utf-8")


def pretty_xml(document: bytes) -> bytes:
    """The same document indented two spaces per level (for reading and golden files)."""
    tree = etree.fromstring(document, safe_parser_huge())
    etree.indent(tree, space="  ")
    return XML_DECLARATION + etree.tostring(tree, encoding="UTF-8") + b"\n"


def validate_pain001(document: bytes | etree._Element, version: str) -> list[str]:
    """XSD errors of a pain.001 document (empty when valid)."""
    return xsd_errors(document, version)


def check_pain001(document: bytes, version: str) -> list[str]:
    """Parse our own output and validate it against the XSD (fast path, shared cached schema)."""
    try:
        tree = etree.fromstring(document, safe_parser_huge())
    except etree.XMLSyntaxError as exc:
        return [f"XML mal formé : {exc}"]
    schema = load_schema(version)
    if schema.validate(tree):
        return []
    return [f"ligne {e.line} : {e.message}" for e in list(schema.error_log)[:20]]


def safe_parser_huge() -> etree.XMLParser:
    # Our own output can exceed libxml2's 10 MB text-node guard only through many nodes,
    # which huge_tree allows; entities and network stay disabled.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


_NEEDS_ESCAPE = re.compile(r'[&<>"]')
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _x(text: str) -> str:
    """XML-escape a value (S-C5); clean SEPA text never needs it, so test first."""
    if "&" in text or "<" in text or ">" in text or '"' in text:
        return text.translate(_ESCAPES)
    return text


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"  # S-A2: dot, exactly 2 decimals (values are quantised Money)


def _group_header(batch: CreditTransferBatch, message_id: str, created_at: datetime) -> str:
    created = created_at.replace(microsecond=0, tzinfo=None).isoformat()  # S-D1
    party = f"<Nm>{_x(batch.initiating_party_name)}</Nm>"
    if batch.initiating_party_id:  # S-I4 / S-F3
        party += f"<Id><OrgId><Othr><Id>{_x(batch.initiating_party_id)}</Id></Othr></OrgId></Id>"
    return (
        "<GrpHdr>"
        f"<MsgId>{_x(message_id)}</MsgId>"
        f"<CreDtTm>{created}</CreDtTm>"
        f"<NbOfTxs>{batch.transaction_count}</NbOfTxs>"  # S-N1
        f"<CtrlSum>{_amount(batch.control_sum)}</CtrlSum>"  # S-N2
        f"<InitgPty>{party}</InitgPty>"
        "</GrpHdr>"
    )


def _payment_info(parts: list[str], batch: CreditTransferBatch, group: CreditTransferGroup, v09: bool) -> None:
    bic_tag = "BICFI" if v09 else "BIC"  # S-V3
    day = group.requested_execution_date.isoformat()
    exec_date = f"<ReqdExctnDt><Dt>{day}</Dt></ReqdExctnDt>" if v09 else f"<ReqdExctnDt>{day}</ReqdExctnDt>"
    purpose = f"<CtgyPurp><Cd>{_x(group.category_purpose)}</Cd></CtgyPurp>" if group.category_purpose else ""
    if batch.debtor_bic:
        agent = f"<{bic_tag}>{_x(batch.debtor_bic)}</{bic_tag}>"
    else:  # never an empty FinInstnId (S-B5)
        agent = f"<Othr><Id>{NOT_PROVIDED}</Id></Othr>"
    parts.append(
        "<PmtInf>"
        f"<PmtInfId>{_x(group.payment_info_id)}</PmtInfId>"
        "<PmtMtd>TRF</PmtMtd>"  # S-V5
        f"<BtchBookg>{'true' if group.batch_booking else 'false'}</BtchBookg>"  # S-G3
        f"<NbOfTxs>{len(group.transfers)}</NbOfTxs>"  # S-N3
        f"<CtrlSum>{_amount(group.control_sum)}</CtrlSum>"
        "<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl>"  # S-V6
        f"{purpose}</PmtTpInf>"
        f"{exec_date}"
        f"<Dbtr><Nm>{_x(batch.debtor_name)}</Nm>{_address(batch.debtor_address)}</Dbtr>"
        f"<DbtrAcct><Id><IBAN>{_x(batch.debtor_iban)}</IBAN></Id></DbtrAcct>"  # S-B6
        f"<DbtrAgt><FinInstnId>{agent}</FinInstnId></DbtrAgt>"
        "<ChrgBr>SLEV</ChrgBr>"  # S-V7
    )
    addresses: dict[int, str] = {}  # the same supplier address object is rendered once
    parts.extend([_transaction(t, bic_tag, addresses) for t in group.transfers])
    parts.append("</PmtInf>")


def _transaction(t: CreditTransfer, bic_tag: str, addresses: dict[int, str]) -> str:
    e2e, name, iban, bic, info = t.end_to_end_id, t.creditor_name, t.creditor_iban, t.creditor_bic or "", t.remittance_info
    ref, instr_id = t.creditor_reference or "", t.instruction_id or ""
    if _NEEDS_ESCAPE.search(e2e + name + iban + bic + info + ref + instr_id):  # S-C5 (one test per transfer)
        e2e, name, iban, bic, info, ref, instr_id = (_x(v) for v in (e2e, name, iban, bic, info, ref, instr_id))
    instr = f"<InstrId>{instr_id}</InstrId>" if instr_id else ""
    # absent BIC → no CdtrAgt at all (S-B4/S-B5)
    agent = f"<CdtrAgt><FinInstnId><{bic_tag}>{bic}</{bic_tag}></FinInstnId></CdtrAgt>" if bic else ""
    if ref:  # Strd or Ustrd, never both (S-L9)
        rmt = f"<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>{ref}</Ref></CdtrRefInf></Strd></RmtInf>"
    elif info:  # one Ustrd only (S-L5)
        rmt = f"<RmtInf><Ustrd>{info}</Ustrd></RmtInf>"
    else:
        rmt = ""
    address = _cached_address(t.creditor_address, addresses) if t.creditor_address is not None else ""
    return (
        f"<CdtTrfTxInf><PmtId>{instr}<EndToEndId>{e2e}</EndToEndId></PmtId>"
        f'<Amt><InstdAmt Ccy="EUR">{t.amount:.2f}</InstdAmt></Amt>'  # S-A1, S-A2
        f"{agent}<Cdtr><Nm>{name}</Nm>{address}</Cdtr>"
        f"<CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>{rmt}</CdtTrfTxInf>"
    )


def _cached_address(a: PostalAddress | None, cache: dict[int, str]) -> str:
    if a is None:
        return ""
    text = cache.get(id(a))
    if text is None:
        text = cache[id(a)] = _address(a)
    return text


def _address(a: PostalAddress | None) -> str:
    """Structured address (S-P2/S-P3): StrtNm, PstCd, TwnNm, Ctry in XSD order, no AdrLine."""
    if a is None or not (a.street or a.postcode or a.town or a.country):
        return ""
    out = ["<PstlAdr>"]
    for tag, value in (("StrtNm", a.street), ("PstCd", a.postcode), ("TwnNm", a.town), ("Ctry", a.country)):
        if value:
            out.append(f"<{tag}>{_x(value)}</{tag}>")
    out.append("</PstlAdr>")
    return "".join(out)
