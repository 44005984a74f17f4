"""cxcore.toml: validated against its schema, errors name file and key, secrets from env."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxcore import ConfigError, load_config
from cxcore.cli.starter import STARTER_CONFIG
from cxcore.config import resolve_secrets


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "cxcore.toml"
    p.write_text(text)
    return p


def test_starter_file_is_a_valid_project(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, STARTER_CONFIG))

    assert config.journey is not None
    assert [s.id for s in config.journey.stages] == [
        "discover",
        "buy",
        "onboard",
        "support",
        "renew",
    ]
    tp = config.journey.touchpoint("support", "phone")
    assert tp is not None and tp.importance == 5 and tp.moment_of_truth
    assert config.sources["exports"].plugin == "file"
    assert config.channel_map == {"web_widget": "chat", "voice": "phone"}
    assert config.store.path == str(tmp_path / ".cxcore" / "store.duckdb")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[sources.zd]\nsettings = {}\n",
            "cxcore.toml: sources.zd.plugin: required field is missing",
        ),
        ("[store]\nplugin = 3\n", "cxcore.toml: store.plugin: expected string, got 3"),
        ("[colours]\nx = 1\n", "cxcore.toml: (top level): unknown field(s) 'colours'"),
        (
            "[journey]\nid='j'\nname='J'\nchannels=[]\nstages=[{id='a'}]\n[[journey.touchpoints]]\nstage='b'\nchannel='c'\n",
            "cxcore.toml: journey: Touchpoint 'b.c': unknown stage 'b'",
        ),
        ("[project\n", "cxcore.toml: not valid TOML"),
    ],
)
def test_errors_name_the_file_and_key_path(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))

    assert message in str(info.value)


def test_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cxcore init"):
        load_config(tmp_path / "nope.toml")


def test_secrets_resolve_from_the_environment_only() -> None:
    settings = {
        "email": "a@b.example",
        "token": {"env": "ZD_TOKEN"},
        "nested": {"k": [{"env": "ZD_TOKEN"}]},
    }

    assert resolve_secrets(settings, env={"ZD_TOKEN": "s3cr3t"}) == {
        "email": "a@b.example",
        "token": "s3cr3t",
        "nested": {"k": ["s3cr3t"]},
    }
    with pytest.raises(ConfigError) as info:
        resolve_secrets(settings, env={}, where="sources.zd.settings")
    assert str(info.value) == (
        "sources.zd.settings.token: environment variable ZD_TOKEN is not set "
        "(export ZD_TOKEN=... before running)"
    )
