"""How to train on this machine: image size, batch size, epochs, the split, and the device.

    from lesson2.training.plan import LR, Plan, plan_for, pick_device
    plan = plan_for()               # a CPU's budget and batch size, or a GPU's
    plan = plan_for(size=64, bs=8)  # the device's plan with smaller pictures and batches
    plan = plan_for(epochs=4)       # the lesson's fixed count instead of the budget's
    plan.valid_pct, plan.seed       # the train/valid split every step of the lesson uses

What the plan leaves as None, the data decides (`lesson2.training.choices.choose`): the image
size, and whether mirror images and quarter turns keep a picture's class.

torch is imported only inside the functions that need a device, so that `lesson2 train --help`
reads these defaults in a blink.
"""

import dataclasses
from dataclasses import dataclass

from lesson2.words import count

CPU_SIZE, GPU_SIZE = 128, 224  # largest pixels a side: small on a CPU, the lesson's 224 on a GPU
CPU_BS, GPU_BS = 32, 64  # images per batch
CPU_MINUTES, GPU_MINUTES = 4.0, 10.0  # time budget of a training run
LR = 2e-3  # base learning rate of the recipe; lr_find in notebook 02 shows where it comes from
VALID_PCT = 0.2  # share of each dataset kept for validation, as in the lesson
SEED = 42  # of the random train/valid split: the same pictures are validation every time


@dataclass
class Plan:
    """How much training suits a device, and which pictures are kept for validation."""

    size: int | None = None  # pixels a side; None: chosen from the pictures
    bs: int = CPU_BS  # images per batch
    freeze_epochs: int | None = None  # epochs of the new head alone on the pictures; None: a
    # cycle of up to head_epochs on features computed once (recipe.train_head)
    head_epochs: int = 80  # ... at most this many: an epoch on features takes a fraction of a
    # second, and on each tuned dataset 80 read its test pictures better than 40 (40 better
    # than 20): benchmarks/RESULTS.md
    epochs: int | None = None  # epochs of the whole network; None: what the budget affords
    max_epochs: int = 20  # ... but at most this many
    patience: int = 3  # epochs without a lower validation error rate before stopping
    minutes: float = CPU_MINUTES  # time budget of the whole fit: it stops before it runs over
    flip: bool | None = None  # mirror images in training; None: decided from the pictures
    turns: bool | None = None  # quarter turns and upside down too; None: decided likewise
    min_scale: float | None = None  # least share of a picture a random crop keeps; None: likewise
    lr_find_iters: int = 30  # mini-batches lr_find tries (each one costs a training step)
    valid_pct: float = VALID_PCT  # share of the pictures kept for validation
    seed: int = SEED  # of the random split

    def __post_init__(self):
        if not 0 < self.valid_pct < 1:
            raise ValueError(f"valid_pct must be between 0 and 1, not {self.valid_pct}")
        for name in ("size", "bs", "epochs", "max_epochs", "head_epochs", "patience", "minutes"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, not {value}")
        if self.freeze_epochs is not None and self.freeze_epochs < 0:
            raise ValueError(f"freeze_epochs must be 0 or more, not {self.freeze_epochs}")

    def describe(self):
        """One line a person reads: size, batch, epochs, budget."""
        size = f"{self.size} px" if self.size else "size from the pictures"
        whole = (
            count(self.epochs, "epoch")
            if self.epochs
            else f"for the epochs the budget affords (at most {self.max_epochs}) or until the "
            f"error rate stops improving ({count(self.patience, 'epoch')} of patience)"
        )
        head = (
            f"{count(self.freeze_epochs, 'epoch')} of the head alone"
            if self.freeze_epochs is not None
            else f"the head alone for one cycle of up to {count(self.head_epochs, 'epoch')} on "
            "the body's features, computed once"
        )
        return (
            f"{size}, batches of {self.bs}; {head}, then the whole network {whole}; a budget "
            f"of {count(self.minutes, 'minute')}"
        )


def plan_for(device=None, **changes):
    """The `Plan` for `device` (default: the one `pick_device` chooses), with `changes` applied;
    changes that are None keep the device's value."""
    if _device_type(device) == "cpu":
        plan = Plan()
    else:
        plan = Plan(bs=GPU_BS, max_epochs=40, minutes=GPU_MINUTES, lr_find_iters=100)
    return dataclasses.replace(plan, **{k: v for k, v in changes.items() if v is not None})


def max_size(device=None):
    """The largest picture side worth training at on `device`: the lesson's 224 on a GPU."""
    return CPU_SIZE if _device_type(device) == "cpu" else GPU_SIZE


def _device_type(device):
    import torch

    return (torch.device(device) if device is not None else pick_device()).type


def pick_device():
    """CUDA if there is a GPU, else Apple's MPS, else the CPU."""
    import torch

    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device=None):
    """A short human description of `device`, e.g. 'cuda (NVIDIA H100)' or 'cpu (2 threads)'."""
    import torch

    device = torch.device(device) if device is not None else pick_device()
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


def loader_workers(device):
    """Data-loader worker processes: none on small CPU-only machines, where they slow training."""
    from lesson2_app.settings import cores

    if _device_type(device) == "cpu" and cores() <= 4:
        return 0  # the workers would compete with the model for the same few cores
    return min(8, max(cores() - 1, 0))
