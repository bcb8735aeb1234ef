"""lesson2: a hands-on companion to fast.ai v3 Lesson 2, laid out as the lesson.

    dataset/     1. build an image dataset from the web: snippet, search, download, folders
    demo/        the offline rehearsal: drawn shapes, a messy local web, planted mistakes
    training/    2. train: DataBlock, pretrained learner, the recipe, what goes wrong
    clean/       3. clean: suspects, copies, the image cleaner widget, undo
    production/  4. production: export to ONNX, inference, out-of-domain answers, servers
    sgd/         5. SGD from scratch, and under- and overfitting
    workspace    where datasets and models live; atomic: writes that never leave half a file

The web app is its own package, `lesson2_app` (the repository's app/ folder), deployable alone.
"""

__version__ = "0.1.0"
