"""Reglo dans xlwings Lite : un script par bouton de l'onglet « Reglo ».

Fichier généré par « reglo addin customui » : ne pas le modifier à la main.
Collez-le dans l'onglet main.py d'xlwings Lite, et requirements.txt dans l'onglet
requirements.txt. Chaque script lance le même traitement que le bouton du ruban ;
dans le navigateur, les boutons qui ont besoin du dossier (FEC, registre) disent
pourquoi il faut le complément de bureau.
"""
import xlwings as xw
from xlwings import script

from reglo.addin.entrypoints.ribbon import run


@script(name="Contrôler le classeur")
def check(book: xw.Book):
    """Contrôle : Contrôler le classeur."""
    run("check", book)


@script(name="Modèle d'import")
def payments_template(book: xw.Book):
    """Règlements clients : Modèle d'import (complément de bureau)."""
    run("payments_template", book)


@script(name="Contrôler")
def payments_check(book: xw.Book):
    """Règlements clients : Contrôler (complément de bureau)."""
    run("payments_check", book)


@script(name="Importer (Règlements clients)")
def payments_import(book: xw.Book):
    """Règlements clients : Importer (complément de bureau)."""
    run("payments_import", book)


@script(name="Importer depuis la comptabilité")
def payments_from_ledger(book: xw.Book):
    """Règlements clients : Importer depuis la comptabilité (complément de bureau)."""
    run("payments_from_ledger", book)


@script(name="Importer (Virements fournisseurs)")
def transfers_import(book: xw.Book):
    """Virements fournisseurs : Importer (complément de bureau)."""
    run("transfers_import", book)


@script(name="Afficher")
def transfers_show(book: xw.Book):
    """Virements fournisseurs : Afficher (complément de bureau)."""
    run("transfers_show", book)


@script(name="Générer le fichier")
def transfers_generate(book: xw.Book):
    """Virements fournisseurs : Générer le fichier (complément de bureau)."""
    run("transfers_generate", book)


@script(name="Annuler un fichier")
def transfers_cancel(book: xw.Book):
    """Virements fournisseurs : Annuler un fichier (complément de bureau)."""
    run("transfers_cancel", book)


@script(name="Définition d'import")
def entry_import_definition(book: xw.Book):
    """Import d'écritures : Définition d'import (complément de bureau)."""
    run("entry_import_definition", book)


@script(name="Importer les écritures")
def entry_import_run(book: xw.Book):
    """Import d'écritures : Importer les écritures (complément de bureau)."""
    run("entry_import_run", book)


@script(name="Proposer le lettrage")
def lettering_propose(book: xw.Book):
    """Lettrage : Proposer le lettrage (complément de bureau)."""
    run("lettering_propose", book)


@script(name="Appliquer le lettrage")
def lettering_apply(book: xw.Book):
    """Lettrage : Appliquer le lettrage (complément de bureau)."""
    run("lettering_apply", book)


@script(name="Délettrer")
def lettering_undo(book: xw.Book):
    """Lettrage : Délettrer (complément de bureau)."""
    run("lettering_undo", book)
