"""Cleaning a dataset: suspects, duplicates, the review widget and changes that undo."""
