"""How the package writes counts in the sentences it prints.

from lesson2.words import count
count(1, "epoch"), count(3, "epoch"), count(0.5, "minute")   # '1 epoch', '3 epochs', ...
"""


def count(n, noun):
    """`n` and `noun`, the noun plural unless n is exactly one: '1 epoch', '2.5 minutes'."""
    return f"{n:g} {noun}" if n == 1 else f"{n:g} {noun}s"
