"""An ipywidgets app to look at the likeliest mistakes, decide per image, apply and undo.

    from lesson2.clean.widget import ImageCleaner
    cleaner = ImageCleaner(path)     # find_suspects(path); shows in JupyterLab 4, Notebook 7
    cleaner                          # most suspect first; "similar": copies side by side
    cleaner.mark("circle/circle_0007.jpg", "delete")     # what the dropdowns do, from code
    cleaner.apply(); cleaner.undo()          # what the Apply and Undo buttons do

`table` may be any DataFrame with columns name, label and score (higher: look first), such as
`find_suspects(path)`'s, or `image_losses(learn, path)`'s (its loss is taken as the score).

Decisions live in `cleaner.decisions` ({name: "delete" or a class}), keyed by file name, so
they survive paging, filters and mode changes; the files move only on Apply, through
`lesson2.clean.journal`, which logs every move first and can undo it.
"""

import html
import io
from pathlib import Path

import ipywidgets as widgets
from PIL import Image

from lesson2.clean import journal as cleaning
from lesson2.clean import similar
from lesson2.dataset.folders import vocab_with_empty
from lesson2_app.pictures import ImageError, open_image

MODES = [("suspects", "suspects"), ("similar", "similar")]
ALL = "all"
GROUPS_PER_PAGE = 4  # groups of similar pictures shown per page


def thumbnail(fname, size=128):
    """JPEG bytes of a thumbnail of the image file, at most `size` pixels a side."""
    try:
        img = open_image(fname)
    except ImageError:  # a grey square: the card still lets a person delete the file
        img = Image.new("RGB", (size, size), (200, 200, 200))
    img = img.convert("RGB")
    img.thumbnail((size, size))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def scored(table):
    """The table with a `score` column (a learner's loss if it has none), highest first."""
    table = table.copy()
    if "score" not in table:
        table["score"] = table["loss"]
    return table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


class Card(widgets.VBox):
    """One picture with its caption and its decision menu; reused as pages change."""

    def __init__(self, thumb_size, on_decide):
        self.name, self._on_decide, self._filling = None, on_decide, False
        self.image = widgets.Image(format="jpeg")
        self.caption = widgets.HTML()
        self.action = widgets.Dropdown(options=[("keep", cleaning.KEEP)], layout={"width": "95%"})
        self.image.add_class("lesson2-thumb")
        self.action.add_class("lesson2-action")
        layout = {"width": f"{thumb_size + 40}px", "margin": "4px", "padding": "4px"}
        super().__init__([self.image, self.caption, self.action], layout=layout)
        self.add_class("lesson2-card")
        self.action.observe(self._changed, names="value")

    def show(self, name, jpeg, caption, options, decisions):
        """Point the card at image `name`, with its current decision selected."""
        self._filling = True  # new options reset the value: not a decision
        try:
            self.name, self.image.value, self.caption.value = name, jpeg, caption
            self.action.options = options
            self.action.value = decisions.get(name, cleaning.KEEP)
        finally:
            self._filling = False
        self._highlight()

    def _changed(self, change):
        if not self._filling:
            self._on_decide(self.name, change["new"])
            self._highlight()

    def _highlight(self):
        keep = self.action.value == cleaning.KEEP
        self.layout.border = "2px solid #999" if keep else "2px solid #d9534f"


