"""pain.008 writer: both XSD versions, golden files, and the sepa.md rules it carries
(tests named after the rule ids)."""
from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from reglo.core.rules.address import SepaAddress
from reglo.core.writers.pain008 import (
    VERSIONS,
    Amendment,
    DirectDebit,
    DirectDebitBatch,
    DirectDebitGroup,
    check_pain008,
    pretty_xml,
    read_pain008,
    validate_pain008,
    write_pain008,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "pain008"
CREATED = datetime(2023, 8, 10, 9, 30, 0)
ADDR = SepaAddress(street="12 rue de la Republique", postcode="69002", town="Lyon", country="FR")
HYBRID = SepaAddress(lines=("Zone artisanale, batiment B",), postcode="44000", town="Nantes", country="FR")


def debit(n: int, amount: str, *, bic: str | None = "AGRIFRPPXXX", amendment=None, address=ADDR, name: str = "Dupont Immobilier") -> DirectDebit:
    return DirectDebit(end_to_end_id=f"PRE20230810093000-{n:05d}", amount=Decimal(amount), debtor_name=name, debtor_iban="FR1420041010050500013M02606",
                       debtor_bic=bic, debtor_address=address, mandate_id=f"RUM-C{n:03d}", mandate_signed_on=date(2023, 1, 10), amendment=amendment,
                       remittance_info=f"FACT FA-{100 + n}")


def batch(**kw) -> DirectDebitBatch:
    groups = kw.pop("groups", None) or (
        DirectDebitGroup(payment_info_id="PRE20230810093000-1", collection_date=date(2023, 8, 28), sequence_type="FRST",
                         debits=(debit(1, "7200.00"), debit(2, "850.40", bic=None, address=HYBRID, amendment=Amendment(new_debtor_agent=True)))),
        DirectDebitGroup(payment_info_id="PRE20230810093000-2", collection_date=date(2023, 8, 28), sequence_type="RCUR", scheme="B2B", batch_booking=False,
                         debits=(debit(3, "0.01", amendment=Amendment(original_mandate_id="OLD-RUM", original_debtor_iban="FR7630006000011234567890189")),)),
    )
    return DirectDebitBatch(initiating_party_name="Batiments Dupre + Fils", creditor_name="Batiments Dupre + Fils", creditor_iban="FR7630006000011234567890189",
                            creditor_bic=kw.pop("creditor_bic", "AGRIFRPPXXX"), creditor_address=ADDR, creditor_id="FR72ZZZ123456",
                            initiating_party_id="FR72ZZZ123456", groups=groups, **kw)


def xml(version: str, **kw) -> bytes:
    return write_pain008(batch(**kw), message_id="PRE20230810093000", created_at=CREATED, version=version)


def tree(version: str, **kw):
    return etree.fromstring(xml(version, **kw))


def texts(root, tag: str) -> list[str]:
    return [e.text for e in root.iter() if etree.QName(e).localname == tag]


@pytest.mark.parametrize("version", VERSIONS)
def test_valid_against_official_xsd(version):
    data = xml(version)
    assert validate_pain008(data, version) == []
    assert check_pain008(data, version) == []
    assert check_pain008(data, version, workers=2, min_parallel_bytes=10) == []  # chunked path too


@pytest.mark.parametrize("version", VERSIONS)
def test_golden(version):
    data = pretty_xml(xml(version))
    path = GOLDEN / f"{version}.xml"
    if os.environ.get("REGLO_UPDATE_GOLDEN") or not path.exists():
        path.write_bytes(data)
    assert data == path.read_bytes()


def test_invalid_document_reports_errors():
    data = xml(VERSIONS[0]).replace(b"<SeqTp>FRST</SeqTp>", b"<SeqTp>XXXX</SeqTp>")
    assert validate_pain008(data, VERSIONS[0])
    assert check_pain008(data, VERSIONS[0], workers=2, min_parallel_bytes=10)


def test_S_V1_namespace_and_root():
    for version in VERSIONS:
        root = tree(version)
        assert root.tag == f"{{urn:iso:std:iso:20022:tech:xsd:{version}}}Document"
        assert etree.QName(root[0]).localname == "CstmrDrctDbtInitn"


def test_S_V3_bic_tag_per_version():
    assert texts(tree("pain.008.001.08"), "BICFI") and not texts(tree("pain.008.001.08"), "BIC")
    assert texts(tree("pain.008.001.02"), "BIC") and not texts(tree("pain.008.001.02"), "BICFI")
    assert texts(tree("pain.008.001.08"), "ReqdColltnDt") == ["2023-08-28", "2023-08-28"]  # plain date in both


def test_S_V4_declaration():
    assert xml(VERSIONS[0]).startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"schemaLocation" not in xml(VERSIONS[0])


def test_S_V5_S_V6_S_V7_fixed_codes():
    root = tree(VERSIONS[0])
    assert texts(root, "PmtMtd") == ["DD", "DD"]
    assert texts(root, "ChrgBr") == ["SLEV", "SLEV"]
    assert [e.text for e in root.iter() if etree.QName(e).localname == "Cd" and etree.QName(e.getparent()).localname == "SvcLvl"] == ["SEPA", "SEPA"]


def test_S_V8_one_scheme_per_block_and_S_G2_grouping():
    root = tree(VERSIONS[0])
    blocks = [b for b in root.iter() if etree.QName(b).localname == "PmtInf"]
    assert [texts(b, "SeqTp") for b in blocks] == [["FRST"], ["RCUR"]]
    assert [[e.text for e in b.iter() if etree.QName(e).localname == "Cd" and etree.QName(e.getparent()).localname == "LclInstrm"] for b in blocks] == [["CORE"], ["B2B"]]


def test_S_V10_no_instruction_priority():
    assert b"InstrPrty" not in xml(VERSIONS[0]) and b"InstrPrty" not in xml(VERSIONS[1])


def test_S_G3_batch_booking_always_written():
    assert texts(tree(VERSIONS[0]), "BtchBookg") == ["true", "false"]


def test_S_N1_to_S_N4_counts_and_sums():
    root = tree(VERSIONS[0])
    nb = texts(root, "NbOfTxs")
    sums = texts(root, "CtrlSum")
    assert nb == ["3", "2", "1"]
    assert sums == ["8050.41", "8050.40", "0.01"]
    assert sum(Decimal(s) for s in sums[1:]) == Decimal(sums[0])


def test_S_N5_no_empty_block():
    with pytest.raises(ValueError):
        DirectDebitGroup(payment_info_id="P", collection_date=date(2023, 8, 28), sequence_type="FRST", debits=())


def test_S_A1_S_A2_amounts():
    root = tree(VERSIONS[0])
    amounts = [e for e in root.iter() if etree.QName(e).localname == "InstdAmt"]
    assert [a.get("Ccy") for a in amounts] == ["EUR"] * 3
    assert [a.text for a in amounts] == ["7200.00", "850.40", "0.01"]
    for bad in ("0.00", "1000000000.00"):
        with pytest.raises(ValueError):
            debit(9, bad)


def test_S_M1_sequence_types_only_sepa_values():
    with pytest.raises(ValueError):
        DirectDebitGroup(payment_info_id="P", collection_date=date(2023, 8, 28), sequence_type="RPRE", debits=(debit(1, "1.00"),))


def test_S_M4_mandate_information():
    root = tree(VERSIONS[0])
    assert texts(root, "MndtId") == ["RUM-C001", "RUM-C002", "RUM-C003"]
    assert texts(root, "DtOfSgntr") == ["2023-01-10"] * 3
    assert texts(root, "AmdmntInd") == ["false", "true", "true"]


def test_S_M3_change_of_bank_is_SMNDA():
    root = tree(VERSIONS[0])
    tx = [t for t in root.iter() if etree.QName(t).localname == "DrctDbtTxInf"][1]
    orig = [e for e in tx.iter() if etree.QName(e).localname == "OrgnlDbtrAcct"][0]
    assert texts(orig, "Id")[-1] == "SMNDA"


def test_S_M5_original_account_and_mandate():
    root = tree(VERSIONS[1])
    tx = [t for t in root.iter() if etree.QName(t).localname == "DrctDbtTxInf"][2]
    assert texts(tx, "OrgnlMndtId") == ["OLD-RUM"]
    orig = [e for e in tx.iter() if etree.QName(e).localname == "OrgnlDbtrAcct"][0]
    assert texts(orig, "IBAN") == ["FR7630006000011234567890189"]


def test_S_M8_creditor_identifier_at_block_level():
    root = tree(VERSIONS[0])
    for block in (b for b in root.iter() if etree.QName(b).localname == "PmtInf"):
        scheme = [e for e in block if etree.QName(e).localname == "CdtrSchmeId"]
        assert len(scheme) == 1
        assert texts(scheme[0], "Id")[-1] == "FR72ZZZ123456" and texts(scheme[0], "Prtry") == ["SEPA"]


def test_S_B5_absent_bic_is_not_provided_never_empty():
    data = xml(VERSIONS[0], creditor_bic=None)
    assert b"<FinInstnId/>" not in data and b"<FinInstnId></FinInstnId>" not in data
    assert data.count(b"<Othr><Id>NOTPROVIDED</Id></Othr>") == 3  # creditor agent of each of the 2 blocks + debtor n° 2
    assert validate_pain008(data, VERSIONS[0]) == []


def test_S_C5_values_are_escaped():
    data = write_pain008(batch(groups=(DirectDebitGroup(payment_info_id="P1", collection_date=date(2023, 8, 28), sequence_type="RCUR",
                                                        debits=(debit(1, "1.00", name="A & B <C>"),)),)),
                         message_id="M1", created_at=CREATED)
    assert b"A &amp; B &lt;C&gt;" in data
    assert validate_pain008(data, VERSIONS[0]) == []


def test_S_P2_S_P3_structured_and_hybrid_addresses():
    root = tree(VERSIONS[0])
    addresses = [e for e in root.iter() if etree.QName(e).localname == "PstlAdr"]
    structured = [etree.QName(c).localname for c in addresses[1]]
    hybrid = [etree.QName(c).localname for c in addresses[2]]
    assert structured == ["StrtNm", "PstCd", "TwnNm", "Ctry"]
    assert hybrid == ["PstCd", "TwnNm", "Ctry", "AdrLine"]


def test_S_D1_dates_format():
    assert texts(tree(VERSIONS[0]), "CreDtTm") == ["2023-08-10T09:30:00"]


def test_read_back_is_what_the_file_holds():
    read = read_pain008(xml(VERSIONS[1]))
    assert read.version == "pain.008.001.02" and read.message_id == "PRE20230810093000"
    assert read.transaction_count == 3 and read.control_sum == Decimal("8050.41")
    assert [(d.sequence_type, d.scheme, d.amount, d.amended, d.original_account) for d in read.debits] == [
        ("FRST", "CORE", Decimal("7200.00"), False, ""), ("FRST", "CORE", Decimal("850.40"), True, "SMNDA"),
        ("RCUR", "B2B", Decimal("0.01"), True, "FR7630006000011234567890189")]
    assert read.creditor_id == "FR72ZZZ123456"


def test_deterministic_bytes():
    assert xml(VERSIONS[0]) == xml(VERSIONS[0])


def test_unknown_version_refused():
    with pytest.raises(ValueError):
        write_pain008(batch(), message_id="M", created_at=CREATED, version="pain.008.001.99")


def test_large_file_chunked_validation_agrees_with_whole():
    many = tuple(debit(i, f"{1 + i % 997}.{i % 100:02d}") for i in range(1, 3001))
    b = batch(groups=(DirectDebitGroup(payment_info_id="P1", collection_date=date(2023, 8, 28), sequence_type="RCUR", debits=many[:1500]),
                      DirectDebitGroup(payment_info_id="P2", collection_date=date(2023, 8, 28), sequence_type="FRST", debits=many[1500:])))
    data = write_pain008(b, message_id="M1", created_at=CREATED)
    assert check_pain008(data, VERSIONS[0], workers=2, min_parallel_bytes=1) == []
    from reglo.core.writers.pain001 import _chunk_pieces

    chunks = _chunk_pieces(data, 2, b"<DrctDbtTxInf>")  # the chunker shared with pain.001 really cuts pain.008
    assert chunks is not None and len(chunks) == 2
    assert all(validate_pain008(b"".join(bytes(p) for p in c), VERSIONS[0]) == [] for c in chunks)
    broken = data.replace(b"<PmtMtd>DD</PmtMtd>", b"<PmtMtd>TRF</PmtMtd>", 1)
    assert check_pain008(broken, VERSIONS[0], workers=2, min_parallel_bytes=1)


@pytest.mark.parametrize("version", VERSIONS)
def test_S_I4_initiating_party_name_and_id(version):
    """S-I4: ``InitgPty/Nm`` always, and ``InitgPty/Id/OrgId/Othr/Id`` (the ICS in « Générer » by
    default, or the identifier the bank gave), omitted only when none is given."""
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    root = tree(version)
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:InitgPty/p:Nm", namespaces=ns) == "Batiments Dupre + Fils"
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id", namespaces=ns) == "FR72ZZZ123456"
    bare = etree.fromstring(write_pain008(batch().model_copy(update={"initiating_party_id": None}),
                                          message_id="PRE1", created_at=CREATED, version=version))
    assert bare.find("p:CstmrDrctDbtInitn/p:GrpHdr/p:InitgPty/p:Id", namespaces=ns) is None
    assert validate_pain008(etree.tostring(bare, xml_declaration=True, encoding="UTF-8"), version) == []
