import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: every test starts with none used (as in tests/conftest.py)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_superlink(settings, tmp_path):
    """No SuperLink runs for the tooling tests: pages must say so, not fail (as in tests/conftest.py)."""
    settings.SUPERLINK_TLS_DIR = tmp_path / "no-superlink-tls"
    settings.SUPERLINK_ADDRESS = "127.0.0.1:9"
