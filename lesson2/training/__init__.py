"""Step 2, training a classifier (notebook 02_train; 03 and 04 train with the same recipe).

    from lesson2.training.plan import plan_for          # size, batch, epochs, split, device
    from lesson2.training.data import get_dls           # the DataBlock
    from lesson2.training.learner import get_learner    # a pretrained body and a new head
    from lesson2.training.recipe import fit_recipe, find_lr
    from lesson2.training.train import train            # all of it, as `lesson2 train` does

plan           how to train on this machine (no torch needed to read it)
data           one DataBlock, one train/valid split, pictures turned upright
models         pretrained architectures from local files only
learner        the transfer-learning Learner and each device's speed-ups
features       the body's pooled view of a picture, for heads, the cleaner and the export
recipe         fit_one_cycle on the head, unfreeze, discriminative rates; lr_find
train          the whole `lesson2 train`: data, learner, recipe, both exports
pitfalls       what goes wrong with the learning rate and the epochs, in seconds
pitfall_plots  their curves
doctor         `lesson2 doctor`: torch and its CUDA, fastai, weights, GPU, data, and fixes
"""
