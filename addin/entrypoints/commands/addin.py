"""``reglo addin build | doctor | customui``: the Excel add-in and its setup."""
from __future__ import annotations

import argparse
from pathlib import Path

from reglo.addin.entrypoints.commands._common import command_with_actions


def register(subparsers) -> None:
    sub = command_with_actions(
        subparsers,
        "addin",
        help="complément Excel : construire reglo.xlam, vérifier l'installation, régénérer le ruban",
        description="Complément Excel « Reglo » (onglet du ruban) et scripts xlwings Lite.",
        dest="addin_command",
    )

    build = sub.add_parser("build", help="construire reglo.xlam (fonctionne sous Linux, sans Excel)")
    build.add_argument("--out", default=".", metavar="DOSSIER", help="dossier de sortie (défaut : dossier courant)")
    build.set_defaults(func=_build)

    doctor = sub.add_parser("doctor", help="vérifier Python, xlwings, le complément installé et sa configuration")
    doctor.set_defaults(func=_doctor)

    customui = sub.add_parser(
        "customui",
        help="régénérer addin/xlam/customUI.xml et addin/entrypoints/lite/ (main.py, requirements.txt) depuis les traitements",
    )
    customui.add_argument("--check", action="store_true", help="ne rien écrire : code 1 si les fichiers ne sont pas à jour")
    customui.set_defaults(func=_customui)


def _build(args: argparse.Namespace) -> int:
    from reglo.addin.shell.errors import UserError
    from reglo.addin.xlam.build import BuildError, build

    try:
        result = build(Path(args.out))
    except BuildError as exc:
        raise UserError(str(exc)) from exc
    print(f"Complément écrit : {result.path} ({result.buttons} bouton{'s' if result.buttons > 1 else ''}, sha256 {result.sha256[:12]}…)")
    for group, labels in _ribbon_outline(result.path):
        print(f"  {group} : {', '.join(labels)}")
    if result.customui_stale:
        print("Attention : addin/xlam/customUI.xml n'est plus à jour avec les traitements ; lancez « reglo addin customui » puis reconstruisez.")
        return 1
    print("Installation : « xlwings addin install --file reglo.xlam » sur le poste Windows, ou voir docs/installation.md.")
    return 0


def _ribbon_outline(path: Path) -> list[tuple[str, list[str]]]:
    """(group label, button labels) of the ribbon inside the built add-in."""
    import zipfile

    from lxml import etree

    from reglo.addin.xlam.customui import NAMESPACE

    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("customUI/customUI.xml"))
    return [(g.get("label"), [b.get("label") for b in g.iter(f"{{{NAMESPACE}}}button")])
            for g in root.iter(f"{{{NAMESPACE}}}group")]


def _doctor(args: argparse.Namespace) -> int:
    from reglo.addin.xlam.doctor import report, run_checks

    text, code = report(run_checks())
    print(text)
    return code


def _customui(args: argparse.Namespace) -> int:
    from reglo.addin.xlam import customui, lite

    expected = {
        customui.CUSTOMUI_PATH: customui.render(),
        lite.MAIN_PATH: lite.render_main(),
        lite.REQUIREMENTS_PATH: lite.render_requirements(),
    }
    stale = [p for p, text in expected.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"À régénérer : {path}")
        print("Fichiers à jour." if not stale else "Lancez « reglo addin customui ».")
        return 1 if stale else 0
    customui.write()
    lite.write()
    for path in expected:
        print(f"{'Mis à jour' if path in stale else 'Inchangé'} : {path}")
    return 0
