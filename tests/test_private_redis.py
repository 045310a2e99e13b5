"""The tests' private Redis-compatible server: extra configuration reaches it, and it stops."""

from __future__ import annotations

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError

from tests.private_redis import private_redis


def test_extra_configuration_reaches_the_server() -> None:
    with (
        private_redis(maxmemory="1mb", maxmemory_policy="noeviction") as url,
        Redis.from_url(url) as client,
    ):
        settings = client.config_get("maxmemory*")
        # A full server under noeviction refuses writes instead of dropping keys.
        with pytest.raises(OutOfMemoryError):
            client.set("big", b"x" * 2 * 1024 * 1024)
    assert (settings["maxmemory"], settings["maxmemory-policy"]) == ("1048576", "noeviction")


def test_two_servers_are_independent_and_stop_with_their_block() -> None:
    with (
        private_redis() as first_url,
        private_redis() as second_url,
        Redis.from_url(first_url) as first,
        Redis.from_url(second_url) as second,
    ):
        first.set("only-here", 1)
        held = (first.exists("only-here"), second.exists("only-here"))
    assert first_url != second_url
    assert held == (1, 0)
    with Redis.from_url(first_url) as stopped, pytest.raises(RedisConnectionError):
        stopped.ping()
