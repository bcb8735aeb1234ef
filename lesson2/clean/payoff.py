"""Did cleaning pay? Error rates before and after, on the same validation pictures, in pictures.

    from lesson2.clean.payoff import compare, errors, unfreezing
    before = errors(learn, exclude=planted)   # {'all': (wrong, n), 'clean': (wrong, n)}
    print(compare("on the clean validation pictures", before["clean"], after["clean"]))
    print(unfreezing(log, best))              # what unfreezing did to the validation loss and error

With a few hundred validation pictures one picture moves the error rate by a few tenths of a
percent, and another seed or split moves it by several: a change of up to 3% of the pictures
(`lesson2.clean.noise.WITHIN`, the yardstick of the noise experiment too) is said to be within
noise, not a gain.
"""

import math
from pathlib import Path

from fastai.vision.all import Callback

from lesson2.clean.noise import WITHIN
from lesson2.training.stopping import last_scores
from lesson2.words import count


def errors(learn, exclude=()):
    """{'all': (wrong, n), 'clean': (wrong, n)} on the learner's validation pictures; 'clean'
    leaves out the files in `exclude` (say, known wrong labels)."""
    exclude = {Path(f).resolve() for f in exclude}
    with learn.no_bar():
        probs, targets = learn.get_preds(dl=learn.dls.valid)
    wrong = (probs.argmax(1) != targets).tolist()
    keep = [Path(f).resolve() not in exclude for f in learn.dls.valid.items]
    clean = [w for w, k in zip(wrong, keep, strict=True) if k]
    return {"all": (sum(wrong), len(wrong)), "clean": (sum(clean), len(clean))}


def compare(what, before, after):
    """One sentence: the error rate `what` before and after, each a (wrong, n) pair."""
    (b, nb), (a, na) = before, after
    change = a - b
    limit = math.floor(WITHIN * nb)  # pictures another seed or split can move
    if change == 0:
        verdict = "the same"
    elif abs(change) <= limit:
        n = abs(change)
        verdict = (
            f"within noise ({count(n, 'picture')}: another seed or split can move "
            f"up to {limit}, 3% of them)"
        )
    else:
        verdict = f"{'lower' if change < 0 else 'higher'} by {abs(change)} pictures"
    return (
        f"cleaning changed the error rate {what} from {b / nb:.1%} ({b} of {nb}) to "
        f"{a / na:.1%} ({a} of {na}): {verdict}"
    )


class StageLog(Callback):
    """Records (stage, valid_loss, error_rate) after every epoch of every fit of the learner,
    the stage being "head" while the body is frozen and "whole" after `unfreeze`:
    `learn.add_cb(StageLog())`. (The recipe's default head stage trains on features, with a
    learner of its own: its epochs are not here, and its kept scores are `BestEpoch.to_beat`.)"""

    order = 70  # after the Recorder has the epoch's metrics

    def __init__(self):
        self.rows = []

    def after_epoch(self):
        error, loss = last_scores(self.recorder)
        stage = "head" if getattr(self.opt, "frozen_idx", 0) else "whole"
        self.rows.append((stage, loss, error))


def unfreezing(log, best):
    """One sentence: the validation loss and error rate of the head stage's kept weights
    (`best.to_beat`) against the kept (best) epoch of the whole network; `best` is
    `fit_recipe`'s `BestEpoch`, `log` the `StageLog` of the fit. When no epoch of the whole
    network beat the head, its best epoch is compared instead, and the sentence says that the
    head's weights were kept."""
    if best.to_beat is None:
        return "no epoch of the head alone ran: nothing to compare unfreezing with"
    err0, loss0 = best.to_beat
    whole = [r for r in log.rows if r[0] == "whole"]
    if best.kept_earlier and whole:
        _, loss1, err1 = min(whole, key=lambda r: (r[2], r[1]))
        return (
            f"no epoch of the whole network beat the head: its best reached an error rate of "
            f"{err1:.1%} (validation loss {loss1:.3f}) against the head's {err0:.1%} "
            f"({loss0:.3f}), so the head's weights are kept"
        )
    loss1, err1 = best.best_key[1], best.error
    said = []
    pairs = (("validation loss", loss0, loss1, ".3f"), ("error rate", err0, err1, ".1%"))
    for name, v0, v1, fmt in pairs:
        if f"{v1:{fmt}}" == f"{v0:{fmt}}":  # as printed: fastai's float32 rates differ in the
            # last digits for the same number of pictures
            said.append(f"left the {name} at {v0:{fmt}}")
        else:
            way = "raised" if v1 > v0 else "lowered"
            said.append(f"{way} the {name} from {v0:{fmt}} to {v1:{fmt}}")
    return "unfreezing " + " and ".join(said)
