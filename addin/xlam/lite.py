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

# What Pyodide must install for the handlers. python-calamine is left out: it has no
# WebAssembly build and only the command line (large files on disk) uses it.
LITE_PACKAGES = ("xlwings", "pandas", "pyarrow", "lxml", "pydantic", "openpyxl", "schwifty", "python-stdnum")
WHEEL_NAME = "reglo-<version>-py3-none-any.whl"


def function_name(tag: str) -> str:
    name = re.sub(r"\W", "_", tag, flags=re.ASCII)
    if not name or name[0].isdigit() or keyword.iskeyword(name) or name in _RESERVED:
        name = f"bouton_{name}"
    return name


def ordered(handlers: Mapping[str, HandlerInfo]) -> list[HandlerInfo]:
    return sorted(handlers.values(), key=lambda h: (GROUPS.index(h.group), h.order, h.tag))


def render_main(handlers: Mapping[str, HandlerInfo] | None = None) -> str:
    handlers = load_all() if handlers is None else handlers
    lines = [
        '"""Reglo dans xlwings Lite : un script par bouton de l\'onglet « Reglo ».',
        "",
        "Fichier généré par « reglo addin customui » : ne pas le modifier à la main.",
        "Collez-le dans l'onglet main.py d'xlwings Lite, et requirements.txt dans l'onglet",
        "requirements.txt. Chaque script lance le même traitement que le bouton du ruban.",
        '"""',
        "import xlwings as xw",
        "from xlwings import script",
        "",
        "from reglo.addin.entrypoints.ribbon import run",
    ]
    for info in ordered(handlers):
        label = info.label.replace("\\", "\\\\").replace('"', '\\"')
        lines += [
            "",
            "",
            f'@script(name="{label}")',
            f"def {function_name(info.tag)}(book: xw.Book):",
            f'    """{info.group} : {label}."""',
            f'    run("{info.tag}", book)',
        ]
    return "\n".join(lines) + "\n"


def render_requirements() -> str:
    lines = [
        "# Reglo dans xlwings Lite : paquets installés au chargement du classeur.",
        "# 1. La roue de Reglo : « python -m pip wheel . --no-deps -w dist » dans le dépôt, puis",
        "#    publiez dist/" + WHEEL_NAME + " sur un serveur HTTPS de votre cabinet",
        "#    (ou un index PyPI privé) et ajoutez son adresse sur une ligne, par exemple :",
        "#    https://outils.mon-cabinet.fr/reglo/" + WHEEL_NAME,
        "# 2. Les paquets dont Reglo a besoin (pandas, pyarrow, lxml et pydantic sont fournis par Pyodide) :",
    ]
    lines += list(LITE_PACKAGES)
    return "\n".join(lines) + "\n"


def write() -> list[Path]:
    from reglo.addin.backends.sheets import atomic_write

    atomic_write(MAIN_PATH, render_main().encode("utf-8"))
    atomic_write(REQUIREMENTS_PATH, render_requirements().encode("utf-8"))
    return [MAIN_PATH, REQUIREMENTS_PATH]
