"""SEPA credit transfer initiation (pain.001.001.09 by default, pain.001.001.03 on request).

Sources: ISO 20022 ``pain.001.001.03`` / ``pain.001.001.09`` schemas (shipped in
``schemas/``), EPC132-08 SCT customer-to-PSP implementation guidelines; rule ids refer to
``shared/specs/sepa.md``.

``write_pain001(batch, *, message_id, created_at, version)`` is pure: same input, same
bytes (no clock, no random id). It assumes clean input: texts already in the SEPA set and
within their lengths (``reglo.core.writers.sepa_text``), amounts positive with 2 decimals.
``NbOfTxs`` / ``CtrlSum`` are computed from the models at both levels (S-N1…S-N4).
``validate_pain001`` checks the bytes against the XSD of their version; ``check_pain001``
does the same for our own output before it is written, in parallel for large files
(chunk documents validated in 2 threads, see its docstring), and locates each error by
the ``EndToEndId`` of its transfer.

Rendering: the document is written as text, block by block (``_group_header``,
``_payment_info``, ``_transaction``), with every value XML-escaped (S-C5), then parsed
back by lxml for the XSD check. Building 2.5 million lxml elements for 100 000 transfers
takes ~3 s; rendering text then parsing it takes a fraction of that
(``bench/bench_transfers.py``). The output is compact (no indentation: banks do not need
it, and whitespace text nodes double the parsing and validation work); ``pretty_xml``
indents a document for reading, and the golden files are stored indented.
"""
from __future__ import annotations

import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, field_validator

from reglo.core.models import PostalAddress
from reglo.core.money import ZERO, Money
from reglo.core.writers.xml import XML_DECLARATION, namespace, schema_bytes, xsd_errors

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
    parts: list[str] = [XML_DECLARATION.decode("ascii"), f'<Document xmlns="{namespace(version)}"><CstmrCdtTrfInitn>']  # S-V1
    parts.append(_group_header(batch, message_id, created_at))
    for group in batch.groups:
        _payment_info(parts, batch, group, v09)
    parts.append("</CstmrCdtTrfInitn></Document>")
    return "".join(parts).encode("utf-8")  # one join, one encode (no copy for the declaration)


def pretty_xml(document: bytes) -> bytes:
    """The same document indented two spaces per level (for reading and golden files)."""
    tree = etree.fromstring(document, safe_parser_huge())
    etree.indent(tree, space="  ")
    return XML_DECLARATION + etree.tostring(tree, encoding="UTF-8") + b"\n"


def validate_pain001(document: bytes | etree._Element, version: str) -> list[str]:
    """XSD errors of a pain.001 document (empty when valid)."""
    return xsd_errors(document, version)


def check_pain001(document: bytes, version: str, *, workers: int | None = None, min_parallel_bytes: int | None = None) -> list[str]:
    """Validate our own output against the official XSD of ``version`` before it is written.

    Empty list when valid; otherwise the errors of the *whole-document* validation (at most
    20), each pointing at its transaction (``EndToEndId``) when it is inside one.

    Large documents are validated in parallel (``workers`` threads, default 2 when the
    machine has 2 cores or more): the document is cut into chunk documents that each repeat
    the head (``Document``/``GrpHdr``) and the header of every ``PmtInf`` they touch, with a
    contiguous slice of its ``CdtTrfTxInf``. In the pain.001 content model (no keys, no ids,
    transactions validated independently) the document is valid if and only if every chunk
    is valid; lxml releases the GIL while parsing and validating, so chunks run truly in
    parallel. Any doubt — unexpected shape, a chunk that does not parse or is invalid —
    and the whole document is validated in one piece, and its errors are the ones reported:
    the parallel path only ever answers "valid".
    """
    return check_own_document(document, version, tx_open=_TX_OPEN, workers=workers, min_parallel_bytes=min_parallel_bytes)


def check_own_document(document: bytes, version: str, *, tx_open: bytes, workers: int | None = None,
                       min_parallel_bytes: int | None = None) -> list[str]:
    """``check_pain001`` for any SEPA initiation document Reglo writes (pain.001, pain.008):
    ``tx_open`` is the start tag of its transactions (``<CdtTrfTxInf>``, ``<DrctDbtTxInf>``)."""
    workers = validation_workers() if workers is None else workers
    threshold = PARALLEL_MIN_BYTES if min_parallel_bytes is None else min_parallel_bytes
    if workers > 1 and len(document) >= threshold:
        chunks = _chunk_pieces(document, workers, tx_open)
        if chunks is not None and _chunks_valid(chunks, version, workers):
            return []
    return _whole_errors(document, version)


PARALLEL_MIN_BYTES = 2_000_000  # below (~5 000 transfers), one thread is as fast
_TX_OPEN, _BLOCK_CLOSE = b"<CdtTrfTxInf>", b"</PmtInf>"
_BLOCK_TAG = re.compile(rb"PmtInf>")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()


def validation_workers() -> int:
    return min(2, os.cpu_count() or 1)


def split_pain001(document: bytes, parts: int) -> list[bytes] | None:
    """The chunk documents of ``document`` (see ``_chunk_pieces``), or ``None``."""
    pieces = _chunk_pieces(document, parts)
    return None if pieces is None else [b"".join(c) for c in pieces]


