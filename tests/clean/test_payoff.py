"""Before/after sentences of notebook 03: said in pictures, up to 3% of them called noise."""

from types import SimpleNamespace

import pytest

from lesson2.clean.payoff import StageLog, compare, errors, unfreezing
from lesson2.training.recipe import valid_accuracy


def test_compare_says_lower_higher_or_within_noise():
    assert compare("on X", (11, 260), (3, 258)).endswith(": lower by 8 pictures")
    assert compare("on X", (3, 260), (12, 260)).endswith(": higher by 9 pictures")
    assert compare("on X", (3, 260), (9, 260)).endswith(
        ": within noise (6 pictures: another seed or split can move up to 7, 3% of them)"
    )
    assert ": within noise (1 picture: another seed" in compare("on X", (5, 260), (4, 258))
    assert compare("on X", (5, 260), (5, 258)).endswith(": the same")
    said = compare("on the clean validation pictures", (10, 200), (4, 198))
    assert said.startswith("cleaning changed the error rate on the clean validation pictures")
    assert "from 5.0% (10 of 200) to 2.0% (4 of 198)" in said


def test_unfreezing_compares_the_heads_kept_weights_with_the_kept_epoch():
    log = StageLog()
    log.rows = [("whole", 0.35, 0.05)]
    said = unfreezing(log, _best(0.35, 0.05))
    assert said == (
        "unfreezing raised the validation loss from 0.300 to 0.350 and lowered the error rate "
        "from 8.0% to 5.0%"
    )
    assert "left the error rate at 8.0%" in unfreezing(log, _best(0.2, 0.08))
    no_head = _best(0.2, 0.08, head=None)
    assert "no epoch of the head alone" in unfreezing(StageLog(), no_head)


def test_unfreezing_says_when_the_head_was_kept():
    log = StageLog()
    log.rows = [("whole", 0.36, 0.12), ("whole", 0.33, 0.09)]
    said = unfreezing(log, _best(0.30, 0.08, kept_earlier=True))
    assert said == (
        "no epoch of the whole network beat the head: its best reached an error rate of 9.0% "
        "(validation loss 0.330) against the head's 8.0% (0.300), so the head's weights are kept"
    )


def _best(loss, error, kept_earlier=False, head=(0.08, 0.30)):
    """What `unfreezing` reads of fit_recipe's BestEpoch; `head`: the head stage's kept
    (error rate, validation loss), its `to_beat`."""
    return SimpleNamespace(
        best_key=(error, loss), error=error, kept_earlier=kept_earlier, to_beat=head
    )


def test_stage_log_tells_the_head_from_the_whole_network():
    log = StageLog()
    recorder = SimpleNamespace(metric_names=["epoch", "train_loss", "valid_loss", "error_rate"])
    recorder.values = [[0.5, 0.4, 0.1]]
    for frozen_idx, stage in ((2, "head"), (0, "whole")):
        log.learn = SimpleNamespace(recorder=recorder, opt=SimpleNamespace(frozen_idx=frozen_idx))
        log.after_epoch()
        assert log.rows[-1] == (stage, pytest.approx(0.4), pytest.approx(0.1))


def test_errors_agree_with_valid_accuracy(learn):
    """Against the recipe's own measure, with and without the excluded pictures."""
    exclude = list(learn.dls.valid.items)[:3]
    counts = errors(learn, exclude=exclude)
    wrong, n = counts["all"]
    assert n == len(learn.dls.valid.items)
    assert 1 - wrong / n == pytest.approx(valid_accuracy(learn))
    wrong, n = counts["clean"]
    assert n == len(learn.dls.valid.items) - 3
    assert 1 - wrong / n == pytest.approx(valid_accuracy(learn, exclude=exclude))
