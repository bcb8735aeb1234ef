"""lesson2.training.recipe: the lesson's recipe, lr_find and saved stages."""

import time
from types import SimpleNamespace

import pytest
import torch
from fastai.vision.all import set_seed

from lesson2.training.data import get_dls
from lesson2.training.learner import get_learner
from lesson2.training.plan import plan_for
from lesson2.training.recipe import (
    FINE_TUNE_DIV,
    HEAD_SHARE,
    UNFROZEN_DIV,
    affordable_epochs,
    find_lr,
    fit_recipe,
    head_on_features,
    lr_turn,
    save_stage,
    time_steps,
    top_from,
    train_head,
    unfrozen_top,
)


def test_save_stage_round_trips_outside_the_dataset(learn, small_shapes):
    saved = save_stage(learn, "stage-1")
    assert saved.name == "stage-1.pth"
    assert small_shapes not in saved.parents  # a models/ folder there would pass for a class
    weight = learn.model[1][-1].weight.detach().clone()
    with torch.no_grad():
        learn.model[1][-1].weight.zero_()
    learn.load("stage-1")
    assert torch.equal(learn.model[1][-1].weight, weight)


@pytest.mark.slow
def test_find_lr_runs_until_the_loss_turns_and_suggests_left_of_it(learn):
    with learn.no_bar():
        found = find_lr(learn, num_it=30, start_lr=1e-5, end_lr=100, show_plot=False)
    assert len(learn.recorder.lrs) == 30  # every mini-batch, no early stop
    turn = lr_turn(learn.recorder)
    assert turn is not None and turn < learn.recorder.lrs[-1]  # the plotted curve turns up
    assert found.valley < turn  # the suggestion sits left of the turn
    assert not (learn.dls.path / "models").exists()  # its temporary weights went elsewhere


@pytest.mark.slow
def test_unfrozen_top_reads_lr_find_within_the_lessons_bounds_and_restores_weights(learn):
    learn.unfreeze()
    before = [p.detach().clone() for p in learn.model.parameters()]
    top = unfrozen_top(learn, 2e-3)
    assert 2e-3 / UNFROZEN_DIV <= top <= 2e-3 / FINE_TUNE_DIV
    assert all(torch.equal(a, b) for a, b in zip(before, learn.model.parameters(), strict=True))
    learn.freeze()


def test_top_from_takes_the_valley_within_the_lessons_and_fine_tunes_rates():
    lr = 2e-3
    assert top_from(SimpleNamespace(valley=5e-4), lr) == 5e-4  # inside: lr_find decides
    assert top_from(SimpleNamespace(valley=1e-6), lr) == lr / UNFROZEN_DIV  # the lesson's floor
    assert top_from(SimpleNamespace(valley=1e-1), lr) == lr / FINE_TUNE_DIV  # fine_tune's cap


