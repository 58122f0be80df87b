"""Demo step 80: the multi-supplier disbursement wizard, all five steps.

A supplier run on a fixed clock: automatic grouping at preparation, a group of groups
(two suppliers of one head office), a manual discount on it, a partial payment, a deposit,
an undo (Ctrl-Z) of a deletion, F5 assignment with one payment sent to the substitution
account by the disbursement limit and one from « Non affecté » to a bank by hand, slips
(cheque numbers), the SEPA file (XSD-checked), a test posting and the posting (FEC
checked), in the workbook « Décaissement.xlsx ».
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ORDER = 80
WORKBOOK = "Décaissement.xlsx"
RUN_DATE = date(2026, 1, 5)
RUN_REF = "DEC-DEMO-0001"
D = Decimal


def demo_inputs():
    from reglo.core.disbursement.models import CompanyBank, DiscountTier, GroupingRule, Item, PartyMatch, Supplier

    # IBANs: public example IBANs of French banks' documentation (valid check digits)
    suppliers = (
        Supplier(code="FSUN01", name="SUN CHEMICAL NORD", priority=10, head_office="SUNCHEM", default_bank="BNP", iban="FR7630006000011234567890189", bic="AGRIFRPP"),
        Supplier(code="FSUN02", name="SUN CHEMICAL SUD", priority=10, head_office="SUNCHEM", default_bank="BNP", iban="FR7630006000011234567890189", bic="AGRIFRPP"),
        Supplier(code="FBETON", name="BETONS DU RHONE", priority=0, default_bank="BNP", iban="FR7610107001011234567890129", bic="BREDFRPP",
                 discount_matrix=(DiscountTier(days_before_due=20, rate=D("1.5")),)),
        Supplier(code="FOUTIL", name="OUTILLAGE MARTIN", priority=50, default_bank="", iban="FR7630004000031234567890143", bic="BNPAFRPP"),
        Supplier(code="FGRUE", name="GRUES LEVAGE SERVICES", priority=20, default_bank="BNP", iban="FR7630003000301234567890185", bic="SOGEFRPP"),
    )
    banks = (
        CompanyBank(code="BNP", label="BNP Paribas", journal_code="BQ1", ledger_account="512100", iban="FR7630004000031234567890143", bic="BNPAFRPP",
                    balance=D("60000.00"), disbursement_limit=D("30000.00"), substitute_account="SG"),
        CompanyBank(code="SG", label="Société Générale", journal_code="BQ2", ledger_account="512200", iban="FR7630003000301234567890185", bic="SOGEFRPP", balance=D("150000.00")),
    )
    rules = (
        GroupingRule(automatic=True, party=PartyMatch.SAME_SUPPLIER, same_bank=False, same_bank_details=True, max_days_apart=30),
        GroupingRule(automatic=False, party=PartyMatch.SAME_HEAD_OFFICE, same_bank=False, same_bank_details=False),
    )

    def item(key, sup, amount, due, state="A10", ref=None):
        return Item(key=key, supplier=sup, document_ref=ref or f"FA-{key}", label=f"Facture {ref or key}", issue_date=date(2025, 12, 1), due_date=due, amount=D(amount), state=state)

    items = (
        item("E01", "FSUN01", "4200.00", date(2026, 1, 10)),
        item("E02", "FSUN01", "1800.00", date(2026, 1, 25)),
        item("E03", "FSUN02", "2600.00", date(2026, 1, 12)),
        item("E04", "FSUN02", "900.00", date(2026, 1, 30)),
        item("E05", "FBETON", "12500.00", date(2026, 2, 15)),
        item("E06", "FOUTIL", "640.00", date(2026, 1, 8)),
        item("E07", "FGRUE", "28000.00", date(2026, 1, 15)),
        item("E08", "FBETON", "3100.00", date(2026, 1, 20)),
        item("C01", "FOUTIL", "380.00", date(2026, 1, 9), state="C10"),
        item("C02", "FGRUE", "1150.00", date(2026, 1, 16), state="C10"),
    )
    return suppliers, banks, rules, items


def run(ctx: Any) -> list[str]:
    from reglo.addin.shell import disbursement as sd

    saved, sd.now = sd.now, (lambda: datetime(2026, 1, 5, 9, 0))
    try:
        return _run(ctx, sd)
    finally:
        sd.now = saved


def _run(ctx: Any, sd: Any) -> list[str]:
    from reglo.addin.backends.sheets import FileWorkbook
    from reglo.core.fec import read_fec

    folder = Path(ctx.dossier_path).parent if ctx.dossier_path else ctx.out_dir
    # the demo may run again in the same folder: its earlier run is cancelled in the register first
    sd.cancel_run(folder, RUN_REF, reason="démonstration relancée")
    path = ctx.out_dir / WORKBOOK
    if path.exists():
        path.unlink()
    book = FileWorkbook(path, create=True)
    suppliers, banks, rules, items = demo_inputs()
    sd.write_inputs(book, items=items, suppliers=suppliers, banks=banks, rules=rules, settings={
        "Référence": RUN_REF, "Utilisateur": "comptable", "Date": RUN_DATE, "Circuit": "STANDARD", "Démarrer à l'étape": 2,
        "Escomptes automatiques": "Oui", "Bons à payer": "Non", "Raison sociale": "BTP DEMO SAS", "Premier numéro d'écriture": 9001,
        # the entries file is named <SIREN>FEC<closing>-<reference>.txt: the dossier's company, else these
        **({} if ctx.dossier_path else {"SIREN": "552100554", "Fin d'exercice": date(2026, 12, 31)}),
    })
    lines: list[str] = []
    blocking = 0

    def act(kind, test=False, **values):
        nonlocal blocking
        if kind == "demarrer":
            r = sd.start(book, dossier=folder)
        else:
            r = sd.run_action(book, kind, sd.fields_for(kind, values), dossier=folder, test=test)
        blocking += sum(1 for a in r.alerts if a.is_blocking)
        return r

    act("demarrer")
    act("suivant")
    state = sd.load_state(book)
    r = act("preparer", keys=state.to_pay)
    state = sd.load_state(book)
    auto = [g.group_id for g in state.groups if g.automatic]
    lines.append(f"Préparation : {len(state.prepared)} règlements préparés, {len(auto)} regroupement(s) automatique(s) ({', '.join(auto)}).")
    members = sd.group_members(state)
    supplier_of = {i.key: i.supplier for i in state.items}
    sun = [g for g in auto if supplier_of[members[g][0]].startswith("FSUN")]
    act("regrouper", keys=tuple(sun))
    state = sd.load_state(book)
    big = state.groups[-1].group_id
    lines.append(f"Regroupement de regroupements {', '.join(sun)} → {big} (à plat : {', '.join(sd.group_members(state)[big])}).")
    act("difference", difference="escompte", current=big, rate="2")
    act("difference", difference="partiel", current="E06", amount="400")
    act("acompte", supplier="FGRUE", amount="2000", vat="TVA20")
    act("supprimer", keys=("E08",))
    act("annuler")
    state = sd.load_state(book)
    lines.append(f"Escompte 2 % sur {big}, règlement partiel de 400 € sur E06, acompte de 2 000 € (FGRUE) ; suppression de E08 annulée par Ctrl-Z ({'E08 toujours préparé' if any(p.key == 'E08' for p in state.prepared) else 'E08 perdu'}).")
    act("suivant", confirmed=True)
    state = sd.load_state(book)
    r = act("affecter", keys=tuple(p.payment_id for p in state.payments))
    subst = [a for a in r.alerts if a.code.value == "DSB_SUBSTITUTED"]
    state = sd.load_state(book)
    unassigned = tuple(p.payment_id for p in state.payments if p.bank == "")
    act("affecter_banque", keys=unassigned, bank="SG")
    lines.append(f"Émission (F5) : {len(state.payments)} règlements ; {len(subst)} envoyé(s) au compte de substitution par la limite de décaissement ; {len(unassigned)} « Non affecté » affecté(s) à SG à la main.")
    act("suivant")
    state = sd.load_state(book)
    for s in state.slips:
        if s.mode == "CHQ":
            act("premier_cheque", keys=(s.slip_id,), number=100201)
    r = act("editer_bordereaux")
    lines.append(f"Bordereaux : {len(state.slips)} édités ; fichiers : " + ", ".join(Path(o).name for o in r.outputs))
    act("suivant")
    r = act("comptabiliser", test=True)
    lines.append(f"Comptabilisation en mode test : {r.summary}")
    r = act("comptabiliser")
    entries_file = next(o for o in r.outputs if "FEC" in Path(o).name)
    ledger = read_fec(Path(entries_file).read_bytes(), filename=Path(entries_file).name)
    fec_blocking = sum(1 for a in ledger.alerts if a.is_blocking)
    lines.append(f"Comptabilisation : {r.summary} Contrôle FEC : {fec_blocking} alerte(s) bloquante(s).")
    act("terminer")
    book.save()
    ctx.blocking += blocking + fec_blocking
    lines.append(f"Classeur : {path.name} ({sd.state_summary(sd.load_state(book))}).")
    return lines
