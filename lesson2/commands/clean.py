"""`lesson2 clean`: the likeliest mistakes and duplicates of a dataset, and changes that undo.

lesson2 clean ~/.lesson2/shapes                         # top suspects + groups of copies
lesson2 clean ~/.lesson2/shapes --model shapes.pkl      # a trained learner's features too

Without --model, a learner exported for the folder is used when there is one (DATA.pkl beside
it, or the one `lesson2 train DATA` wrote); the first line printed says which features ranked
the suspects.
lesson2 clean ~/.lesson2/shapes --apply decisions.csv   # columns name,action
lesson2 clean ~/.lesson2/shapes --undo                  # reverse the last apply
lesson2 clean ~/.lesson2/shapes --recover [--rollback]  # after a crash mid-apply
"""

import sys
from pathlib import Path

from lesson2.clean import journal as cleaning
from lesson2.commands import subcommand
from lesson2.dataset.folders import dataset_folder
from lesson2_app.pictures import ImageError

TOP = 10  # suspects and duplicate groups printed


def add(subparsers):
    p = subcommand(
        subparsers,
        "clean",
        "show the images most likely mislabeled and the duplicates; apply or undo changes",
        __doc__,
    )
    p.add_argument("data", type=Path, help="dataset folder with one subfolder per class")
    p.add_argument(
        "--model",
        dest="pkl",
        type=Path,
        help="an exported learner (.pkl) whose body gives features",
    )
    p.add_argument("--top", type=int, default=TOP, help="how many suspects and groups to print")
    p.add_argument("--no-duplicates", action="store_true", help="skip the duplicate search")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--apply", type=Path, metavar="CSV", help="decisions file: name,action")
    action.add_argument("--undo", action="store_true", help="reverse the last apply")
    action.add_argument("--recover", action="store_true", help="finish an interrupted apply")
    p.add_argument("--rollback", action="store_true", help="with --recover: put files back")
    return p


def run(
    data,
    *,
    pkl=None,
    top=TOP,
    no_duplicates=False,
    apply=None,
    undo=False,
    recover=False,
    rollback=False,
):
    """Print suspects and duplicates of the dataset `data`, or apply, undo or recover changes."""
    try:
        path = dataset_folder(data)
    except FileNotFoundError as e:
        print(f"lesson2 clean: {e}", file=sys.stderr)
        return 2
    if rollback and not recover:
        print(
            "--rollback goes with --recover: lesson2 clean DATA --recover --rollback",
            file=sys.stderr,
        )
        return 2
    from lesson2_app.model import ModelFileError

    try:
        if apply or undo or recover:
            print(_change(path, apply, undo, recover, rollback))
            return 0
        _report(path, pkl, top, no_duplicates)
    except (cleaning.CleaningError, ImageError, ModelFileError, ValueError, OSError) as e:
        print(f"lesson2 clean: {e}", file=sys.stderr)
        return 1
    return 0


def _change(path, apply, undo, recover, rollback):
    if recover:
        return cleaning.recover(path, rollback=rollback)
    if undo:
        moves = cleaning.undo(path)
        return f"undone: {len(moves)} files back where they were"
    apply = Path(apply)
    if not apply.is_file():
        raise FileNotFoundError(f"no decisions file at {apply}: write one with name,action")
    moves = cleaning.apply(path, cleaning.read_decisions(apply))
    for src, dst in moves:
        print(f"{src} -> {dst}")
    return f"applied {len(moves)} moves; `lesson2 clean {path} --undo` reverses them"


def _report(path, pkl, top, no_duplicates):
    from lesson2.clean.similar import find_duplicates
    from lesson2.clean.suspects import exported_learner, find_suspects

    pkl = pkl or exported_learner(path)
    learn = _load(pkl) if pkl is not None else None
    table = find_suspects(path, learn, progress=True)
    print(f"features: {table.attrs['features']}" + (f" ({pkl})" if pkl else ""))
    print(f"top {top} suspects (out-of-fold, most suspect first):")
    print(table.head(top).to_string(index=False))
    if not no_duplicates:
        groups = find_duplicates(path, learn, progress=True)
        print(f"\n{len(groups)} groups of copies; the first {min(top, len(groups))}:")
        for g in groups[:top]:
            kind = "same bytes" if g.exact else f"similarity {g.similarity:.3f}"
            print(f"  {kind}: {', '.join(g.names)}")


def _load(pkl):
    from lesson2.production.inference import load

    return load(pkl).learn
