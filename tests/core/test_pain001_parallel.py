"""Parallel XSD validation of pain.001 (``check_pain001``): the document cut into chunk
documents validated in threads must accept exactly what the whole-document validation
accepts and report every error it reports — for both versions, with errors placed in the
first, a middle and the last chunk, and in one or several ``PmtInf`` blocks."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from reglo.core.models import PostalAddress
from reglo.core.writers import pain001 as p
from reglo.core.writers.pain001 import CreditTransfer, CreditTransferBatch, CreditTransferGroup, check_pain001, split_pain001, write_pain001
from reglo.core.writers.xml import schema_bytes

MSG = "VIR20260330180000"
N = 30  # transfers; with 3 parts: 0 → first chunk, 15 → middle, 29 → last
ADDRESS = PostalAddress(street="12 rue de la Republique", postcode="69002", town="Lyon", country="FR")


def _batch(blocks: int = 1) -> CreditTransferBatch:
    transfers = [
        CreditTransfer(end_to_end_id=f"{MSG}-{i:04d}", amount=Decimal(1000 + i * 37).scaleb(-2), creditor_name=f"Fournisseur {i}",
                       creditor_iban="FR7630006000011234567890189", creditor_bic="AGRIFRPPXXX" if i % 4 else None,
                       creditor_address=ADDRESS if i % 3 else None, remittance_info=f"FACT FA-{i:05d}",
                       creditor_reference="RF18539007547034" if i == 7 else None)
        for i in range(N)
    ]
    size = -(-N // blocks)
    groups = tuple(
        CreditTransferGroup(payment_info_id=f"{MSG}-P{k + 1}", requested_execution_date=date(2026, 3, 31), batch_booking=bool(k % 2 == 0),
                            transfers=tuple(transfers[k * size:(k + 1) * size]))
        for k in range(blocks)
    )
    return CreditTransferBatch(initiating_party_name="Batiroc SAS", initiating_party_id="472805696", debtor_name="Batiroc SAS",
                               debtor_iban="FR1420041010050500013M02606", debtor_bic="PSSTFRPPXXX", debtor_address=ADDRESS, groups=groups)


def _doc(version: str, blocks: int = 1) -> bytes:
    return write_pain001(_batch(blocks), message_id=MSG, created_at=datetime(2026, 3, 30, 18, 0), version=version)


def _reference_errors(document: bytes, version: str) -> list[str] | None:
    """Independent whole-document validation (fresh schema object): None when valid."""
    schema = etree.XMLSchema(etree.fromstring(schema_bytes(version)))
    try:
        tree = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        return [str(exc)]
    return None if schema.validate(tree) else [e.message for e in schema.error_log]


def _tx_span(document: bytes, i: int) -> tuple[int, int]:
    start = document.index(f"<EndToEndId>{MSG}-{i:04d}</EndToEndId>".encode())
    start = document.rindex(b"<CdtTrfTxInf>", 0, start)
    return start, document.index(b"</CdtTrfTxInf>", start) + len(b"</CdtTrfTxInf>")


def _in_tx(i: int, fn):
    def mutate(document: bytes, version: str) -> bytes:
        a, b = _tx_span(document, i)
        changed = fn(document[a:b], version)
        assert changed != document[a:b], "mutation did not apply"
        return document[:a] + changed + document[b:]
    return mutate


def _sub(pattern: bytes, repl: bytes):
    return lambda tx, version: re.sub(pattern, repl, tx, count=1)


def _swap_cdtr_and_account(tx: bytes, version: str) -> bytes:
    cdtr = re.search(rb"<Cdtr>.*?</Cdtr>", tx).group(0)
    acct = re.search(rb"<CdtrAcct>.*?</CdtrAcct>", tx).group(0)
    return tx.replace(cdtr, b"\x00").replace(acct, cdtr).replace(b"\x00", acct)


TX_MUTATIONS = {
    "amount_six_decimals": _sub(rb'(<InstdAmt Ccy="EUR">)[0-9.]+', rb"\g<1>12.345678"),
    "amount_negative": _sub(rb'(<InstdAmt Ccy="EUR">)[0-9.]+', rb"\g<1>-5.00"),
    "amount_not_a_number": _sub(rb'(<InstdAmt Ccy="EUR">)[0-9.]+', rb"\g<1>douze"),
    "currency_code": _sub(rb'Ccy="EUR"', rb'Ccy="EURO"'),
    "bad_bic": lambda tx, v: re.sub(rb"<(BICFI|BIC)>[A-Z]+</", rb"<\1>AGRI-FR</", tx, count=1) if b"<CdtrAgt>" in tx
    else tx.replace(b"<Cdtr>", b"<CdtrAgt><FinInstnId><BICFI>AGRI-FR</BICFI></FinInstnId></CdtrAgt><Cdtr>" if v.endswith("09")
                    else b"<CdtrAgt><FinInstnId><BIC>AGRI-FR</BIC></FinInstnId></CdtrAgt><Cdtr>", 1),
    "wrong_element_order": _swap_cdtr_and_account,
    "end_to_end_id_too_long": _sub(rb"<EndToEndId>([^<]+)</EndToEndId>", rb"<EndToEndId>\1-0123456789ABCDEF</EndToEndId>"),
    "missing_amount": _sub(rb"<Amt>.*?</Amt>", b""),
    "unknown_element": _sub(rb"</PmtId>", b"</PmtId><Foo>1</Foo>"),
    "empty_name": _sub(rb"<Nm>[^<]*</Nm>", b"<Nm></Nm>"),
    "iban_lowercase": _sub(rb"<IBAN>FR76", b"<IBAN>fr76"),
}
POSITIONS = {"first": 0, "middle": 15, "last": N - 1}


def _assert_equivalent(document: bytes, version: str, *, expect_valid: bool | None = None) -> list[str]:
    reference = _reference_errors(document, version)
    whole = check_pain001(document, version, workers=1)
    assert (reference is None) == (whole == [])
    if expect_valid is not None:
        assert (reference is None) is expect_valid
    for parts in (2, 3, 5):
        chunks = split_pain001(document, parts)
        if chunks is not None:
            # the parallel decision alone (no fallback) already says valid/invalid exactly
            assert p._chunks_valid(chunks, version, parts) is (reference is None)
        # and what the user sees is exactly the whole-document validation's errors
        assert check_pain001(document, version, workers=parts, min_parallel_bytes=0) == whole
    return whole


@pytest.mark.parametrize("version", p.VERSIONS)
@pytest.mark.parametrize("blocks", [1, 2, 3])
def test_valid_documents_are_accepted_and_chunks_partition_the_transactions(version, blocks):
    document = _doc(version, blocks)
    assert _assert_equivalent(document, version, expect_valid=True) == []
    ns = {"p": p.namespace(version)}
    all_ids = etree.fromstring(document).xpath("//p:EndToEndId/text()", namespaces=ns)
    for parts in (2, 3, 5):
        chunks = split_pain001(document, parts)
        assert chunks is not None and len(chunks) == parts
        seen = []
        for chunk in chunks:
            tree = etree.fromstring(chunk)
            assert tree.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns) is not None  # head repeated
            for block in tree.iterfind("p:CstmrCdtTrfInitn/p:PmtInf", ns):
                assert block.findtext("p:PmtInfId", namespaces=ns)  # block header repeated
                assert block.find("p:CdtTrfTxInf", ns) is not None  # never an empty piece
            seen += tree.xpath("//p:EndToEndId/text()", namespaces=ns)
        assert seen == all_ids  # every transaction exactly once, in order


@pytest.mark.parametrize("version", p.VERSIONS)
@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("mutation", TX_MUTATIONS)
def test_an_error_in_any_chunk_is_reported_like_the_whole_document(version, position, mutation):
    i = POSITIONS[position]
    for blocks in (1, 2):
        document = _in_tx(i, TX_MUTATIONS[mutation])(_doc(version, blocks), version)
        errors = _assert_equivalent(document, version, expect_valid=False)
        assert errors and all(e.startswith("ligne ") for e in errors)
        if mutation != "end_to_end_id_too_long":
            assert f"EndToEndId {MSG}-{i:04d}" in errors[0]  # points at the failing transfer
        else:
            assert f"{MSG}-{i:04d}-0123456789ABCDEF" in errors[0]


@pytest.mark.parametrize("version", p.VERSIONS)
def test_several_errors_in_several_chunks_are_all_reported(version):
    document = _doc(version)
    for i in (2, 14, 27):
        document = _in_tx(i, TX_MUTATIONS["amount_six_decimals"])(document, version)
    errors = _assert_equivalent(document, version, expect_valid=False)
    for i in (2, 14, 27):
        assert any(f"EndToEndId {MSG}-{i:04d}" in e for e in errors)


DOC_MUTATIONS = {
    "group_header_message_id_too_long": lambda d: d.replace(f"<MsgId>{MSG}</MsgId>".encode(), b"<MsgId>" + b"M" * 36 + b"</MsgId>"),
    "block_header_bad_debtor_iban": lambda d: d.replace(b"<DbtrAcct><Id><IBAN>FR14", b"<DbtrAcct><Id><IBAN>fr14", 1),
    "element_between_transactions": lambda d: d.replace(b"</CdtTrfTxInf><CdtTrfTxInf>", b"</CdtTrfTxInf><Foo/><CdtTrfTxInf>", 1),
    "transaction_inside_block_header": lambda d: d.replace(b"<DbtrAgt>", b"<CdtTrfTxInf><PmtId><EndToEndId>X</EndToEndId></PmtId></CdtTrfTxInf><DbtrAgt>", 1),
    "block_header_missing_debtor": lambda d: re.sub(rb"<Dbtr>.*?</Dbtr>", b"", d, count=1),
    "malformed_unclosed_tag": lambda d: d.replace(b"</Nm></Cdtr>", b"</Nm>", 1),
    "malformed_mismatched_across_cut": lambda d: d.replace(b"</CdtTrfTxInf><CdtTrfTxInf>", b"</CdtTrfTxInf></CdtTrfTxInf><CdtTrfTxInf><CdtTrfTxInf>", 3),
    "nested_transaction": lambda d: d.replace(b"</CdtrAcct>", b"</CdtrAcct><CdtTrfTxInf>", 1).replace(b"</CdtTrfTxInf>", b"</CdtTrfTxInf></CdtTrfTxInf>", 1),
    "comment_hiding_a_cut": lambda d: d.replace(b"</CdtTrfTxInf><CdtTrfTxInf>", b"</CdtTrfTxInf><!--<CdtTrfTxInf>--><CdtTrfTxInf>", 1),
    "cdata_in_a_name": lambda d: d.replace(b"<Nm>Fournisseur 3</Nm>", b"<Nm><![CDATA[Fournisseur 3]]></Nm>", 1),
    "processing_instruction": lambda d: d.replace(b"<CdtTrfTxInf>", b"<?pi <CdtTrfTxInf> ?><CdtTrfTxInf>", 1),
    "nothing_after_last_block": lambda d: d.replace(b"</PmtInf></CstmrCdtTrfInitn>", b"</PmtInf><PmtInf/></CstmrCdtTrfInitn>"),
    "empty_block_between": lambda d: d.replace(b"</PmtInf><PmtInf>", b"</PmtInf><PmtInf></PmtInf><PmtInf>", 1),
    "wrong_namespace": lambda d: d.replace(b"tech:xsd:pain.001.001.", b"tech:xsd:pain.001.002.", 1),
    "prefixed_root_children_unqualified": lambda d: d.replace(b'<Document xmlns="', b'<x:Document xmlns:x="', 1).replace(b"</Document>", b"</x:Document>"),
    "pretty_printed_still_valid": lambda d: p.pretty_xml(d),
}


@pytest.mark.parametrize("version", p.VERSIONS)
@pytest.mark.parametrize("mutation", DOC_MUTATIONS)
def test_header_structure_and_markup_cases_match_the_whole_document(version, mutation):
    for blocks in (1, 2):
        document = DOC_MUTATIONS[mutation](_doc(version, blocks))
        expect_valid = mutation.endswith("still_valid") or (mutation in {"comment_hiding_a_cut", "cdata_in_a_name", "processing_instruction"})
        if mutation == "empty_block_between" and blocks == 1:
            continue  # nothing to mutate
        _assert_equivalent(document, version, expect_valid=expect_valid)


def test_unusual_shapes_are_not_split():
    d = _doc("pain.001.001.09", 2)
    assert split_pain001(d, 1) is None
    assert split_pain001(p.pretty_xml(d), 2) is None  # whitespace between blocks
    assert split_pain001(d.replace(b"<CdtTrfTxInf>", b"<!-- x --><CdtTrfTxInf>", 1), 2) is None
    assert split_pain001(d.replace(b"<PmtInf>", b"<p:PmtInf>", 1), 2) is None


def test_errors_are_capped_and_namespaces_stripped():
    document = _doc("pain.001.001.09")
    for i in range(N):
        document = _in_tx(i, TX_MUTATIONS["amount_six_decimals"])(document, "pain.001.001.09")
    errors = check_pain001(document, "pain.001.001.09", workers=2, min_parallel_bytes=0)
    assert len(errors) == 20 and not any("urn:iso" in e for e in errors)
    assert errors[0].startswith(f"ligne 2, virement EndToEndId {MSG}-0000 (n° 1 du lot {MSG}-P1) : ")


def test_large_documents_take_the_parallel_path(monkeypatch):
    document = _doc("pain.001.001.03", 2)
    calls = []
    real = p._chunks_valid
    monkeypatch.setattr(p, "_chunks_valid", lambda chunks, version, workers: calls.append(len(chunks)) or real(chunks, version, workers))
    assert check_pain001(document, "pain.001.001.03", workers=2, min_parallel_bytes=len(document)) == []
    assert check_pain001(document, "pain.001.001.03", workers=2, min_parallel_bytes=len(document) + 1) == []
    assert check_pain001(document, "pain.001.001.03", workers=1, min_parallel_bytes=0) == []
    assert calls == [2]
