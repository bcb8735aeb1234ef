"""The `lesson2` command: one entry point, one subcommand per step of the lesson.

    lesson2 dataset --demo ~/.lesson2/shapes   # the offline rehearsal of building a dataset
    lesson2 --help

Each subcommand lives in `lesson2/commands/<name>.py` with `add(subparsers)`, which declares
its arguments, and `run(...)`, a plain function whose keyword arguments are those arguments,
which does the work and returns an exit status (Python code may call it directly).
"""

import argparse
import sys

from lesson2.commands import clean, dataset, demo, doctor, export, predict, serve, train

COMMANDS = [doctor, dataset, train, clean, export, serve, predict, demo]  # machine, then lesson


def build_parser():
    parser = argparse.ArgumentParser(prog="lesson2", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add(sub).set_defaults(command=command.run)
    return parser


def main(argv=None):
    options = vars(build_parser().parse_args(argv))
    command = options.pop("command")
    try:
        return command(**options) or 0
    except KeyboardInterrupt:
        print(
            "interrupted: finished work is kept; run the same command again to resume",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
