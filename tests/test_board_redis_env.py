"""The standalone board's TLS and Sentinel options from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from board.redis_env import bullmq_connection_options


def test_only_the_variables_set_become_options() -> None:
    assert bullmq_connection_options({}) == {}
    options = bullmq_connection_options(
        {
            "REDIS_SSL_CA_CERTS": "/etc/qb/ca.pem",
            "REDIS_SSL_CERTFILE": "/etc/qb/board.crt",
            "REDIS_SSL_KEYFILE": "/etc/qb/board.key",
            "REDIS_SSL_CHECK_HOSTNAME": "0",
            "REDIS_SENTINEL_PASSWORD": "s3cret",
            "REDIS_SENTINEL_USERNAME": "",
        }
    )
    assert options == {
        "ssl_ca_certs": "/etc/qb/ca.pem",
        "ssl_certfile": "/etc/qb/board.crt",
        "ssl_keyfile": "/etc/qb/board.key",
        "ssl_check_hostname": False,
        "sentinel_password": "s3cret",
    }
    assert bullmq_connection_options({"REDIS_SSL_CHECK_HOSTNAME": "yes"}) == {
        "ssl_check_hostname": True
    }


def test_the_board_passes_them_to_its_bullmq_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    import board.settings

    monkeypatch.setenv("REDIS_URL", "rediss://localhost:6380/0")
    monkeypatch.setenv("REDIS_SSL_CA_CERTS", str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SECRET_KEY", "x")
    try:
        reloaded = importlib.reload(board.settings)
        options = reloaded.QUEUEBOARD_BACKENDS["bullmq"]["OPTIONS"]
        assert options["ssl_ca_certs"] == str(tmp_path / "ca.pem")
        assert options["url"] == "rediss://localhost:6380/0"
    finally:
        monkeypatch.undo()
        importlib.reload(board.settings)
