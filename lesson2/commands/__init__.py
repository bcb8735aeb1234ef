"""One module per `lesson2` subcommand, each with `add(subparsers)` and `run(args)`."""
