"""One module per `lesson2` subcommand, each with `add(subparsers)` and `run(**options)`."""

import argparse


def subcommand(subparsers, name, help, doc):
    """The parser of subcommand `name`: `help` shows in `lesson2 --help`, `doc` in its own."""
    return subparsers.add_parser(
        name, help=help, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
