"""Subcommands of `recon`, one module each; importing a module registers its commands."""

import importlib

COMMAND_MODULES = (
    "recon.commands.sandbox_generate",
    "recon.commands.sandbox_serve",
    "recon.commands.ingest",
    "recon.commands.transform",
    "recon.commands.score",
    "recon.commands.demo",
    "recon.commands.check",
    "recon.commands.run",
    "recon.commands.writeback",
    "recon.commands.dashboard",
)


def register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)
