"""``reglo demo [--out DIR]``: write the demo dossier and run every workflow on it.

Runs the steps of ``reglo.addin.entrypoints.demo_steps`` in ``ORDER`` (the dossier first), prints a French
summary. A failing step is reported (in French, through the edge handler) and the others still
run; it counts as a blocking problem (exit 1) so that CI notices. Exit codes: 0 nothing
blocking, 1 blocking alerts left (or a step failed), 2 the dossier itself could not be written.

The demo owns its output folder and is repeatable: every file and folder it creates is listed
in a manifest (``MANIFEST``) written at the end of the run. A later run into the same folder
first deletes exactly those files (register, journal, workbooks, bank files, FECs of the
previous demo run) and says so; any other file of the folder is left alone. A folder holding a
Reglo dossier or register that the demo did not write is refused: the demo never writes over
a user's dossier.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from reglo.addin.entrypoints.commands._common import output_folder
from reglo.addin.shell.errors import UserError, user_message

DEFAULT_OUT = "reglo_demo"
TITLE = "Reglo — dossier de démonstration"
MANIFEST = ".reglo-demo.json"
KEEP = {MANIFEST, "reglo-erreurs.log"}  # never listed: the manifest itself and the error log


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="écrire le dossier de démonstration et y exécuter tous les traitements",
        description=(
            "Génère le dossier de démonstration (Batiroc Construction SAS, exercice 2025 : "
            "dossier.xlsx, FEC, registre des paiements) puis exécute chaque traitement disponible "
            "sur ce dossier et affiche un résumé. Relancée dans le même dossier, la démonstration "
            "remet d'abord à zéro ce qu'elle y avait écrit (registre, classeurs, fichiers bancaires, "
            "FEC) et donne les mêmes résultats ; vos autres fichiers ne sont pas touchés."
        ),
    )
    p.add_argument("--out", metavar="DOSSIER", default=DEFAULT_OUT, help=f"dossier de sortie (par défaut : {DEFAULT_OUT})")
    p.set_defaults(func=run)


def _step_name(module) -> str:
    return getattr(module, "TITLE", None) or module.__name__.rsplit(".", 1)[-1]


# ---------------------------------------------------------------------------
# the manifest: what the demo wrote, so that a re-run resets exactly that
# ---------------------------------------------------------------------------

def _tree(folder: Path) -> tuple[set[str], set[str]]:
    """Relative POSIX paths of the files and folders under ``folder``."""
    files, dirs = set(), set()
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).as_posix()
        if p.is_dir() and not p.is_symlink():
            dirs.add(rel)
        else:
            files.add(rel)
    return files, dirs


def _inside(folder: Path, rel: str) -> Path | None:
    """``folder/rel`` when ``rel`` is a plain relative path that stays in ``folder``."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in rel.split("/")):
        return None
    return folder / rel


def read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path} est illisible : la démonstration ne sait plus quels fichiers elle a écrits dans {folder}. "
                        "Choisissez un autre dossier (--out) ou videz celui-ci.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), list) or not isinstance(data.get("dirs", []), list):
        raise UserError(f"{path} n'est pas un manifeste de démonstration Reglo : choisissez un autre dossier (--out).")
    return data


def write_manifest(folder: Path, files: set[str], dirs: set[str]) -> None:
    from reglo.addin.backends.sheets import atomic_write

    text = json.dumps({"version": 1, "files": sorted(files - KEEP), "dirs": sorted(dirs)}, ensure_ascii=False, indent=1)
    (folder / MANIFEST).unlink(missing_ok=True)  # atomic_write never overwrites
    atomic_write(folder / MANIFEST, text.encode("utf-8"))


def _kind(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1].lower()
    if name.startswith("reglo-registre"):
        return "registre"
    if name.endswith(".xlsx"):
        return "classeur"
    if name.endswith(".xml"):
        return "fichier bancaire"
    if "fec" in name or "ecritures" in name or "écritures" in name or "reglements_clients" in name:
        return "écritures"
    return "autre"


def reset(folder: Path) -> list[str]:
    """Delete what the previous demo run wrote (as listed in its manifest); French lines saying what."""
    manifest = read_manifest(folder)
    if manifest is None:
        _refuse_foreign_dossier(folder)
        return []
    removed: dict[str, int] = {}
    for rel in manifest["files"]:
        path = _inside(folder, rel)
        if path is None or rel in KEEP:
            continue
        if path.is_file() or path.is_symlink():
            try:
                path.unlink()
            except OSError as exc:
                raise UserError(f"Impossible de supprimer {path} de la démonstration précédente ({exc.strerror or exc}) : "
                                "fermez-le s'il est ouvert dans Excel, puis relancez.") from exc
            removed[_kind(rel)] = removed.get(_kind(rel), 0) + 1
    for rel in sorted(manifest.get("dirs", []), key=lambda r: -r.count("/")):  # deepest first, only when empty
        path = _inside(folder, rel)
        if path is not None and path.is_dir():
            try:
                path.rmdir()
            except OSError:
                pass  # something else lives there: kept
    (folder / MANIFEST).unlink(missing_ok=True)
    if not removed:
        return []
    labels = {"registre": "registre des règlements ({n} fichier(s))", "classeur": "{n} classeur(s)", "fichier bancaire": "{n} fichier(s) bancaire(s)",
              "écritures": "{n} fichier(s) d'écritures (FEC)", "autre": "{n} autre(s) fichier(s)"}
    parts = [labels[k].format(n=removed[k]) for k in labels if k in removed]
    return [f"Démo réinitialisée : {', '.join(parts)} de la démonstration précédente supprimés ; vos autres fichiers sont conservés."]


