"""The `lesson2` command: every step of the lesson a subcommand, help without torch, Ctrl+C kept."""

import subprocess
import sys

import pytest

from lesson2 import cli
from lesson2.commands import dataset


def test_help_lists_the_commands_in_the_lessons_order(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    names = ["doctor", "dataset", "train", "clean", "export", "serve", "predict", "demo"]
    assert [out.index(f"    {name} ") for name in names] == sorted(
        out.index(f"    {name} ") for name in names
    )


def test_each_commands_help_loads_neither_torch_nor_fastai():
    script = (
        "import sys; from lesson2.cli import build_parser\n"
        "for name in ['dataset', 'train', 'clean', 'export', 'serve', 'predict', 'demo',\n"
        "             'doctor']:\n"
        "    try: build_parser().parse_args([name, '--help'])\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in ('torch', 'fastai', 'timm') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_ctrl_c_says_finished_work_is_kept(monkeypatch, tmp_path, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dataset, "run", interrupted)
    assert cli.main(["dataset", str(tmp_path), "--demo"]) == 130
    assert "finished work is kept" in capsys.readouterr().err
