"""A protected register: a missing, empty, truncated or garbage ``reglo-registre.sqlite`` in a
dossier that already has Reglo outputs blocks with a French message; ``reglo register repair``
gives back the register as it was (journal), and records the files Reglo wrote that the
register does not know (an orphan pain.001 counts as paid). Also: the upgrade of a version 1
register, ``reglo register status|cancel``, and ``migrate`` to PostgreSQL."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from reglo.addin.entrypoints.cli import main
from reglo.addin.shell.registry import RegisterUnreadable, open_store
from reglo.addin.shell.registry.repair import orphan_files, rebuild_from_journal, repair
from reglo.core.outcome import BatchDraft, RegisterLineDraft
from reglo.core.register_state import FileRecord
from tests.conftest import pg_test_url

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def _begin(store, ref, *keys, counters=None, at=T0, folder="virements"):
    d = BatchDraft(kind="virement", reference=ref, lines=tuple(RegisterLineDraft(item_key=f"inv:{k}", amount_cents=500, payment_key=k) for k in keys))
    return store.begin(d, files=[FileRecord(folder=folder, name=f"{ref}.xml", sha256="a" * 64, role="bank")], counters=counters or {},
                       host="poste-1", folder="", user="marie", at=at)


def _dossier_with_history(folder: Path):
    """A dossier with outputs and a register with every kind of change."""
    folder.mkdir(parents=True)
    store = open_store(folder)
    (folder / "virements").mkdir()
    (folder / "virements" / "VIR1.xml").write_bytes(b"<x/>")  # an output (not a pain file: never re-recorded)
    a = _begin(store, "VIR1", "k1", "k2", counters={"msgid": 1})
    store.set_status(a, "committed", at=T0)
    b = _begin(store, "VIR2", "k3", counters={"msgid": 2}, at=T0 + timedelta(minutes=2))
    store.set_status(b, "committed", at=T0 + timedelta(minutes=2))
    store.set_status(b, "cancelled", at=T0 + timedelta(days=1), reason="rejet de la banque", by="paul")
    c = _begin(store, "VIR3", "k3")
    store.set_status(c, "rolled_back", at=T0)
    _begin(store, "VIR4", "k4", counters={"msgid": 4})
    store.advance_counters({"entry:BQ1": 7}, at=T0)
    snap, history = store.snapshot(), store.history()
    store.close()
    return snap, history


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "missing":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(b"\x00garbage" * 500)
    elif how == "header":
        path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)


DAMAGES = ["missing", "empty", "truncated", "garbage", "header"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_register_blocks_with_a_french_message(tmp_path, how):
    folder = tmp_path / "d"
    _dossier_with_history(folder)
    _damage(folder / "reglo-registre.sqlite", how)
    with pytest.raises(RegisterUnreadable) as err:
        open_store(folder)
    text = str(err.value)
    assert "reglo-registre.sqlite" in text and "reglo register repair --dossier" in text and "Error" not in text


@pytest.mark.parametrize("how", DAMAGES)
def test_the_cli_shows_the_message_never_an_internal_error(tmp_path, how, capsys):
    folder = tmp_path / "d"
    _dossier_with_history(folder)
    _damage(folder / "reglo-registre.sqlite", how)
    assert main(["register", "status", "--dossier", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : Le registre") and "interne" not in err and "RegisterUnreadable" not in err


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_outputs_alone_block_a_missing_register(tmp_path, how):
    """No journal, but a file in an output folder: never recreated silently."""
    folder = tmp_path / "d"
    (folder / "prelevements").mkdir(parents=True)
    (folder / "prelevements" / "PRL1.xml").write_bytes(b"<x/>")
    if how == "empty":
        (folder / "reglo-registre.sqlite").write_bytes(b"")
    with pytest.raises(RegisterUnreadable):
        open_store(folder)


def test_a_fresh_dossier_gets_a_register_silently(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "dossier.xlsx").write_bytes(b"")
    store = open_store(folder)
    assert store.snapshot().batches == () and (folder / "reglo-registre.sqlite").stat().st_size > 0


@pytest.mark.parametrize("how", DAMAGES)
def test_repair_gives_back_the_register_as_it_was(tmp_path, how, capsys):
    folder = tmp_path / "d"
    before, history = _dossier_with_history(folder)
    _damage(folder / "reglo-registre.sqlite", how)
    assert main(["register", "repair", "--dossier", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "reconstruit" in out
    store = open_store(folder)
    after = store.snapshot()
    assert after.batches == before.batches and after.counters == before.counters and store.history() == history
    if how not in ("missing", "empty"):
        assert list(folder.glob("reglo-registre.sqlite.endommage-*"))  # the damaged file is kept aside


def test_repair_of_a_sound_register_changes_nothing(tmp_path, capsys):
    folder = tmp_path / "d"
    before, _ = _dossier_with_history(folder)
    assert main(["register", "repair", "--dossier", str(folder)]) == 0
    assert "rien à réparer" in capsys.readouterr().out
    assert open_store(folder).snapshot() == before


PAIN001 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
<CstmrCdtTrfInitn><GrpHdr><MsgId>VIR20260302093000</MsgId><CreDtTm>2026-03-02T09:30:00</CreDtTm><NbOfTxs>2</NbOfTxs><CtrlSum>1270.10</CtrlSum></GrpHdr>
<PmtInf><PmtInfId>P1</PmtInfId>
<CdtTrfTxInf><PmtId><EndToEndId>F001-1</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">1200.00</InstdAmt></Amt>
<Cdtr><Nm>Matériaux Rhône-Alpes SARL</Nm></Cdtr><CdtrAcct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></CdtrAcct><RmtInf><Ustrd>FACT FA-2023-031</Ustrd></RmtInf></CdtTrfTxInf>
<CdtTrfTxInf><PmtId><EndToEndId>F002-1</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">70.10</InstdAmt></Amt>
<Cdtr><Nm>Bauwerk GmbH</Nm></Cdtr><CdtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAcct><RmtInf><Ustrd>FACT R-77</Ustrd></RmtInf></CdtTrfTxInf>
</PmtInf></CstmrCdtTrfInitn></Document>
"""

