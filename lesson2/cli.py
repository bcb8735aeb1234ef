"""The `lesson2` command: one entry point, one subcommand per step of the lesson.

    lesson2 dataset --demo data/shapes      # the offline rehearsal of building a dataset
    lesson2 --help

Each subcommand is a pair: `add_<name>(subparsers)` declares its arguments and
`run_<name>(args)` does the work. COMMANDS lists them in the lesson's order.
"""

import argparse
import sys


def add_dataset(sub):
    p = sub.add_parser(
        "dataset", help="build an image dataset from URL files, searches or the demo"
    )
    p.set_defaults(run=run_dataset)
    return p


def run_dataset(args):
    raise NotImplementedError


COMMANDS = [add_dataset]


def build_parser():
    parser = argparse.ArgumentParser(prog="lesson2", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
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
