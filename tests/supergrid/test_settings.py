"""Settings from the environment are read strictly: a value that is not what the variable takes stops the
portal at start-up with a message naming the variable and the value, instead of a bare ValueError or, for
a yes/no setting, quietly meaning "off"."""

import subprocess
import sys

import pytest

from supergrid.settings import env_bool, env_float, env_int

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 64, "PORTAL_URL": "https://grid.example.org"}


def start(env: dict, code: str = "") -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter, as every manage.py command and gunicorn worker does."""
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={"DJANGO_SETTINGS_MODULE": "supergrid.settings", "PATH": "/usr/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


POSTGRES = {"DATABASE_URL": "postgres://supergrid@127.0.0.1:5432/supergrid"}


@pytest.mark.parametrize(
    ("name", "value", "context"),
    [
        pytest.param("DATABASE_CONN_MAX_AGE", "abc", {}, id="DATABASE_CONN_MAX_AGE"),
        pytest.param("TRUSTED_PROXY_COUNT", "one", {}, id="TRUSTED_PROXY_COUNT"),
        pytest.param("INVITATION_LIFETIME_DAYS", "14d", {}, id="INVITATION_LIFETIME_DAYS"),
        pytest.param("CLI_LOGIN_PENDING_LIMIT", "2.5", {}, id="CLI_LOGIN_PENDING_LIMIT"),
        pytest.param("EMAIL_PORT", "smtp", {"EMAIL_HOST": "smtp.example.org"}, id="EMAIL_PORT"),
        pytest.param("SECURE_HSTS_SECONDS", "1y", PRODUCTION, id="SECURE_HSTS_SECONDS"),
        pytest.param("DATABASE_PREPARE_THRESHOLD", "five", POSTGRES, id="DATABASE_PREPARE_THRESHOLD"),
    ],
)
def test_a_bad_whole_number_stops_start_up_naming_the_variable(tmp_path, name, value, context):
    result = start({"SUPERGRID_VAR_DIR": str(tmp_path), **context, name: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be a whole number, not {value!r}" in result.stderr, result.stderr


def test_a_bad_number_of_seconds_stops_start_up_naming_the_variable(tmp_path):
    result = start({"SUPERGRID_VAR_DIR": str(tmp_path), "SUPERLINK_NODE_CACHE_SECONDS": "2s"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SUPERLINK_NODE_CACHE_SECONDS must be a number, not '2s'" in result.stderr


def test_a_typo_in_debug_stops_start_up_instead_of_meaning_production(tmp_path):
    result = start({"SUPERGRID_VAR_DIR": str(tmp_path), "DEBUG": "ture"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be 1 or 0 (or true/false, yes/no, on/off), not 'ture'" in result.stderr


def test_a_typo_in_a_production_switch_names_it(tmp_path):
    result = start({"SUPERGRID_VAR_DIR": str(tmp_path), **PRODUCTION, "SECURE_SSL_REDIRECT": "yes please"})
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT must be 1 or 0 (or true/false, yes/no, on/off), not 'yes please'" in result.stderr


def test_an_empty_prepare_threshold_still_switches_prepared_statements_off(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    result = start({"SUPERGRID_VAR_DIR": str(tmp_path), **POSTGRES, "DATABASE_PREPARE_THRESHOLD": ""}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        (" ON ", True),
        ("0", False),
        ("FALSE", False),
        ("no", False),
        ("Off", False),
    ],
)
def test_yes_no_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("SUPERGRID_TEST_SWITCH", value)
    assert env_bool("SUPERGRID_TEST_SWITCH", not expected) is expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_unset_or_empty_is_the_default(monkeypatch, value):
    for name in ("SUPERGRID_TEST_SWITCH", "SUPERGRID_TEST_COUNT", "SUPERGRID_TEST_SECONDS"):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert env_bool("SUPERGRID_TEST_SWITCH", True) is True
    assert env_bool("SUPERGRID_TEST_SWITCH", False) is False
    assert env_int("SUPERGRID_TEST_COUNT", 7) == 7
    assert env_float("SUPERGRID_TEST_SECONDS", 0.5) == 0.5


def test_numbers_are_read_as_before(monkeypatch):
    monkeypatch.setenv("SUPERGRID_TEST_COUNT", " 42 ")
    monkeypatch.setenv("SUPERGRID_TEST_SECONDS", "0.25")
    assert env_int("SUPERGRID_TEST_COUNT", 0) == 42
    assert env_float("SUPERGRID_TEST_SECONDS", 2.0) == 0.25
