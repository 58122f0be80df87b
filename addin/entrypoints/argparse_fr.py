"""argparse in French: its own words (usage, help, errors) translated.

argparse looks its messages up through ``gettext`` at call time (module globals ``_`` and
``ngettext``); Reglo's command line binds them to this table, so that « positional arguments »
or « show this help message and exit » never reach a French accountant.
"""
from __future__ import annotations

import argparse

FRENCH = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (choix possibles : %(choices)s)",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "une valeur au plus attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "option ambiguë : %(option)s peut désigner %(matches)s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "argument explicite ignoré : %r",
    "one of the arguments %s is required": "un des arguments %s est obligatoire",
    "unexpected option string: %s": "option inattendue : %s",
    "conflicting option string: %s": "option en double : %s",
    "conflicting option strings: %s": "options en double : %s",
    "dest= is required for options like %r": "dest= est obligatoire pour une option comme %r",
    "cannot merge actions - two groups are named %r": "deux groupes portent le nom %r",
    "%r is not callable": "%r n'est pas appelable",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r":
        "option invalide %(option)r : doit commencer par %(prefix_chars)r",
    "subcommands": "sous-commandes",
    "sub-commands": "sous-commandes",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "argument \"-\" with mode %r": "argument « - » avec le mode %r",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
}


def _(text: str) -> str:
    return FRENCH.get(text, text)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _(singular if n == 1 else plural)


def install() -> None:
    """Make argparse speak French (idempotent)."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
