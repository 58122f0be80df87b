"""``reglo addin doctor``: is this computer ready to run the Reglo ribbon in Excel?

Each check gives one French line: « OK : … », « À corriger : … » (with what to do) or
« Info : … ». Paths follow what xlwings uses: the user's XLSTART folder (where
``xlwings addin install`` copies add-ins), the add-ins folder of Fichier > Options >
Compléments, and the add-in's own configuration file (``reglo.conf``: the add-in embeds
xlwings' VBA with the project name ``reglo``, see ``addin/xlam/build.py``).
"""
from __future__ import annotations

import importlib
import os
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from reglo.addin.xlam.build import CONFIG_NAME, XLAM_NAME

OK, FIX, INFO = "OK", "À corriger", "Info"
MIN_PYTHON = (3, 11)
MIN_XLWINGS = (0, 33)


@dataclass(frozen=True)
class Check:
    status: str  # OK, FIX or INFO
    text: str

    def __str__(self) -> str:
        return f"{self.status} : {self.text}"


@dataclass(frozen=True)
class Machine:
    """What the checks look at (injected in tests)."""

    platform: str
    home: Path
    env: Mapping[str, str]
    executable: str
    version: tuple[int, int, int]

    @classmethod
    def current(cls) -> "Machine":
        return cls(sys.platform, Path.home(), dict(os.environ), sys.executable, tuple(sys.version_info[:3]))

    @property
    def is_windows(self) -> bool:
        return self.platform.startswith("win")

    @property
    def is_mac(self) -> bool:
        return self.platform == "darwin"

    def addin_dirs(self) -> list[Path]:
        """Folders Excel loads add-ins from, most usual first."""
        if self.is_windows:
            appdata = Path(self.env.get("APPDATA") or self.home / "AppData" / "Roaming")
            return [appdata / "Microsoft" / "Excel" / "XLSTART", appdata / "Microsoft" / "AddIns"]
        if self.is_mac:
            group = self.home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content.localized"
            return [group / "Startup.localized" / "Excel", group / "Add-Ins.localized"]
        return []

    def config_file(self) -> Path:
        """The add-in's user configuration file (GetConfigFilePath in xlwings' VBA)."""
        if self.is_mac:
            return self.home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{CONFIG_NAME}.conf"
        profile = Path(self.env.get("USERPROFILE") or self.home)
        return profile / f".{CONFIG_NAME}" / f"{CONFIG_NAME}.conf"


def read_config(path: Path) -> dict[str, str]:
    """``"KEY","value"`` lines of an xlwings configuration file (keys upper-cased)."""
    config = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        values = re.findall(r'"([^"]*)"', line)
        if len(values) >= 2:
            config[values[0].upper()] = values[1]
    return config


def run_checks(machine: Machine | None = None) -> list[Check]:
    m = machine or Machine.current()
    checks = [_python(m), _xlwings()]
    checks += _reglo_package()
    checks += _addin(m)
    checks += _config(m)
    return checks


def _python(m: Machine) -> Check:
    version = ".".join(map(str, m.version))
    if m.version[:2] < MIN_PYTHON:
        return Check(FIX, f"Python {version} ({m.executable}) : Reglo demande Python 3.11 ou plus récent. Installez-le depuis python.org puis « pip install reglo ».")
    return Check(OK, f"Python {version} ({m.executable})")


def _xlwings() -> Check:
    try:
        import xlwings
    except Exception as exc:  # noqa: BLE001
        return Check(FIX, f"xlwings n'est pas importable ({exc}) : « pip install xlwings ».")
    version = tuple(int(p) for p in re.findall(r"\d+", xlwings.__version__)[:2])
    if version < MIN_XLWINGS:
        return Check(FIX, f"xlwings {xlwings.__version__} est trop ancien : « pip install -U xlwings » (0.33 ou plus récent).")
    return Check(OK, f"xlwings {xlwings.__version__} ({Path(xlwings.__file__).parent})")


def _reglo_package() -> list[Check]:
    try:
        ribbon = importlib.import_module("reglo.addin.entrypoints.ribbon")
        handlers = importlib.import_module("reglo.addin.entrypoints.handlers").load_all()
    except Exception as exc:  # noqa: BLE001
        return [Check(FIX, f"le paquet reglo n'est pas importable par ce Python ({type(exc).__name__} : {exc}) : « pip install reglo » dans l'interpréteur configuré pour Excel.")]
    where = Path(ribbon.__file__).resolve().parent.parent
    return [Check(OK, f"paquet reglo importable depuis {where} ({len(handlers)} bouton{'s' if len(handlers) > 1 else ''} dans le ruban)")]


def _addin(m: Machine) -> list[Check]:
    if not (m.is_windows or m.is_mac):
        return [Check(INFO, f"Excel n'existe pas sous {m.platform} : rien à installer ici. Construisez le complément avec « reglo addin build --out DOSSIER », puis copiez {XLAM_NAME} sur le poste Windows dans %APPDATA%\\Microsoft\\Excel\\XLSTART (ou lancez « xlwings addin install --file {XLAM_NAME} » sur ce poste).")]
    found = [d / XLAM_NAME for d in m.addin_dirs() if (d / XLAM_NAME).is_file()]
    if not found:
        target = m.addin_dirs()[0] / XLAM_NAME
        return [Check(FIX, f"complément {XLAM_NAME} absent. Lancez « reglo addin build --out . » puis « xlwings addin install --file {XLAM_NAME} » (ou copiez-le dans {target}), et redémarrez Excel.")]
    checks = [Check(OK, f"complément installé : {found[0]}")]
    if len(found) > 1:
        checks.append(Check(FIX, f"complément présent deux fois ({found[0]} et {found[1]}) : Excel chargerait deux onglets Reglo. Supprimez l'une des copies."))
    checks += _addin_content(found[0], m)
    return checks


