"""``reglo letter FEC``: automatic lettering (lettrage) of a FEC.

    reglo letter FEC [--roots 411,401] [--k 5] [--tolerance 1,00] [--xlsx PROPOSITIONS.xlsx]
    reglo letter FEC --apply [--out FICHIER]          apply every unambiguous proposal
    reglo letter FEC --from-xlsx PROPOSITIONS.xlsx    apply the proposals left at « Oui »
    reglo letter FEC --evaluate                       measure the engine against the letters in the FEC
    reglo letter FEC --undo CODE [--account COMPTE] | --undo-account COMPTE | --undo-run RUN | --undo-last
    reglo letter FEC --undo-from-xlsx PROPOSITIONS.xlsx   as the « Délettrer » button (cells « Délettrer : code / compte »)

Exit codes: 0 done, 1 blocking alerts remain, 2 unusable input.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from reglo.addin.entrypoints.commands._common import parse_now
from reglo.addin.shell.errors import UserError

MAX_PRINTED = 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("letter", help="lettrage automatique d'un FEC : propositions, application, délettrage, auto-évaluation",
                       description="Lettrage automatique des comptes de tiers d'un FEC (par défaut 411 et 401) : propose, "
                                   "applique (--apply), défait (--undo…) ou s'auto-évalue (--evaluate).")
    p.add_argument("fec", metavar="FEC", help="fichier des écritures comptables")
    p.add_argument("--roots", default="411,401", metavar="411,401", help="racines des comptes à lettrer (défaut : 411,401)")
    p.add_argument("--k", type=int, default=6, metavar="K", help="nombre maximal de lignes d'un côté d'une combinaison (défaut : 6)")
    p.add_argument("--tolerance", default="0", metavar="1,00", help="écart de règlement accepté, passé en 658/758 par une OD proposée (défaut : 0)")
    p.add_argument("--window", type=int, default=400, metavar="JOURS", help="écart maximal de dates dans un groupe (défaut : 400 jours)")
    p.add_argument("--budget", type=int, default=50_000, metavar="N", help="budget de recherche de combinaisons par compte (défaut : 50 000)")
    p.add_argument("--charge-account", default="658000", metavar="COMPTE", help="compte des écarts en charge (défaut : 658000)")
    p.add_argument("--income-account", default="758000", metavar="COMPTE", help="compte des écarts en produit (défaut : 758000)")
    p.add_argument("--journal", default="OD", metavar="CODE", help="journal des écritures d'écart (défaut : OD)")
    p.add_argument("--reletter", action="store_true", help="remettre en jeu les lettrages complets existants (jamais par défaut)")
    p.add_argument("--xlsx", metavar="PROPOSITIONS", help="écrire les propositions dans ce classeur (feuille « Propositions de lettrage »)")
    p.add_argument("--apply", action="store_true", help="appliquer les propositions non ambiguës au FEC")
    p.add_argument("--from-xlsx", metavar="PROPOSITIONS", help="appliquer les propositions laissées à « Oui » dans ce classeur")
    p.add_argument("--out", metavar="FICHIER", help="FEC à écrire (par défaut : le FEC lui-même, remplacé atomiquement)")
    p.add_argument("--lettered-on", metavar="AAAA-MM-JJ", help="DateLet des lettrages appliqués (défaut : date de la dernière ligne du groupe)")
    p.add_argument("--now", default=None, metavar="AAAA-MM-JJTHH:MM:SS",
                   help="date et heure du lancement, pour son numéro et le journal de lettrage (par défaut : maintenant)")
    p.add_argument("--evaluate", action="store_true", help="retirer les lettres existantes en mémoire, relettrer et comparer (précision, rappel)")
    undo = p.add_mutually_exclusive_group()
    undo.add_argument("--undo", metavar="CODE", help="délettrer ce code (dans tous les comptes, ou celui de --account)")
    undo.add_argument("--undo-account", metavar="COMPTE", help="délettrer tout le compte (auxiliaire, sinon général)")
    undo.add_argument("--undo-run", metavar="RUN", help="défaire exactement un lancement (voir le journal <FEC>.lettrage.json)")
    undo.add_argument("--undo-last", action="store_true", help="défaire le dernier lancement")
    undo.add_argument("--undo-from-xlsx", metavar="PROPOSITIONS", help="comme le bouton « Délettrer » : le code et/ou le compte saisis dans "
                                                                       "« Délettrer : code / compte » de ce classeur, sinon le dernier lancement")
    p.add_argument("--account", metavar="COMPTE", help="avec --undo : limiter au compte")
    p.set_defaults(func=run)


def _options(args: argparse.Namespace):
    from reglo.addin.shell.lettering import parse_roots, parse_tolerance
    from reglo.core.lettering import LetteringOptions

    if not 1 <= args.k <= 12:
        raise UserError(f"--k {args.k} invalide : entre 1 et 12 lignes.")
    if args.window < 0 or args.budget < 0:
        raise UserError("--window et --budget sont des nombres positifs.")
    return LetteringOptions(roots=parse_roots(args.roots), k=args.k, tolerance=parse_tolerance(args.tolerance), date_window_days=args.window,
                            budget=args.budget, write_off_charge_account=args.charge_account, write_off_income_account=args.income_account,
                            write_off_journal=args.journal, reletter=args.reletter)


def _lettered_on(args: argparse.Namespace) -> date | None:
    if not args.lettered_on:
        return None
    try:
        return date.fromisoformat(args.lettered_on)
    except ValueError as exc:
        raise UserError(f"Date --lettered-on invalide « {args.lettered_on} » : format AAAA-MM-JJ attendu.") from exc


def _print_alerts(alerts) -> None:
    from reglo.core.alerts import summary_fr

    if not alerts:
        return
    print(summary_fr(alerts))
    for a in alerts[:MAX_PRINTED]:
        print(f"  {a}")
    if len(alerts) > MAX_PRINTED:
        print(f"  … et {len(alerts) - MAX_PRINTED} autre(s)")


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %".replace(".", ",")


def print_evaluation(ev) -> None:
    from reglo.core.lettering import RULE_LABELS, Rule

    print(f"Auto-évaluation : {ev.original_groups} lettrages d'origine ({ev.original_pairs} paires de lignes)"
          + (f", {ev.ignored_original_groups} écarté(s) car douteux" if ev.ignored_original_groups else ""))
    print(f"  groupes entiers retrouvés : {ev.exact_groups}/{ev.original_groups} (rappel {_pct(ev.group_recall)}), "
          f"précision {_pct(ev.group_precision)} sur {ev.proposed_groups} groupe(s) proposé(s)")
    print(f"  paires : rappel {_pct(ev.pair_recall)}, précision {_pct(ev.pair_precision)} ({ev.correct_pairs}/{ev.proposed_pairs})")
    print(f"  montants uniques 1-1 : {ev.unique_exact_originals} groupe(s), {ev.unique_exact_wrong} mal regroupé(s)")
    print(f"  ambigus (non appliqués) : {ev.ambiguous_groups} ; partiels : {ev.partial_groups}")
    print("  par règle :")
    for s in ev.per_rule:
        if s.groups:
            print(f"    {RULE_LABELS[Rule(s.rule)]:<16} {s.groups:>6} groupe(s), exacts {_pct(s.group_precision)}, paires justes {_pct(s.pair_precision)}")
    bands = [b for b in getattr(ev, "per_band", ()) if b.groups]
    if bands:
        print("  par tranche de score (toutes les propositions complètes, appliquées ou non) :")
        for b in bands:
            print(f"    score {b.low:>3}–{b.high:<3} {b.groups:>6} groupe(s) dont {b.applied} appliqué(s), exacts {_pct(b.group_precision)}, "
                  f"paires justes {_pct(b.pair_precision)}")


def _on_book(path_arg: str, action):
    """Run ``action(book)`` on the proposals workbook at ``path_arg`` and save it (atomically)."""
    from reglo.addin.backends.sheets import FileWorkbook, WorkbookError

    path = Path(path_arg)
    if not path.exists():
        raise UserError(f"Classeur introuvable : {path}.")
    try:
        book = FileWorkbook(path)
        outcome = action(book)
        book.save()
    except WorkbookError as exc:
        raise UserError(str(exc)) from exc
    return outcome


def _report(outcome) -> int:
    """Print an outcome's French summary and alerts; exit 1 when blocking alerts remain."""
    from reglo.core.alerts import has_blocking

    print("\n".join(outcome.summary))
    _print_alerts(outcome.alerts)
    return 1 if has_blocking(outcome.alerts) else 0