ENTRIES = ("JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\n"
           "BQ1\tBanque\tVIR20260302093000-1\t20260302\t401000\tFournisseurs\tF001\tMatériaux\tFA-2023-031\t20260302\tVirement\t1200,00\t0,00\n"
           "BQ1\tBanque\tVIR20260302093000-1\t20260302\t512000\tBanque\t\t\tFA-2023-031\t20260302\tVirement\t0,00\t1200,00\n")


def test_repair_records_an_orphan_pain001_as_paid(tmp_path, capsys):
    """The register and its journal are lost; the bank file and its entries stay: after the
    repair, its invoices count as paid (committed, ``repaired``), and nothing blocks."""
    folder = tmp_path / "d"
    (folder / "virements").mkdir(parents=True)
    (folder / "virements" / "VIR20260302093000.xml").write_text(PAIN001, encoding="utf-8")
    (folder / "virements" / "VIR20260302093000-ecritures.txt").write_text(ENTRIES, encoding="utf-8")
    (folder / "virements" / "notes.docx").write_bytes(b"PK")
    with pytest.raises(RegisterUnreadable):
        open_store(folder)
    assert main(["register", "repair", "--dossier", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "VIR20260302093000.xml" in out and "notes.docx" in out
    snap = open_store(folder).snapshot()
    (b,) = snap.batches
    assert (b.kind, b.reference, b.status, b.meta["repaired"]) == ("virement", "VIR20260302093000", "committed", True)
    assert sorted(f.name for f in b.files) == ["VIR20260302093000-ecritures.txt", "VIR20260302093000.xml"]
    pain = [l for l in b.lines if l.item_key.startswith("e2e:")]
    assert [(l.meta["e2e"], l.amount_cents, l.document_ref) for l in pain] == [("F001-1", 120000, "FACT FA-2023-031"), ("F002-1", 7010, "FACT R-77")]
    assert len(b.lines) == 2 and b.meta["entry_numbers"] == ["VIR20260302093000-1"]
    assert b.counts and orphan_files(folder, snap) == []
    assert main(["register", "status", "--dossier", str(folder)]) == 0
    # repaired batches are in the journal too: a later rebuild keeps them
    assert rebuild_from_journal(folder / "reglo-registre.journal")[0].batches == snap.batches


def test_status_reports_an_orphan_file_and_blocks(tmp_path, capsys):
    folder = tmp_path / "d"
    folder.mkdir()
    store = open_store(folder)
    _begin(store, "VIR1", "k1")
    store.close()
    (folder / "virements").mkdir()
    (folder / "virements" / "VIR20260302093000.xml").write_text(PAIN001, encoding="utf-8")
    assert main(["register", "status", "--dossier", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "inconnu du registre" in out and "reglo register repair" in out
    report = repair(folder, now=T0)
    assert [r[1] for r in report.recorded] == ["VIR20260302093000"]
    assert main(["register", "status", "--dossier", str(folder)]) == 0


def test_cancel_from_the_command_line(tmp_path, capsys):
    folder = tmp_path / "d"
    before, _ = _dossier_with_history(folder)
    assert main(["register", "cancel", "VIR4", "--dossier", str(folder), "--reason", "jamais envoyé"]) == 2  # pending: needs the written confirmation
    assert "--non-envoye" in capsys.readouterr().err
    assert main(["register", "cancel", "VIR4.xml", "--dossier", str(folder), "--reason", "jamais envoyé", "--non-envoye"]) == 0
    assert main(["register", "cancel", "1", "--dossier", str(folder), "--reason", "rejet"]) == 0
    snap = open_store(folder).snapshot()
    assert [(b.reference, b.status, b.cancel_reason) for b in snap.batches if b.status == "cancelled"] == [
        ("VIR1", "cancelled", "rejet"), ("VIR2", "cancelled", "rejet de la banque"), ("VIR4", "cancelled", "jamais envoyé")]
    assert snap.live_payment_keys() == set()


V1_SCHEMA = """
CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, reference TEXT NOT NULL, created_at TEXT NOT NULL, file_name TEXT,
    file_hash TEXT, status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')), cancelled_at TEXT, cancel_reason TEXT,
    total_cents INTEGER NOT NULL, line_count INTEGER NOT NULL, meta TEXT NOT NULL DEFAULT '{}');
CREATE TABLE lines (id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id INTEGER NOT NULL REFERENCES batches(id), item_key TEXT NOT NULL, payment_key TEXT,
    party_code TEXT NOT NULL DEFAULT '', document_ref TEXT NOT NULL DEFAULT '', amount_cents INTEGER NOT NULL, original_cents INTEGER, meta TEXT NOT NULL DEFAULT '{}');
CREATE INDEX lines_item ON lines(item_key);
CREATE INDEX lines_payment ON lines(payment_key);
CREATE INDEX lines_batch ON lines(batch_id);
PRAGMA user_version = 1;
"""


def _v1_register(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(folder / "reglo-registre.sqlite")
    con.executescript(V1_SCHEMA)
    rows = [
        (1, "virement", "VIR1", "2023-03-31T10:00:00", "VIR1.xml", "h1", "active", None, None, json.dumps({"folder": str(folder / "virements")})),
        (2, "virement", "VIR2", "2023-04-01T10:00:00", "VIR2.xml", "h2", "cancelled", "2023-04-02T08:00:00", "rejet banque", "{}"),
        (3, "customer_payments", "RC-1", "2023-04-03T10:00:00", "r.xlsx", None, "active", None, None, "{}"),
        (4, "virement", "VIR2", "2023-04-04T10:00:00", "VIR2.xml", "h4", "active", None, None, "{}"),  # the MsgId bug: same name twice
    ]
    for r in rows:
        con.execute("INSERT INTO batches(id, kind, reference, created_at, file_name, file_hash, status, cancelled_at, cancel_reason, total_cents, line_count, meta) "
                    "VALUES (?,?,?,?,?,?,?,?,?,0,0,?)", r)
    for bid, key, pk in [(1, "L1", "L1@0"), (1, "L2", "L2@0"), (2, "L3", "L3@0"), (3, "invoice:F1", "pay1"), (3, "invoice:F2", "pay1"), (4, "L3", "L3@2")]:
        con.execute("INSERT INTO lines(batch_id, item_key, payment_key, amount_cents, meta) VALUES (?,?,?,?,?)", (bid, key, pk, 1000, json.dumps({"e2e": key})))
    con.commit()
    con.close()


def test_a_version_1_register_is_upgraded_in_place(tmp_path):
    folder = tmp_path / "d"
    _v1_register(folder)
    store = open_store(folder)
    snap = store.snapshot()
    assert [(b.id, b.reference, b.status, [f.name for f in b.files]) for b in snap.batches] == [
        (1, "VIR1", "committed", ["VIR1.xml"]), (2, "VIR2", "cancelled", ["VIR2.xml"]), (3, "RC-1", "committed", ["r.xlsx"]), (4, "VIR2#4", "committed", [])]
    assert snap.batches[0].files[0].folder == "virements" and snap.batches[1].cancel_reason == "rejet banque"
    assert snap.batches[3].meta == {"reference_v1": "VIR2", "file_v1": "VIR2.xml"}
    assert snap.paid_cents_by_item() == {"L1": 1000, "L2": 1000, "invoice:F1": 1000, "invoice:F2": 1000, "L3": 1000}
    assert sqlite3.connect(folder / "reglo-registre.sqlite").execute("PRAGMA user_version").fetchone()[0] == 2
    assert rebuild_from_journal(folder / "reglo-registre.journal")[0].batches == snap.batches  # the upgrade is journaled
    store.close()
    assert open_store(folder).snapshot() == snap  # opened again: nothing more to do


def test_the_former_payment_register_reads_an_upgraded_register(tmp_path):
    from reglo.addin.shell.register import PaymentRegister

    folder = tmp_path / "d"
    _v1_register(folder)
    reg = PaymentRegister.beside(folder)
    assert [(b.reference, b.status, b.file_name) for b in reg.batches()] == [
        ("VIR1", "active", "VIR1.xml"), ("VIR2", "cancelled", "VIR2.xml"), ("RC-1", "active", "r.xlsx"), ("VIR2#4", "active", None)]
    assert reg.find_batch(file_name="VIR1.xml").id == 1 and reg.find_batch(reference="RC-1").id == 3
    assert reg.active_payment_keys() == {"L1@0", "L2@0", "pay1", "L3@2"}


# ---------------------------------------------------------------------------
# migrate to PostgreSQL
# ---------------------------------------------------------------------------

@pytest.fixture
def pg_url():
    url = pg_test_url()
    if not url:
        pytest.skip("PostgreSQL : REGLO_TEST_PG_URL non défini")
    return url


def test_migrate_moves_everything_to_the_server(tmp_path, pg_url, capsys, monkeypatch):
    import uuid

    folder = tmp_path / "d"
    before, history = _dossier_with_history(folder)
    ident = f"migr-{uuid.uuid4().hex[:10]}"
    monkeypatch.delenv("REGLO_REGISTER_URL", raising=False)
    assert main(["register", "migrate", "--dossier", str(folder), "--to", pg_url, "--dossier-id", ident]) == 0
    assert ident in capsys.readouterr().out
    pointer = json.loads((folder / "reglo-registre.json").read_text(encoding="utf-8"))
    assert pointer == {"backend": "postgresql", "dossier_id": ident}  # nothing secret in the dossier
    assert not (folder / "reglo-registre.sqlite").exists() and list(folder.glob("reglo-registre.sqlite.migre-*"))
    # without a server configured on this machine: a French message, never SQLite silently
    assert main(["register", "status", "--dossier", str(folder)]) == 2
    assert "REGLO_REGISTER_URL" in capsys.readouterr().err
    monkeypatch.setenv("REGLO_REGISTER_URL", pg_url)
    store = open_store(folder)
    assert store.backend == "postgresql" and store.dossier_id == ident
    after = store.snapshot()
    assert after.batches == before.batches and after.counters == before.counters and store.history() == history
    # the shared register goes on from there
    bid = _begin(store, "VIR5", "k5")
    assert bid == before.mark + 1
    store.close()
    assert main(["register", "migrate", "--dossier", str(folder), "--to", pg_url]) == 2  # already on the server


def test_the_per_user_configuration_file_gives_the_server(tmp_path, pg_url, monkeypatch):
    import uuid

    from reglo.addin.shell.registry.config import configured_url, write_pointer

    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[registre]\nurl = "{pg_url}"\n', encoding="utf-8")
    monkeypatch.delenv("REGLO_REGISTER_URL", raising=False)
    monkeypatch.setenv("REGLO_CONFIG", str(cfg))
    assert configured_url() == pg_url
    folder = tmp_path / "d"
    folder.mkdir()
    write_pointer(folder, f"cfg-{uuid.uuid4().hex[:10]}")
    store = open_store(folder)
    assert store.backend == "postgresql" and "reglo:reglo" not in store.description  # never the password
    _begin(store, "VIR1", "k1")
    assert (folder / "reglo-registre.journal").is_file()  # the journal sits in the dossier folder


def test_a_transfer_file_left_by_a_lost_register_is_never_paid_again(tmp_path, capsys):
    """End to end: ``transfers generate``, then the register and its journal are lost (and the
    lettered copy with them). ``repair`` reads the pain.001 back and matches its transactions to
    the ledger lines they paid: the same invoices count as paid, for the same amounts, and a new
    import finds nothing left to pay."""
    from tests.addin.test_transfers_addin import NOW, _import
    from tests.addin.transfer_helpers import make_dossier

    dossier = make_dossier(tmp_path / "dossier")
    assert _import(tmp_path / "v.xlsx", dossier) == 0
    assert main(["transfers", "generate", str(tmp_path / "v.xlsx"), "--now", NOW]) == 0
    before = open_store(dossier).snapshot()
    for p in dossier.glob("reglo-registre.*"):
        p.unlink()
    for p in dossier.glob("*lettré*"):
        p.unlink()
    capsys.readouterr()
    assert main(["transfers", "import", str(tmp_path / "w.xlsx"), "--dossier", str(dossier), "--period", "2023-03", "--now", NOW]) == 2
    assert "reglo register repair" in capsys.readouterr().err  # blocked, not paid again
    assert main(["register", "repair", "--dossier", str(dossier)]) == 0
    after = open_store(dossier).snapshot()
    assert after.paid_cents_by_item() == before.paid_cents_by_item() != {}
    assert main(["transfers", "import", str(tmp_path / "w.xlsx"), "--dossier", str(dossier), "--period", "2023-03", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "0 ligne(s) importée(s)" in out or "Aucune ligne" in out, out


def test_two_copies_of_a_dossier_on_the_shared_register_never_pay_twice(tmp_path, pg_url, monkeypatch, capsys):
    """Two people, two copies of the dossier, one register on the server: the second
    « Générer » finds the invoices paid by the first and writes nothing."""
    import shutil
    import uuid

    from reglo.addin.shell.registry.config import write_pointer
    from tests.addin.test_transfers_addin import NOW, _import
    from tests.addin.transfer_helpers import make_dossier

    monkeypatch.setenv("REGLO_REGISTER_URL", pg_url)
    first = make_dossier(tmp_path / "marie")
    write_pointer(first, f"copies-{uuid.uuid4().hex[:10]}")
    second = tmp_path / "paul"
    shutil.copytree(first, second)
    assert _import(tmp_path / "marie.xlsx", first) == 0 and _import(tmp_path / "paul.xlsx", second) == 0
    assert main(["transfers", "generate", str(tmp_path / "marie.xlsx"), "--now", NOW]) == 0
    capsys.readouterr()
    main(["transfers", "generate", str(tmp_path / "paul.xlsx"), "--now", "2023-03-31T10:05:00"])
    assert "Aucun fichier généré" in capsys.readouterr().out  # the lines are paid (by Marie's file)
    assert not (second / "virements").exists() or not list((second / "virements").iterdir())
    snap = open_store(second).snapshot()
    assert [b.reference for b in snap.batches] == ["VIR20230331100000"]
    assert not (first / "reglo-registre.sqlite").exists() and not (second / "reglo-registre.sqlite").exists()


def test_the_dossier_id_comes_from_the_company_sheet(tmp_path):
    from openpyxl import Workbook

    from reglo.addin.shell.registry.config import resolve_dossier_id

    folder = tmp_path / "Durand"
    folder.mkdir()
    assert resolve_dossier_id(folder) == "Durand"  # no workbook: the folder's name
    wb = Workbook()
    ws = wb.active
    ws.title = "Société"
    for row in (["Paramètre", "Valeur"], ["Raison sociale", "Durand"], ["Identifiant registre", " durand-2026 "]):
        ws.append(row)
    wb.save(folder / "dossier.xlsx")
    assert resolve_dossier_id(folder) == "durand-2026" and resolve_dossier_id(folder, "autre") == "autre"


def test_two_repairs_in_the_same_second_keep_both_damaged_copies(tmp_path):
    """A fixed clock (or two repairs in one second): the second damaged register is kept aside
    under a name of its own (« …endommage-<date>-2 »), never over the first one."""
    from reglo.addin.shell.registry.repair import rebuild_sqlite

    folder = tmp_path / "d"
    _dossier_with_history(folder)
    now = datetime(2026, 12, 7, 20, 9, 29, tzinfo=timezone.utc)
    register = folder / "reglo-registre.sqlite"
    register.write_bytes(register.read_bytes()[:100] + b"abime 1")
    first = register.read_bytes()
    kept1, _ = rebuild_sqlite(folder, now=now)
    register.write_bytes(register.read_bytes()[:100] + b"abime 2")
    second = register.read_bytes()
    kept2, _ = rebuild_sqlite(folder, now=now)
    assert kept1.name == "reglo-registre.sqlite.endommage-20261207-200929"
    assert kept2.name == "reglo-registre.sqlite.endommage-20261207-200929-2"
    assert kept1.read_bytes() == first and kept2.read_bytes() == second


def test_move_aside_never_replaces_a_file(tmp_path):
    from reglo.addin.shell.files import move_aside

    for i in range(3):
        (tmp_path / "f.txt").write_bytes(b"v%d" % i)
        move_aside(tmp_path / "f.txt", ".old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt.old", "f.txt.old-2", "f.txt.old-3"]
    assert [(tmp_path / n).read_bytes() for n in ("f.txt.old", "f.txt.old-2", "f.txt.old-3")] == [b"v0", b"v1", b"v2"]
