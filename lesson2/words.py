"""How the package writes counts in the sentences it prints.

    from lesson2.words import count
    count(1, "epoch"), count(3, "epoch"), count(0.5, "minute")   # '1 epoch', '3 epochs', ...

One home for it: the plan, the recipe's log and the cleaner's verdicts all read the same.
"""


def count(n, noun):
    """`n` and `noun`, the noun plural unless n is exactly one: '1 epoch', '2.5 minutes'."""
    shown = f"{n:g}" if isinstance(n, float) else str(n)  # 4.0 reads 4; 1000000 stays whole
    return f"{shown} {noun}" if n == 1 else f"{shown} {noun}s"
