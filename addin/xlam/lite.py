"""xlwings Lite entry points (``addin/entrypoints/lite/main.py`` and ``requirements.txt``), generated.

xlwings Lite lists the ``@script`` functions of the ``main.py`` pasted in its task pane.
One script per registered handler, in ribbon order, each calling :func:`reglo.addin.entrypoints.ribbon.run`
(the same boundary as the desktop ribbon: French message box, never a traceback). The
file is generated rather than built dynamically so that the user pastes plain readable
code; a test checks the committed files equal :func:`render_main` /
:func:`render_requirements` (``reglo addin customui`` rewrites them).
"""
from __future__ import annotations

import keyword
import re
from pathlib import Path
from typing import Mapping

from reglo.addin.entrypoints.handlers import GROUPS, HandlerInfo, load_all

LITE_DIR = Path(__file__).resolve().parent.parent / "entrypoints" / "lite"
MAIN_PATH = LITE_DIR / "main.py"
REQUIREMENTS_PATH = LITE_DIR / "requirements.txt"
_RESERVED = {"run", "script", "xw"}

# xlwings Lite installs Reglo from one requirements line: the pure-Python wheel of this
# package (``py3-none-any``); micropip then installs its dependencies, whose markers leave out
# what has no WebAssembly build (python-calamine, psycopg: desktop only). A test checks every
# dependency against the lock file of the Pyodide release xlwings Lite runs.
PYODIDE_VERSION = "0.27.5"


def requirement_line() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"reglo=={version('reglo')}"
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "reglo"


def function_name(tag: str) -> str:
    name = re.sub(r"\W", "_", tag, flags=re.ASCII)
    if not name or name[0].isdigit() or keyword.iskeyword(name) or name in _RESERVED:
        name = f"bouton_{name}"
    return name


def ordered(handlers: Mapping[str, HandlerInfo]) -> list[HandlerInfo]:
    return sorted(handlers.values(), key=lambda h: (GROUPS.index(h.group), h.order, h.tag))


def script_names(handlers: Mapping[str, HandlerInfo]) -> dict[str, str]:
    """tag → the script's name in xlwings Lite: the button's label, with its ribbon group when
    two buttons share a label (« Importer » exists in two groups)."""
    infos = ordered(handlers)
    counts: dict[str, int] = {}
    for info in infos:
        counts[info.label] = counts.get(info.label, 0) + 1
    return {info.tag: info.label if counts[info.label] == 1 else f"{info.label} ({info.group})" for info in infos}


def render_main(handlers: Mapping[str, HandlerInfo] | None = None) -> str:
    handlers = load_all() if handlers is None else handlers
    names = script_names(handlers)
    lines = [
        '"""Reglo dans xlwings Lite : un script par bouton de l\'onglet « Reglo ».',
        "",
        "Fichier généré par « reglo addin customui » : ne pas le modifier à la main.",
        "Collez-le dans l'onglet main.py d'xlwings Lite, et requirements.txt dans l'onglet",
        "requirements.txt. Chaque script lance le même traitement que le bouton du ruban ;",
        "dans le navigateur, les boutons qui ont besoin du dossier (FEC, registre) disent",
        "pourquoi il faut le complément de bureau.",
        '"""',
        "import xlwings as xw",
        "from xlwings import script",
        "",
        "from reglo.addin.entrypoints.ribbon import run",
    ]
    for info in ordered(handlers):
        label = names[info.tag].replace("\\", "\\\\").replace('"', '\\"')
        lines += [
            "",
            "",
            f'@script(name="{label}")',
            f"def {function_name(info.tag)}(book: xw.Book):",
            f'    """{info.group} : {info.label}{"" if info.browser else " (complément de bureau)"}."""',
            f'    run("{info.tag}", book)',
        ]
    return "\n".join(lines) + "\n"


def render_requirements() -> str:
    lines = [
        "# Reglo dans xlwings Lite : une seule ligne installe Reglo et ses dépendances.",
        "# Tant que Reglo n'est pas publié sur PyPI, remplacez-la par l'adresse HTTPS de la roue",
        "# reglo-<version>-py3-none-any.whl (voir docs/installation.md, « xlwings Lite »).",
        requirement_line(),
    ]
    return "\n".join(lines) + "\n"


def write() -> list[Path]:
    from reglo.addin.backends.sheets import atomic_write

    atomic_write(MAIN_PATH, render_main().encode("utf-8"))
    atomic_write(REQUIREMENTS_PATH, render_requirements().encode("utf-8"))
    return [MAIN_PATH, REQUIREMENTS_PATH]