def run(args: argparse.Namespace) -> int:
    from reglo.addin.shell import lettering as al
    from reglo.addin.backends.sheets import FileWorkbook, WorkbookError
    from reglo.core.alerts import has_blocking
    from reglo.core.lettering import apply_lettering, evaluate_lettering, propose_lettering
    from reglo.addin.shell.kernels import search_options
    from reglo.core.gc_pause import frozen_heap

    fec = Path(args.fec)
    now = (parse_now(args.now) or datetime.now()).replace(microsecond=0)
    # délettrage
    if args.undo_from_xlsx:
        return _report(_on_book(args.undo_from_xlsx, lambda book: al.undo_from_book(book, fec)))
    if args.undo or args.undo_account or args.undo_run or args.undo_last:
        outcome = al.undo_on_file(fec, code=args.undo, account=args.account if args.undo else args.undo_account,
                                  run_id=args.undo_run, last=args.undo_last, out_path=args.out)
        return _report(outcome)
    options = _options(args)
    if args.from_xlsx:
        return _report(_on_book(args.from_xlsx, lambda book: al.apply_from_book(book, fec_path=fec, out_path=args.out, now=now, lettered_on=_lettered_on(args))))
    bar = al.StageProgress()  # stderr, on a terminal only: a 1,000,000-line FEC takes some seconds
    bar("lecture du FEC", 0, 1)
    try:
        raw, ledger = al.read_fec_once(fec)  # --apply rewrites these very bytes (hash checked at the commit)
    except BaseException:
        bar.close()
        raise
    bar("lecture du FEC", 1, 1)
    bar.close()
    if args.evaluate:
        with bar:
            ev, proposal = evaluate_lettering(ledger.frame, options, progress=bar)
        print("\n".join(al.summary_lines(proposal)))
        print_evaluation(ev)
        _print_alerts(list(proposal.alerts))
        return 0
    if args.apply:
        refusal = al.rewrite_refusal(ledger, fec, Path(args.out or fec))
        if refusal is not None:  # values Reglo could not read: never rewritten in place
            print(f"{fec.name} : rien n'a été écrit.")
            _print_alerts([refusal])
            return 1
    try:
        proposal = propose_lettering(ledger.frame, options, progress=bar, **search_options(len(ledger.frame)))
    finally:
        bar.close()
    print(f"{fec.name} : " + "\n".join(al.summary_lines(proposal)))
    alerts = list(proposal.alerts)
    if ledger.alerts:  # the FEC's own quality is « reglo fec check »'s job: counted, not repeated
        from reglo.core.alerts import summary_fr

        print(f"Lecture du FEC : {summary_fr(ledger.alerts)} (détail : reglo fec check {fec.name}) ; le lettrage porte sur les lignes lues.")
    if args.xlsx:
        try:
            book = FileWorkbook(args.xlsx, create=not Path(args.xlsx).exists())
            al.write_proposals(book, proposal, ledger.frame, options, fec)
            book.save()
        except WorkbookError as exc:
            raise UserError(str(exc)) from exc
        print(f"Propositions écrites : {args.xlsx} (feuille « {al.SHEET} »)")
    if args.apply:
        target = Path(args.out or fec)
        runs, raw_journal = al.load_journal(target)
        run_id = al.new_run_id(runs, now)
        with bar, frozen_heap():
            bar("application", 0, 1)
            result = apply_lettering(ledger.frame, proposal, run_id=run_id, created_at=now.isoformat(timespec="seconds"), lettered_on=_lettered_on(args))
            bar("application", 1, 1)
            if result.run.groups:
                bar("écriture du FEC", 0, 1)
                plan = al.plan_apply(raw, ledger, result.frame, result.run, runs, raw_journal, fec, target)
                al.commit_ledger(plan, reference=f"lettrage {target.name} {run_id}", now=now)
                bar("écriture du FEC", 1, 1)
        alerts += result.alerts
        if result.run.groups:
            n_lines = sum(len(g.rows) for g in result.run.groups)
            print(f"{len(result.run.groups)} lettrage(s) appliqué(s) ({n_lines} lignes), lancement {run_id} : {target} ; "
                  f"journal {al.journal_path(target).name}")
            print(f"Seuls EcritureLet et DateLet ont changé (SHA-256 avant {plan.run_info['before']}, après {plan.run_info['after']}) ; "
                  f"reglo letter \"{target.name}\" --undo-last rend le fichier d'origine à l'octet près.")
        else:
            print("Aucun lettrage appliqué.")
    elif not args.xlsx:
        print("(propositions seulement : --apply pour les appliquer, --xlsx pour les revoir dans Excel)")
    _print_alerts(alerts)
    sys.stdout.flush()
    return 1 if has_blocking(alerts) else 0