def test_lr_turn_finds_where_the_loss_shoots_up():
    lrs = [10**e for e in range(-7, 3)]
    flat_then_up = SimpleNamespace(lrs=lrs, losses=[1, 0.5, 0.4, 0.45, 0.4, 0.42, 0.5, 1, 3, 9])
    assert lr_turn(flat_then_up) == 1.0  # from lr 1 on, above twice the flat level
    noisy = SimpleNamespace(lrs=lrs, losses=[1, 0.5, 0.4, 1.2, 0.4, 0.42, 0.5, 0.4, 0.3, 0.3])
    assert lr_turn(noisy) is None  # one noisy jump that comes back is no turn
    still_falling = SimpleNamespace(
        lrs=lrs, losses=[1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    )
    assert lr_turn(still_falling) is None


@pytest.mark.slow
def test_fit_recipe_is_the_notebooks_lines(small_shapes):
    """The package's recipe and the lines notebook 02 shows train the same model."""
    plan = plan_for(size=64, bs=16, freeze_epochs=1, epochs=1)
    lr, lo = 2e-3, 1e-5

    def fresh():
        set_seed(7, reproducible=True)
        dls = get_dls(small_shapes, plan)
        return get_learner(dls)

    packaged = fresh()
    with packaged.no_bar(), packaged.no_logging():
        fit_recipe(packaged, plan, lr, lo=lo)
    shown = fresh()
    with shown.no_bar(), shown.no_logging():
        shown.fit_one_cycle(plan.freeze_epochs, lr)
        shown.unfreeze()
        shown.fit_one_cycle(plan.epochs, slice(lo, lr / 10))  # the lesson's top: lr / 10
    for a, b in zip(packaged.model.parameters(), shown.model.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)
    assert not torch.allclose(*(m[1][-1].weight for m in (packaged.model, fresh().model)))


@pytest.mark.slow
def test_fit_recipe_keeps_the_head_when_the_whole_network_does_worse(small_shapes):
    """A top rate far too high wrecks every unfrozen epoch: the head stage's weights come back."""
    import copy

    from fastai.callback.core import Callback

    plan = plan_for(size=64, bs=16, freeze_epochs=1, max_epochs=3, patience=1)
    set_seed(7, reproducible=True)
    learn = get_learner(get_dls(small_shapes, plan))
    after_head = []

    class AfterHead(Callback):
        def after_fit(self):
            if not after_head:
                after_head.append(copy.deepcopy(self.learn.model.state_dict()))

    learn.add_cb(AfterHead())
    with learn.no_bar(), learn.no_logging():
        best = fit_recipe(learn, plan, 2e-3, hi=5.0)
    assert best.kept_earlier and best.summary().startswith("kept the head stage's weights")
    for name, tensor in learn.model.state_dict().items():
        assert torch.equal(tensor, after_head[0][name]), name


@pytest.mark.slow
def test_train_head_trains_the_learners_own_head_on_precomputed_features(small_shapes):
    plan = plan_for(size=64, bs=16, head_epochs=12, minutes=10)  # freeze_epochs None: default
    set_seed(7, reproducible=True)
    learn = get_learner(get_dls(small_shapes, plan))
    body = [p.detach().clone() for p in learn.model[0].parameters()]
    start = time.monotonic()
    with learn.no_bar(), learn.no_logging():
        head = train_head(learn, plan, 2e-3, deadline=start + 600)
        error = float(learn.validate()[1])
    assert head.deadline - start == pytest.approx(HEAD_SHARE * 600, abs=5)
    assert head.planned == 12 and len(head.epoch_seconds) == 12  # a third of 10 minutes: all
    assert not list(small_shapes.rglob("_tmp.pth"))  # lr_find's timing left nothing behind
    assert error == pytest.approx(head.error)  # the kept epoch's head is learn's own, in place
    chance = 1 - 1 / learn.dls.c  # the error rate of guessing
    assert error < chance - 3 / len(learn.dls.valid_ds)  # 3 pictures better, after 12 epochs
    for before, after in zip(body, learn.model[0].parameters(), strict=True):
        assert torch.equal(before, after)  # the body stayed frozen
    assert head.epoch_best == 11  # the cycle's last epoch, not the best-scored one
    said = f"kept its last epoch, 12 (error rate {error:.1%}); every planned epoch ran"
    assert head.summary() == said


@pytest.mark.slow
def test_train_head_plans_its_cycle_on_the_time_its_share_affords(small_shapes):
    plan = plan_for(size=64, bs=16, head_epochs=1000, minutes=10)
    learn = get_learner(get_dls(small_shapes, plan))
    with learn.no_bar(), learn.no_logging():
        head = train_head(learn, plan, 2e-3, deadline=time.monotonic() + 6)  # 2 s its share
    assert 1 <= head.planned < 1000  # what 2 seconds afford, not head_epochs


def test_a_head_without_fastais_pooling_is_refused_with_the_way_out(learn):
    odd = SimpleNamespace(model=[learn.model[0], learn.model[1][2:]], arch_name="odd")
    with pytest.raises(ValueError, match="set freeze_epochs"):
        head_on_features(odd, None, 16)


@pytest.mark.slow
def test_fit_recipe_hands_the_head_stages_best_to_the_whole_network(small_shapes):
    plan = plan_for(size=64, bs=16, max_epochs=2, head_epochs=3, patience=2, minutes=10)
    set_seed(7, reproducible=True)
    learn = get_learner(get_dls(small_shapes, plan))
    said = []
    with learn.no_bar(), learn.no_logging():
        best = fit_recipe(learn, plan, 2e-3, log=said.append)
    assert best.head is not None and best.head.planned == 3  # head_epochs, on features
    assert best.head.epoch_best == 2  # the cycle's last epoch is kept, not its best-scored
    assert best.to_beat == best.head.best_key  # the whole network must beat what the head kept
    assert said[0] == f"the head alone: {best.head.summary()}"
    assert said[1].startswith("the whole network at slice(2.0e-05, 2.0e-04)")


def test_affordable_epochs_fit_the_time_left():
    learn = SimpleNamespace(dls=SimpleNamespace(train=range(30), valid=range(9)))
    # an epoch: 30 steps of 1 s and 9 validation batches at a third of a step: 33 s, planned
    # on 80% of the time left
    assert affordable_epochs(learn, 1.0, 100, 20) == 2
    assert affordable_epochs(learn, 1.0, 125, 20) == 3
    assert affordable_epochs(learn, 1.0, 10_000, 20) == 20  # at most `most`
    assert affordable_epochs(learn, 1.0, 5, 20) == 1  # at least one


def test_time_steps_times_real_steps_and_puts_the_weights_back(learn):
    learn.unfreeze()
    before = {k: v.clone() for k, v in learn.model.state_dict().items()}
    seconds = time_steps(learn)
    assert 0 < seconds < 60
    for name, tensor in learn.model.state_dict().items():
        assert torch.equal(tensor, before[name]), name
