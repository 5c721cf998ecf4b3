"""Subcommands of `recon`, one module each; importing a module registers its commands."""

import importlib

COMMAND_MODULES = (
    "recon.commands.sandbox_generate",
    "recon.commands.sandbox_serve",
    "recon.commands.ingest",
    "recon.commands.transform",
    "recon.commands.score",
    "recon.commands.demo",
)


def register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            # A command module not written yet must not break the others.
            if error.name != name:
                raise
