"""CLI sub-commands, discovered automatically: one module per command family.

Each module defines ``register(subparsers)``. Keep handlers' logic out of here: a command
opens files, calls the handler / core, prints a French summary and returns the exit code.
"""