OWN_NAMES = ("WORKBOOK", "FILE_NAME", "LEDGER_WORKBOOK", "REIMPORT_WORKBOOK", "FOLDER")  # what each step declares it writes


def demo_names() -> list[str]:
    """Names the demo writes at the top of its folder (dossier, register, each step's workbook)."""
    import importlib
    import pkgutil

    import reglo.addin.entrypoints.demo_steps as pkg
    from reglo.addin.shell.dossier import DOSSIER_FILE
    from reglo.addin.shell.register import REGISTER_FILE

    names = [DOSSIER_FILE, REGISTER_FILE]
    for info in pkgutil.iter_modules(pkg.__path__):  # every step module, whichever steps this run executes
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        names += [v for v in (getattr(module, a, None) for a in OWN_NAMES) if isinstance(v, str) and v]
    return names


def _refuse_foreign_dossier(folder: Path) -> None:
    """Without a manifest, a file the demo would write is the user's: refused, never replaced."""
    found = [n for n in demo_names() if (folder / n).exists()]
    if found:
        raise UserError(f"{folder} contient déjà des fichiers que la démonstration n'a pas écrits ({', '.join(found)}) : "
                        "elle ne les remplace pas. Choisissez un dossier vide, par exemple --out reglo_demo "
                        "(ou supprimez ce dossier s'il s'agit d'une ancienne démonstration).")


def refuse_shared_register(folder: Path) -> None:
    """The demo writes, resets and deletes its register as a local SQLite file of its folder: it
    never touches a shared server, so it refuses to run when one is configured for this
    session (``REGLO_REGISTER_URL``) or when the folder points to one (``reglo-registre.json``)."""
    import os

    from reglo.addin.shell.registry.config import ENV_URL, POINTER_FILE

    if (os.environ.get(ENV_URL) or "").strip():
        raise UserError(f"La démonstration n'utilise que le registre local (fichier SQLite de son dossier) et ne touche jamais un registre partagé : "
                        f"la variable {ENV_URL} est définie dans cette session. Relancez « reglo demo » dans une session où elle n'est pas définie "
                        f"(par exemple : {ENV_URL}= reglo demo).")
    if (folder / POINTER_FILE).exists():
        raise UserError(f"{folder} est relié à un registre partagé ({POINTER_FILE}) : la démonstration ne touche jamais un serveur partagé. "
                        "Choisissez un autre dossier (--out).")


def run(args: argparse.Namespace, *, out=None) -> int:
    from reglo.addin.entrypoints.demo_steps import DemoContext, steps

    out = out or sys.stdout
    folder = output_folder(args.out)
    refuse_shared_register(folder)  # before anything is created, reset or deleted
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"Impossible de créer le dossier {folder} ({exc.strerror or exc}).") from exc
    reset_lines = reset(folder)
    before_files, before_dirs = _tree(folder)
    ctx = DemoContext(out_dir=folder)
    print(f"{TITLE} → {folder.resolve()}", file=out)
    for line in reset_lines:
        print(f"  {line}", file=out)
    try:
        return _run_steps(ctx, steps(), folder, out)
    finally:  # even after a failed step: what was written is the demo's, and the next run resets it
        after_files, after_dirs = _tree(folder)
        try:
            write_manifest(folder, after_files - before_files, after_dirs - before_dirs)
        except OSError as exc:
            print(f"  Impossible d'écrire {folder / MANIFEST} ({exc.strerror or exc}) : la prochaine démonstration ne pourra pas remettre ce dossier à zéro.", file=out)


def _run_steps(ctx, modules, folder: Path, out) -> int:
    failed: list[str] = []
    for module in modules:  # each step's lines are printed as soon as it ends: that is the progress
        started = time.monotonic()
        try:
            lines = module.run(ctx) or []
        except Exception as exc:  # a step's bug must not hide the other steps
            logging.getLogger("reglo").exception("étape de démonstration %s", module.__name__)
            name = _step_name(module)
            failed.append(name)
            print(f"  ✗ Étape « {name} » en échec : {user_message(exc, dossier=folder)}", file=out)
            if getattr(module, "ORDER", None) == 0:
                print("Le dossier de démonstration n'a pas pu être écrit : les autres étapes ne peuvent pas s'exécuter.", file=out)
                return 2
            ctx.blocking += 1
            continue
        for line in lines:
            print(f"  {line}", file=out)
        logging.getLogger("reglo").info("demo step %s: %.1f s", module.__name__, time.monotonic() - started)
    if failed:
        print(f"Étapes en échec : {', '.join(failed)}.", file=out)
    if ctx.blocking:
        print(f"Résultat : {ctx.blocking} alerte(s) bloquante(s) ou étape(s) en échec.", file=out)
        return 1
    print("Résultat : aucune alerte bloquante.", file=out)
    return 0