def _chunk_pieces(document: bytes, parts: int, tx_open: bytes = _TX_OPEN) -> list[list] | None:
    """Cut a compact pain.001 document into ``parts`` chunk documents, or ``None`` when its
    shape is not the one ``write_pain001`` produces (then it is validated in one piece).

    Chunk = head (declaration … ``</GrpHdr>``) + for each ``PmtInf`` it touches: that
    block's header + a contiguous, non-empty slice of its transactions + ``</PmtInf>`` +
    tail (``</CstmrCdtTrfInitn></Document>``). Cuts fall just before a ``<CdtTrfTxInf>``
    start tag; that byte string is always a start tag here because comments, CDATA and
    processing instructions are refused and text/attribute values never hold a raw ``<``.
    """
    if parts < 2 or _has_markup_declarations(document):
        return None
    starts, ends = [], []
    for m in _BLOCK_TAG.finditer(document):  # one pass, literal search (~20 ms for 40 MB)
        at = m.start()
        if document[at - 2: at] == b"</":
            ends.append(at - 2)
        elif document[at - 1: at] == b"<":
            starts.append(at - 1)
        else:  # a prefixed or otherwise unexpected tag
            return None
    if not starts or len(starts) != len(ends):
        return None
    for i, (s, e) in enumerate(zip(starts, ends)):  # blocks follow each other, never nest
        if not s < e or (i + 1 < len(starts) and starts[i + 1] != e + len(_BLOCK_CLOSE)):
            return None
    head, tail = document[: starts[0]], document[ends[-1] + len(_BLOCK_CLOSE):]
    view = memoryview(document)
    blocks = []  # (block header, first transaction offset, block end)
    for s, e in zip(starts, ends):
        first = document.find(tx_open, s, e)
        if first == -1:
            return None
        blocks.append((view[s:first], first, e))
    total = sum(e - first for _, first, e in blocks)
    target = total / parts
    chunks: list[list] = [[head]]
    filled = 0.0
    for header, first, end in blocks:
        begin = first
        while begin < end:
            room = target - filled
            cut = document.find(tx_open, begin + max(1, int(room)), end) if len(chunks) < parts else -1
            stop = end if cut == -1 else cut
            chunks[-1] += [header, view[begin:stop], _BLOCK_CLOSE]
            filled += stop - begin
            begin = stop
            if cut != -1:  # this chunk is full: the next one starts at the cut
                chunks.append([head])
                filled = 0.0
    if len(chunks) < 2:
        return None
    for c in chunks:
        c.append(tail)
    return chunks  # joined by the worker threads (bytes.join drops the GIL for large copies)


def _has_markup_declarations(document: bytes) -> bool:
    """Comments, CDATA, DOCTYPE or processing instructions (besides the XML declaration):
    ``write_pain001`` never writes them, so such a document is validated in one piece.
    A byte search for the rare ``!`` / ``?`` first (memchr speed), the pair only if found."""
    after = document.find(b"?>") + 2 if document.startswith(b"<?xml ") else 0
    if document.find(b"!") != -1 and document.find(b"<!") != -1:
        return True
    return document.find(b"?", after) != -1 and document.find(b"<?", after) != -1


def _thread_schema(version: str) -> etree.XMLSchema:
    """One XMLSchema object per thread: lxml's schema keeps a single error log per object."""
    cache = _local.__dict__.setdefault("schemas", {})
    schema = cache.get(version)
    if schema is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        schema = cache[version] = etree.XMLSchema(etree.fromstring(schema_bytes(version), parser))
    return schema


def _chunk_valid(chunk: bytes | list, version: str) -> bool:
    if isinstance(chunk, list):
        chunk = b"".join(chunk)
    try:
        tree = etree.fromstring(chunk, safe_parser_huge())  # GIL released while parsing
    except etree.XMLSyntaxError:
        return False
    return bool(_thread_schema(version).validate(tree))  # … and while validating


def _chunks_valid(chunks: list, version: str, workers: int) -> bool:
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers < workers:  # noqa: SLF001
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reglo-xsd")
        pool = _pool
    return all(pool.map(_chunk_valid, chunks, [version] * len(chunks)))


def _whole_errors(document: bytes, version: str, limit: int = 20) -> list[str]:
    try:
        tree = etree.fromstring(document, safe_parser_huge())
    except etree.XMLSyntaxError as exc:
        return [f"XML mal formé : {exc}"]
    schema = _thread_schema(version)
    if schema.validate(tree):
        return []
    doc = tree.getroottree()
    return [_located(e, doc) for e in list(schema.error_log)[:limit]]


def _located(entry, doc: etree._ElementTree) -> str:
    """``ligne N, virement EndToEndId X (n° k du lot P) : message`` (namespace braces removed)."""
    message = re.sub(r"\{urn:iso:std:iso:20022:tech:xsd:[^}]*\}", "", entry.message)
    where = f"ligne {entry.line}"
    try:
        nodes = doc.xpath(entry.path) if entry.path else []
    except etree.XPathError:
        nodes = []
    node = nodes[0] if nodes else None
    while node is not None and etree.QName(node).localname != "CdtTrfTxInf":
        node = node.getparent()
    if node is not None:
        e2e = next((el.text for el in node.iter() if etree.QName(el).localname == "EndToEndId"), None)
        rank = sum(1 for sib in node.itersiblings(preceding=True) if etree.QName(sib).localname == "CdtTrfTxInf") + 1
        block = node.getparent()
        pmt = next((el.text for el in block if etree.QName(el).localname == "PmtInfId"), None) if block is not None else None
        where += f", virement EndToEndId {e2e or '?'} (n° {rank}" + (f" du lot {pmt})" if pmt else ")")
    return f"{where} : {message}"


def safe_parser_huge() -> etree.XMLParser:
    # Our own output can exceed libxml2's 10 MB text-node guard only through many nodes,
    # which huge_tree allows; entities and network stay disabled.
    # collect_ids=False: pain.001 has no xml:id / xs:ID, and the ID hash costs ~15 % of the parse.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, collect_ids=False)


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
    joined = "".join((e2e, name, iban, bic, info, ref, instr_id))
    if "&" in joined or "<" in joined or ">" in joined or '"' in joined:  # S-C5 (one test per transfer; 4× faster than a regex)
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
