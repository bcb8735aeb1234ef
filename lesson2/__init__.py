"""lesson2: a hands-on companion to fast.ai v3 Lesson 2."""

__version__ = "0.1.0"
