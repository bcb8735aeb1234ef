"""The `lesson2` command: one entry point, one subcommand per step of the lesson.

    lesson2 dataset --demo ~/.lesson2/shapes   # the offline rehearsal of building a dataset
    lesson2 --help

Each subcommand lives in `lesson2/commands/<name>.py` with `add(subparsers)`, which declares
its arguments, and `run(args)`, which does the work and returns an exit status.
"""

import argparse
import importlib
import sys

COMMANDS = ["dataset", "train", "clean", "serve", "demo"]  # in the lesson's order


def build_parser():
    parser = argparse.ArgumentParser(prog="lesson2", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"lesson2.commands.{name}")
        module.add(sub).set_defaults(run=module.run)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except KeyboardInterrupt:
        print(
            "interrupted: finished work is kept; run the same command again to resume",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
