"""`lesson2 demo`: the whole lesson offline, from a messy local web to a web app you can use.

    lesson2 demo                        # build the demo dataset, train, serve on 127.0.0.1:8000
    lesson2 demo --retrain --port 8080
    lesson2 demo --no-serve             # stop after training

Each step resumes: the dataset is downloaded once, the model is trained once (unless
--retrain), so a second `make demo` goes straight to the app.
"""

from lesson2.commands import serve, subcommand, train


def add(sub):
    p = subcommand(
        sub, "demo", "offline: build the demo dataset, train on it, serve the web app", __doc__
    )
    p.add_argument("--host", default="127.0.0.1", help="where the app listens (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="the app's port (default 8000)")
    p.add_argument("--retrain", action="store_true", help="train again even if a model exists")
    p.add_argument("--epochs", type=int, help="epochs of the whole network (default: by device)")
    p.add_argument("--size", type=int, help="image size in pixels (default: by device)")
    p.add_argument("--no-serve", action="store_true", help="stop after training")
    return p


def run(*, host="127.0.0.1", port=8000, retrain=False, epochs=None, size=None, no_serve=False):
    """Build the demo dataset, train on it (once, unless `retrain`), then serve the app."""
    from lesson2.dataset.download import summarize
    from lesson2.demo.build import build_demo_dataset
    from lesson2.workspace import data_dir

    print("1/3 building the demo dataset from the local web")
    path = build_demo_dataset()
    print(summarize(path).to_string())
    pkl = data_dir() / "models" / f"{path.name}.pkl"
    if retrain or not pkl.exists():
        print(f"2/3 training on {path}")
        status = train.run(path, out=pkl, epochs=epochs, size=size)
        if status:
            return status
    else:
        print(f"2/3 using the model trained earlier: {pkl} (--retrain to train again)")
    if no_serve:
        return 0
    print("3/3 serving the app")
    return serve.run(model_file=pkl, host=host, port=port, examples=path)
