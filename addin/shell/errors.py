"""User-facing errors and the log file (never a traceback in the user's face)."""
from __future__ import annotations

import logging
import os
from pathlib import Path


class UserError(Exception):
    """Unusable input: the message is French and says what to do. Exit code 2."""


def log_path() -> Path:
    base = os.environ.get("REGLO_LOG_DIR") or (Path.home() / ".reglo")
    return Path(base) / "reglo.log"


def _setup_logging() -> None:
    logger = logging.getLogger("reglo")
    if logger.handlers:
        return
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


_setup_logging()


# ---------------------------------------------------------------------------
# the edge handler: every exception that reaches an entry point becomes a French message
# ---------------------------------------------------------------------------

def _name(path: object) -> str:
    return str(path) if path else "le fichier"


def explain(exc: BaseException, *, file: object = None) -> str | None:
    """The French message for a known kind of failure (zip, XML, SQLite, PostgreSQL, openpyxl,
    pydantic, OS errors), naming the file and what to do; ``None`` for an unknown one (a bug).

    Library texts (English) and class names never reach the user."""
    import sqlite3
    import zipfile
    from xml.etree.ElementTree import ParseError
    from xml.parsers.expat import ExpatError

    if isinstance(exc, UserError):
        return str(exc)
    known_user_errors: tuple[type, ...] = ()
    try:
        from reglo.addin.backends.base import WorkbookError

        known_user_errors += (WorkbookError,)
    except ImportError:  # pragma: no cover
        pass
    # the register's errors (reglo.addin.shell.registry.base.RegisterError) are UserErrors
    if known_user_errors and isinstance(exc, known_user_errors):
        return str(exc)
    target = getattr(exc, "filename", None) or file
    if isinstance(exc, (zipfile.BadZipFile, zipfile.LargeZipFile)):
        return (f"{_name(target)} n'est pas un classeur Excel lisible (archive endommagée, tronquée ou d'un autre format). "
                "Rouvrez-le dans Excel et enregistrez-le au format .xlsx, puis relancez.")
    xml_errors: tuple[type, ...] = (ParseError, ExpatError)
    try:
        from lxml.etree import XMLSyntaxError

        xml_errors += (XMLSyntaxError,)
    except ImportError:  # pragma: no cover
        pass
    try:
        import python_calamine

        calamine_errors = tuple(getattr(python_calamine, n) for n in ("CalamineError", "PasswordError", "WorksheetNotFound", "XmlError", "ZipError")
                                if isinstance(getattr(python_calamine, n, None), type))
    except ImportError:  # pragma: no cover
        calamine_errors = ()
    if calamine_errors and isinstance(exc, calamine_errors):
        from reglo.addin.backends.base import unreadable_message

        return unreadable_message(_name(target), exc)
    if isinstance(exc, xml_errors):
        return (f"{_name(target)} contient du XML invalide ou dangereux (entités externes, DTD, balises cassées) : il est refusé. "
                "Demandez un fichier sain à son émetteur, ou rouvrez-le dans Excel et enregistrez-le.")
    if isinstance(exc, sqlite3.DatabaseError):
        return (f"Le registre des règlements {_name(target) if target != 'le fichier' else ''} est illisible ou endommagé. "
                "Rien n'a été payé ni importé. Lancez « reglo register repair --dossier <dossier> » pour le reconstruire depuis son journal.").replace("  ", " ")
    try:
        import psycopg

        if isinstance(exc, psycopg.Error):
            return ("Le serveur PostgreSQL du registre ne répond pas ou refuse la connexion. Rien n'a été payé ni importé. "
                    "Vérifiez REGLO_REGISTER_URL ou le fichier de configuration, le réseau et les droits, puis relancez.")
    except ImportError:
        pass
    try:
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            fields = ", ".join(sorted({".".join(str(p) for p in e.get("loc", ())) or "?" for e in exc.errors()}))
            return (f"Une donnée lue ne respecte pas le format attendu (champ(s) : {fields}). Vérifiez les valeurs de ces colonnes "
                    "dans le classeur ou le dossier, puis relancez.")
    except ImportError:  # pragma: no cover
        pass
    if isinstance(exc, UnicodeError):
        return (f"{_name(target)} : encodage des caractères illisible. Enregistrez le fichier en UTF-8 (ou ISO-8859-15 pour un FEC) "
                "puis relancez.")
    if isinstance(exc, MemoryError):
        return "Mémoire insuffisante pour traiter ce fichier. Fermez d'autres applications ou découpez le fichier, puis relancez."
    if isinstance(exc, FileNotFoundError):
        return f"Fichier ou dossier introuvable : {_name(target)}. Vérifiez le chemin."
    if isinstance(exc, PermissionError):
        return (f"Accès refusé à {_name(target)} : fermez-le s'il est ouvert dans Excel ou un autre programme, "
                "ou vérifiez vos droits sur le dossier, puis relancez.")
    if isinstance(exc, IsADirectoryError):
        return f"{_name(target)} est un dossier : indiquez un fichier."
    if isinstance(exc, NotADirectoryError):
        return f"{_name(target)} n'est pas un dossier : indiquez le dossier de la société."
    if isinstance(exc, OSError):
        import errno

        if exc.errno == errno.ENOSPC:
            return f"Disque plein en écrivant {_name(target)} : libérez de la place puis relancez. Rien n'a été enregistré."
        return (f"Le système refuse l'accès à {_name(target)} (disque, réseau ou droits). Vérifiez que le dossier est accessible "
                "puis relancez.")
    return None


def report_unexpected(exc: BaseException, *, dossier: object = None) -> str:
    """Log a bug's traceback beside the dossier (or in the user's log) and say where."""
    path = log_path()
    if dossier:
        folder = Path(str(dossier))
        folder = folder if folder.is_dir() else folder.parent
        if folder.is_dir():
            path = folder / "reglo-erreurs.log"
    try:
        import traceback
        from datetime import datetime

        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now().isoformat(timespec='seconds')}\n")
            f.write("".join(traceback.format_exception(exc)))
    except OSError:
        logging.getLogger("reglo").exception("erreur inattendue")
    return (f"Erreur inattendue de Reglo : l'opération n'a pas abouti et rien n'a été enregistré à moitié. "
            f"Le détail technique est dans {path} ; transmettez ce fichier au support.")


def user_message(exc: BaseException, *, file: object = None, dossier: object = None) -> str:
    """The one French message shown for ``exc`` at an entry point (CLI, ribbon, Lite)."""
    return explain(exc, file=file) or report_unexpected(exc, dossier=dossier)
