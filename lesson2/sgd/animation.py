"""An animation that plays in a notebook with no internet.

    from lesson2.sgd.animation import NotebookAnimation
    anim = NotebookAnimation(FuncAnimation(fig, draw, frames=steps), "the fit", len(steps))
    anim                  # in a notebook: matplotlib's player; as text: what it shows
    anim.html()           # the player's HTML, needing nothing from the network
    anim.animation        # the FuncAnimation itself (say, to .save it)

matplotlib's notebook player (`to_jshtml`) draws its buttons with Font Awesome icons that it
links from a CDN: offline, every button shows up blank. Here each icon is a plain character and
the link is gone, so the player works wherever the notebook is opened. Its text form is a
sentence, not matplotlib's `<FuncAnimation at 0x...>`, which changes with every run.
"""

import re

# matplotlib's Font Awesome icons and characters that say the same, from blocks (arrows,
# geometric shapes) that common fonts have; each button's tooltip names it too
GLYPHS = {
    "fa-minus": "\u2212",  # slower: −
    "fa-fast-backward": "\u21e4",  # first frame: ⇤
    "fa-step-backward": "\u2190",  # previous frame: ←
    "fa-play fa-flip-horizontal": "\u25c0",  # play backwards: ◀
    "fa-pause": "||",  # pause
    "fa-play": "\u25b6",  # play: ▶
    "fa-step-forward": "\u2192",  # next frame: →
    "fa-fast-forward": "\u21e5",  # last frame: ⇥
    "fa-plus": "+",  # faster
}
ICON = re.compile(r'<i class="fa ([a-z -]+?)"></i>')
STYLESHEET = re.compile(r"<link[^>]*href=\"https?://[^\"]*\"[^>]*>")


class NotebookAnimation:
    """A FuncAnimation (`animation`) of `frames` frames that a notebook shows as an offline
    player and text shows as `what` it animates."""

    def __init__(self, animation, what, frames):
        self.animation, self.what, self.frames = animation, what, frames

    def html(self):
        """matplotlib's jshtml player with characters for icons and no CDN stylesheet."""
        return offline_player(self.animation.to_jshtml())

    def _repr_html_(self):
        return self.html()

    def __repr__(self):
        return f"<animation of {self.what}: {self.frames} frames>"


def offline_player(html):
    """`html` from `FuncAnimation.to_jshtml` with its Font Awesome icons replaced by characters
    and its stylesheet link dropped. Raises ValueError if matplotlib's player uses an icon this
    does not know, so that a new matplotlib cannot silently bring blank buttons back."""

    def glyph(match):
        name = match.group(1)
        if name not in GLYPHS:
            raise ValueError(
                f"matplotlib's animation player uses an icon lesson2 has no character for "
                f"({name!r}): add it to lesson2.sgd.animation.GLYPHS"
            )
        return f'<span aria-hidden="true">{GLYPHS[name]}</span>'

    return STYLESHEET.sub("", ICON.sub(glyph, html))
