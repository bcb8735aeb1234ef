"""`lesson2 doctor`: what this machine has for the lesson, and the fix for anything missing.

    lesson2 doctor          # Python, torch + CUDA, fastai, weights, GPU, data; 1 if blocked
    lesson2 doctor --json   # the same checks as a JSON list (name, status, detail, fix)

In a notebook, `print(lesson2.training.doctor.report())` also says whether the kernel must
restart after an install.
"""

import dataclasses
import json

from lesson2.commands import subcommand


def add(sub):
    p = subcommand(
        sub,
        "doctor",
        "check this machine for the lesson and say how to fix what is missing",
        __doc__,
    )
    p.add_argument("--json", dest="as_json", action="store_true", help="print the checks as JSON")
    return p


def run(*, as_json=False):
    """Print every check; 1 when one of them blocks the lesson."""
    from lesson2.training.doctor import FAIL, checks, report

    found = checks()
    if as_json:
        print(json.dumps([dataclasses.asdict(c) for c in found], indent=1))
    else:
        print(report(found))
    return 1 if any(c.status == FAIL for c in found) else 0
