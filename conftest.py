"""Fixtures every test gets, the app tests (tests/) and the tooling's (tools/tests/) alike."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_superlink(settings, tmp_path):
    """Unless a test starts one, there is no SuperLink: pages must say so, not fail."""
    settings.SUPERLINK_TLS_DIR = tmp_path / "no-superlink-tls"
    settings.SUPERLINK_ADDRESS = "127.0.0.1:9"
