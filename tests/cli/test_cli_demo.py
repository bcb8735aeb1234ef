"""`make demo` end to end: a fresh data folder, the whole offline flow, a working app."""

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from lesson2.demo.localweb import jpeg_bytes
from lesson2.demo.shapes import draw
from lesson2.production.launch import free_port


@pytest.mark.slow
def test_demo_builds_trains_and_serves_a_working_app(tmp_path):
    port = free_port()
    env = {**os.environ, "LESSON2_DATA": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    argv = ["demo", "--port", str(port), "--epochs", "1", "--size", "64"]
    demo = subprocess.Popen(
        [sys.executable, "-m", "lesson2.cli", *argv],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines = []
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line or demo.poll() is None, "demo stopped early:\n" + "".join(lines)
            lines.append(line)
            if "in a browser" in line:
                break
        address = re.search(r"http://127\.0\.0\.1:(\d+)", lines[-1])
        assert address and int(address.group(1)) == port, "".join(lines)
        base = f"http://127.0.0.1:{port}"
        health = None
        for _ in range(100):  # uvicorn binds just after the address is printed
            try:
                health = httpx.get(f"{base}/api/health", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert health is not None, "the app never answered /api/health:\n" + "".join(lines)
        assert health.status_code == 200
        assert httpx.get(f"{base}/api/labels").json()["labels"] == [
            "circle",
            "hexagon",
            "pentagon",
            "square",
            "triangle",
        ]
        files = {"file": ("c.jpg", jpeg_bytes(draw("circle", seed=999)), "image/jpeg")}
        answer = httpx.post(f"{base}/api/predict", files=files, timeout=30).json()
        assert set(answer["probs"]) == set(["circle", "hexagon", "pentagon", "square", "triangle"])
        assert "<html" in httpx.get(base).text.lower()
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=30)
    output = "".join(lines)
    assert "1/3" in output and "2/3 training" in output and "3/3 serving" in output
    assert (tmp_path / "models" / "shapes.pkl").exists()
