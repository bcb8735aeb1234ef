"""The web app's settings: every knob, read from environment variables in one place.

    LESSON2_MODEL=models/shapes.onnx LESSON2_WORKERS=2 uvicorn --app-dir app \
        --factory lesson2_app.main:create_app
    from lesson2_app.settings import Settings
    settings = Settings.from_env()                   # a SettingsError names any bad value
    settings = Settings(model=Path("shapes.onnx"))   # tests build theirs directly

Unknown LESSON2_* names are errors too, so a typo does not silently fall back to a default.
"""

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from starlette.config import Config

PREFIX = "LESSON2_"
NOT_SETTINGS = {"LESSON2_DATA", "LESSON2_ORT_WEB", "LESSON2_QUICK"}  # the rest of lesson2's


def cores():
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


class SettingsError(ValueError):
    """An environment variable holds a value the app cannot use."""


@dataclass(frozen=True)
class Settings:
    """What the app serves and how; each field is read from LESSON2_<NAME>."""

    model: Path | None = None  # the .onnx file `lesson2 export` wrote (required)
    max_upload_mb: float = 10.0  # larger uploads are refused with 413 before they are read
    host: str = "127.0.0.1"  # 0.0.0.0 makes the app reachable from other machines
    port: int = 8000
    workers: int = field(default_factory=cores)  # requests classified at once, each in a thread
    max_batch: int = 16  # requests waiting together are classified in one forward pass
    max_pixels: int = 40_000_000  # bigger images are refused: a guard against decompression bombs
    examples: Path | None = None  # a folder of class folders whose first pictures the page shows

    def __post_init__(self):
        for name in ("max_upload_mb", "port", "workers", "max_batch", "max_pixels"):
            if getattr(self, name) <= 0:
                raise SettingsError(
                    f"{PREFIX}{name.upper()} must be positive, not {getattr(self, name)}"
                )
        if self.port > 65535:
            raise SettingsError(f"{PREFIX}PORT must be at most 65535, not {self.port}")
        if self.examples is not None and not Path(self.examples).is_dir():
            raise SettingsError(
                f"{PREFIX}EXAMPLES={self.examples} is not a folder: point it at a folder of "
                "class subfolders, or leave it unset"
            )
        if self.model is None:
            raise SettingsError(
                f"{PREFIX}MODEL is not set: point it at the .onnx file `lesson2 export` wrote, "
                f"e.g. {PREFIX}MODEL=models/shapes.onnx uvicorn --app-dir app --factory "
                "lesson2_app.main:create_app"
            )
        object.__setattr__(self, "model", Path(self.model).expanduser())  # frozen: set once here
        if self.examples is not None:
            object.__setattr__(self, "examples", Path(self.examples).expanduser())

    @property
    def max_upload_bytes(self):
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def threads(self):
        """onnxruntime threads per request: workers x threads fill the cores, no more."""
        return max(1, cores() // self.workers)

    @classmethod
    def from_env(cls, environ=None, **overrides):
        """Settings from `environ` (default os.environ); `overrides` (e.g. from the CLI) win."""
        environ = os.environ if environ is None else environ
        known = {f.name.upper(): f for f in fields(cls)}
        unknown = sorted(
            k
            for k in environ
            if k.startswith(PREFIX) and k not in NOT_SETTINGS and k[len(PREFIX) :] not in known
        )
        if unknown:
            names = ", ".join(PREFIX + n for n in known)
            raise SettingsError(f"unknown setting {', '.join(unknown)}: the app reads {names}")
        config = Config(environ=environ, env_prefix=PREFIX)  # typed reads: config(KEY, cast=int)
        values = {
            f.name: _read(config, name, f.type)
            for name, f in known.items()
            if environ.get(PREFIX + name, "").strip()  # unset or blank: the default
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _path(raw):
    return Path(raw.strip()).expanduser()


def _read(config, name, kind):
    """Variable LESSON2_`name` as the type a field declares, or a SettingsError saying so."""
    cast = {int: int, float: float, str: str.strip}.get(kind, _path)
    try:
        return config(name, cast=cast)
    except ValueError as e:
        expected = getattr(kind, "__name__", "path")
        raise SettingsError(
            f"{PREFIX}{name}={config(name).strip()!r} is not a valid {expected}"
        ) from e
