"""The app's settings (lesson2_app.settings): read from LESSON2_* variables, bad ones fail fast."""

import pytest

from lesson2_app.settings import Settings, SettingsError


def test_settings_from_environment(tmp_path):
    env = {
        "LESSON2_MODEL": str(tmp_path / "m.pkl"),
        "LESSON2_PORT": "8123",
        "LESSON2_MAX_UPLOAD_MB": "2.5",
        "LESSON2_WORKERS": "1",
        "LESSON2_EXAMPLES": str(tmp_path),
        "LESSON2_DATA": "/elsewhere",
        "LESSON2_ORT_WEB": "/elsewhere/onnxruntime-web",  # make exports it: not the app's
    }
    s = Settings.from_env({**env, "LESSON2_MAX_BATCH": " 4 "}, host="0.0.0.0")
    assert s.max_batch == 4
    assert Settings.from_env({**env, "LESSON2_HOST": " 0.0.0.0 "}).host == "0.0.0.0"
    assert (s.model, s.port, s.max_upload_bytes, s.workers) == (
        tmp_path / "m.pkl",
        8123,
        2621440,
        1,
    )
    assert (s.host, s.examples) == ("0.0.0.0", tmp_path)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"LESSON2_PORT": "eighty"}, "LESSON2_PORT='eighty' is not a valid int"),
        ({"LESSON2_MAX_UPLOAD_MB": "lots"}, "LESSON2_MAX_UPLOAD_MB='lots' is not a valid float"),
        ({}, "LESSON2_MODEL is not set"),
        ({"LESSON2_PORT": "70000"}, "at most 65535"),
        ({"LESSON2_WORKERS": "0"}, "LESSON2_WORKERS must be positive"),
        ({"LESSON2_MAX_UPLOAD": "5"}, "unknown setting LESSON2_MAX_UPLOAD"),
        ({"LESSON2_EXAMPLES": "/no/such/folder"}, "is not a folder"),
    ],
)
def test_bad_settings_fail_fast(env, says):
    with pytest.raises(SettingsError, match=says):
        Settings.from_env(env)