class ImageCleaner(widgets.VBox):
    """Review images page by page, mark keep/delete/relabel, then Apply (and Undo)."""

    def __init__(
        self, path, table=None, groups=None, page_size=12, thumb_size=128, mode="suspects"
    ):
        super().__init__()
        self.path, self.page_size, self.thumb_size = Path(path), page_size, thumb_size
        self.vocab = vocab_with_empty(self.path)
        if table is None:
            from lesson2.clean.suspects import find_suspects

            table = find_suspects(self.path)
        self.table = scored(table)
        source = table.attrs.get("features")
        self.source = widgets.HTML(
            f"<i>suspects ranked on the features of {source}</i>" if source else ""
        )
        self.decisions, self.groups, self.page = {}, groups, 0
        self._thumbs, self._cards, self._rows = {}, [], []
        self._wall = widgets.Box(layout={"flex_flow": "row wrap"})
        self._empty = widgets.HTML("<i>nothing to show with these filters</i>")
        self.mode = widgets.ToggleButtons(options=MODES, value=mode, description="show")
        self.label = widgets.Dropdown(options=[ALL, *self.vocab], description="class")
        self.prev, self.next = (
            widgets.Button(description="◀ prev"),
            widgets.Button(description="next ▶"),
        )
        self.apply_button = widgets.Button(description="Apply", button_style="danger")
        self.undo_button = widgets.Button(description="Undo")
        self.page_label, self.pending_label, self.status = (widgets.HTML() for _ in range(3))
        self.grid = widgets.VBox()
        for control in (self.mode, self.label):
            control.observe(self._filter_changed, names="value")
        self.prev.on_click(lambda _: self._turn(-1))
        self.next.on_click(lambda _: self._turn(+1))
        self.apply_button.on_click(lambda _: self._report(self.apply))
        self.undo_button.on_click(lambda _: self._report(self.undo))
        self.add_class("lesson2-cleaner")
        self.children = [
            widgets.HBox([self.mode]),
            widgets.HBox([self.label, self.source]),
            self.grid,
            widgets.HBox([self.prev, self.page_label, self.next]),
            widgets.HBox([self.pending_label, self.apply_button, self.undo_button]),
            self.status,
        ]
        if cleaning.pending(self.path) is not None:
            self.status.value = self._error(
                "an earlier apply was interrupted: run cleaner.recover()"
            )
        self.render()

    # --- what is shown -------------------------------------------------------------------
    def _present(self):
        """Rows of images that are in the dataset now (not in the trash), filters applied."""
        rows = self.table[~self.table["name"].str.startswith(".")]
        if self.label.value != ALL:
            rows = rows[rows["label"] == self.label.value]
        return rows

    def items(self):
        """What the current mode and filters show: a list of pages' worth of names or groups."""
        rows = self._present()
        if self.mode.value != "similar":
            return rows["name"].tolist()
        if self.groups is None:
            self.groups = similar.find_duplicates(self.path)
        keep = set(rows["name"])
        return [g for g in self.groups if sum(n in keep for n in g.names) >= 2]

    def page_items(self):
        """The names (or duplicate groups) on the current page."""
        per_page = GROUPS_PER_PAGE if self.mode.value == "similar" else self.page_size
        items = self.items()
        pages = max(1, -(-len(items) // per_page))
        self.page = min(max(self.page, 0), pages - 1)
        self.page_label.value = f"page {self.page + 1} of {pages} ({len(items)} shown)"
        return items[self.page * per_page : (self.page + 1) * per_page]

    def render(self):
        """Show the current page, reusing the same card widgets from page to page."""
        items = self.page_items()
        if self.mode.value == "similar":
            rows = [self._group_row(k, g) for k, g in enumerate(items)]
        else:
            self._wall.children = [self._card(k, n) for k, n in enumerate(items)]
            rows = [self._wall] if items else []
        self.grid.children = rows or [self._empty]
        self._update_pending()

    def _group_row(self, k, group):
        while len(self._rows) <= k:
            self._rows.append(widgets.VBox([widgets.HTML(), widgets.HBox()]))
        title, cards = self._rows[k].children
        kind = "same bytes" if group.exact else f"similarity {group.similarity:.3f}"
        names = [n for n in group.names if not n.startswith(".")]
        what = "a pair" if len(names) == 2 else f"{len(names)} pictures"
        title.value = f"<b>{what} that look alike</b> ({kind}): keep one, delete the rest"
        first = sum(len(self._rows[j].children[1].children) for j in range(k))
        cards.children = [self._card(first + i, n) for i, n in enumerate(names)]
        return self._rows[k]

    def _caption(self, name):
        row = self.table[self.table["name"] == name]
        text = html.escape(name)
        if len(row):
            r = row.iloc[0]
            reason = r["reason"] if "reason" in r else f"{r['label']} → {r['pred']} {r['prob']:.2f}"
            text += f"<br>{html.escape(str(reason))}<br>score {r['score']:.2f}"
        return f"<small style='overflow-wrap:anywhere'>{text}</small>"

    def _card(self, k, name):
        """Card number `k` of the page, showing image `name` and the decision for it."""
        while len(self._cards) <= k:
            self._cards.append(Card(self.thumb_size, self.mark))
        if name not in self._thumbs:
            self._thumbs[name] = thumbnail(self.path / name, self.thumb_size)
        label = Path(name).parent.as_posix()
        options = [("keep", cleaning.KEEP), ("delete", cleaning.DELETE)]
        options += [(f"move to {c}", c) for c in self.vocab if c != label]
        card = self._cards[k]
        card.show(name, self._thumbs[name], self._caption(name), options, self.decisions)
        return card

    def _update_pending(self):
        n = len(self.decisions)
        deletes = sum(a == cleaning.DELETE for a in self.decisions.values())
        self.pending_label.value = (
            f"<b>{n} pending change{'s' * (n != 1)}</b> ({deletes} delete, {n - deletes} move)"
        )

    # --- what the controls do -------------------------------------------------------------
    def _filter_changed(self, _change):
        self.page = 0
        self.render()

    def _turn(self, step):
        self.page += step
        self.render()

    def _report(self, action):
        try:
            self.status.value = html.escape(action())
        except cleaning.CleaningError as e:
            self.status.value = self._error(str(e))

    @staticmethod
    def _error(message):
        return f"<span style='color:#c9302c'>{html.escape(message)}</span>"

    # --- the headless API: the same operations as the buttons ------------------------------
    def mark(self, name, action):
        """Decide what happens to image `name` on Apply: keep, delete or a class name."""
        if action not in (cleaning.KEEP, cleaning.DELETE, *self.vocab):
            raise ValueError(f"unknown action {action!r}: keep, delete or one of {self.vocab}")
        if action == cleaning.KEEP or action == Path(name).parent.as_posix():
            self.decisions.pop(name, None)
        else:
            self.decisions[name] = action
        self._update_pending()

    def apply(self):
        """Carry out the pending decisions; returns a summary of what moved."""
        if not self.decisions:
            return "nothing to apply: pick delete or a class for some images first"
        moves = cleaning.apply(self.path, self.decisions)
        self.decisions = {}
        self._moved(moves)
        trashed = sum(dst.startswith(cleaning.TRASH) for _, dst in moves)
        relabelled = len(moves) - trashed
        return f"applied: {trashed} to the trash, {relabelled} relabelled (Undo puts them back)"

    def undo(self):
        """Reverse the last apply; returns a summary."""
        moves = cleaning.undo(self.path)
        self._moved(moves)
        return f"undone: {len(moves)} files back where they were"

    def recover(self, rollback=False):
        """Finish (or roll back) an apply that was interrupted; see `cleaning.recover`."""
        batch = cleaning.pending(self.path)
        message = cleaning.recover(self.path, rollback=rollback)
        if batch is not None:
            moves = [tuple(m) for m in batch["moves"]]
            self._moved([(dst, src) for src, dst in moves] if rollback else moves)
        self.status.value = html.escape(message)
        return message

    def _moved(self, moves):
        """Follow files to their new names in the table, the groups and the thumbnail cache."""
        renames = dict(moves)
        self.table["name"] = self.table["name"].map(lambda n: renames.get(n, n))
        moved = self.table["name"].isin(renames.values()) & ~self.table["name"].str.startswith(".")
        self.table.loc[moved, "label"] = self.table.loc[moved, "name"].map(
            lambda n: Path(n).parent.as_posix()
        )
        if self.groups is not None:
            self.groups = [
                similar.DuplicateGroup(
                    tuple(renames.get(n, n) for n in g.names), g.similarity, g.exact
                )
                for g in self.groups
            ]
        self._thumbs = {renames.get(n, n): b for n, b in self._thumbs.items()}
        self.render()