def _addin_content(path: Path, m: Machine) -> list[Check]:
    from reglo.addin.entrypoints.handlers import load_all
    from reglo.addin.xlam.vbaproject import VbaProject

    checks = []
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("customUI/customUI.xml").decode("utf-8")
            project = VbaProject(z.read("xl/vbaProject.bin"))
        embedded = re.search(r"'Version: ([0-9][^\s]*)", project.module_source("xlwings"))
    except Exception as exc:  # noqa: BLE001
        return [Check(FIX, f"{path} est illisible (archive ou projet VBA endommagé) : reconstruisez-le avec « reglo addin build ».")]
    import xlwings

    if embedded and embedded.group(1) != xlwings.__version__:
        checks.append(Check(FIX, f"le complément contient le code VBA d'xlwings {embedded.group(1)} mais Python a xlwings {xlwings.__version__} : reconstruisez le complément (« reglo addin build ») après chaque mise à jour d'xlwings."))
    from reglo.addin.xlam.customui import handler_of

    tags = {handler_of(tag) for tag in re.findall(r'tag="([^"]*)"', xml)} - {""}
    try:
        missing = sorted(tags - set(load_all()))
    except Exception:  # noqa: BLE001 (reported by the package check)
        missing = []
    if missing:
        checks.append(Check(FIX, f"le ruban installé a des boutons inconnus de ce paquet reglo ({', '.join(missing)}) : complément et paquet de versions différentes, reconstruisez le complément."))
    if not checks:
        checks.append(Check(OK, f"complément cohérent avec ce paquet ({len(tags)} boutons, xlwings {xlwings.__version__})"))
    if m.is_windows and _is_blocked(path):
        checks.append(Check(FIX, f"{path.name} vient d'Internet et Windows le bloque : clic droit > Propriétés > cocher « Débloquer » > OK, puis redémarrez Excel."))
    return checks


def _is_blocked(path: Path) -> bool:
    """Windows marks downloaded files with a Zone.Identifier alternate data stream."""
    try:
        with open(f"{path}:Zone.Identifier", encoding="utf-8", errors="replace") as f:
            zone = f.read()
    except OSError:
        return False
    return "ZoneId=3" in zone or "ZoneId=4" in zone


def _config(m: Machine) -> list[Check]:
    if not (m.is_windows or m.is_mac):
        return [Check(INFO, f"configuration du complément sur le poste Windows : {m.config_file().name} dans %USERPROFILE%\\.{CONFIG_NAME}\\ (clés \"INTERPRETER_WIN\" et, si besoin, \"PYTHONPATH\").")]
    key = "INTERPRETER_MAC" if m.is_mac else "INTERPRETER_WIN"
    path = m.config_file()
    config = read_config(path) if path.is_file() else {}
    checks = []
    interpreter = config.get(key) or config.get("INTERPRETER")
    suggestion = _suggested_interpreter(m)
    if interpreter:
        expanded = os.path.expandvars(interpreter)
        if Path(expanded).is_file():
            checks.append(Check(OK, f"interpréteur utilisé par Excel ({path}) : {expanded}"))
        else:
            checks.append(Check(FIX, f"l'interpréteur configuré dans {path} n'existe pas : {expanded}. Remplacez la ligne par \"{key}\",\"{suggestion}\"."))
    elif m.is_windows and shutil.which("pythonw", path=m.env.get("PATH")):
        checks.append(Check(OK, f"aucun interpréteur configuré : Excel utilisera pythonw du PATH ({shutil.which('pythonw', path=m.env.get('PATH'))}). Pour choisir celui-ci, ajoutez \"{key}\",\"{suggestion}\" dans {path}."))
    else:
        checks.append(Check(FIX, f"aucun interpréteur Python configuré pour Excel : créez {path} avec la ligne \"{key}\",\"{suggestion}\"."))
    pythonpath = config.get("PYTHONPATH")
    if pythonpath:
        missing = [p for p in pythonpath.split(";") if p and not Path(os.path.expandvars(p)).exists()]
        if missing:
            checks.append(Check(FIX, f"PYTHONPATH de {path} : dossier(s) introuvable(s) {', '.join(missing)}. Corrigez ou supprimez la ligne (inutile quand reglo est installé par pip)."))
        else:
            checks.append(Check(OK, f"PYTHONPATH : {pythonpath}"))
    xlwings_conf = Path(m.env.get("USERPROFILE") or m.home) / ".xlwings" / "xlwings.conf"
    if not config and xlwings_conf.is_file() and key in read_config(xlwings_conf):
        checks.append(Check(INFO, f"{xlwings_conf} règle l'interpréteur du complément xlwings, pas celui de Reglo : recopiez la ligne {key} dans {path}."))
    return checks


def _suggested_interpreter(m: Machine) -> str:
    exe = Path(m.executable)
    if m.is_windows and exe.name.lower() == "python.exe" and (exe.parent / "pythonw.exe").is_file():
        return str(exe.parent / "pythonw.exe")
    return str(exe)


def report(checks: list[Check]) -> tuple[str, int]:
    """The text printed by the command and its exit code (1 if anything is to fix)."""
    lines = [str(c) for c in checks]
    to_fix = sum(c.status == FIX for c in checks)
    lines.append("")
    lines.append("Tout est prêt." if not to_fix else f"{to_fix} point{'s' if to_fix > 1 else ''} à corriger.")
    return "\n".join(lines), 1 if to_fix else 0
