"""The Korean catalogue is complete, current and compiled (docs/i18n.md).

These run gettext's own tools (Django's makemessages uses xgettext and msgmerge): on a machine without
them the tests skip, and under REQUIRE_TOOLS=1 (CI) they fail.
"""

import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LC = ROOT / "locale" / "ko" / "LC_MESSAGES"
PO, MO = LC / "django.po", LC / "django.mo"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("REQUIRE_TOOLS") == "1":
            pytest.fail(f"REQUIRE_TOOLS=1 but {tool} (Debian's gettext) is not installed")
        pytest.skip(f"{tool} is not installed (Debian's gettext package)")
    return path


def makefile_ignores() -> list[str]:
    """The same --ignore options `make messages` passes, read from the Makefile."""
    line = re.search(r"^MESSAGES_IGNORE := (.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert line, "the Makefile's MESSAGES_IGNORE line is gone"
    return shlex.split(line.group(1))


def without_dates(text: str) -> str:
    return re.sub(r'^"POT-Creation-Date: .*"$', "", text, flags=re.MULTILINE)


COPIED_NOT = shutil.ignore_patterns(
    ".*", "var", "locale", "__pycache__", "node_modules", "outputs", "*.fab", "*.png", "*.sqlite3"
)


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """What `make messages` would write, from today's sources. In a copy of the project: makemessages
    writes beside the sources it reads, and the committed catalogue must stay as it is."""
    need("xgettext")
    need("msgmerge")
    copy = tmp_path_factory.mktemp("project") / "supergrid"
    shutil.copytree(ROOT, copy, ignore=COPIED_NOT)
    (copy / "locale" / "ko" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(PO, copy / "locale" / "ko" / "LC_MESSAGES" / "django.po")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "supergrid.settings", "PYTHONPATH": str(copy)}
    args = ["makemessages", "--locale", "ko", "--no-obsolete", "--add-location", "file", *makefile_ignores()]
    result = subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=copy, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return copy / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def test_every_string_has_a_korean_translation_and_none_is_fuzzy():
    result = subprocess.run(
        [need("msgfmt"), "--check", "--statistics", "-o", os.devnull, str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # Only "N translated messages.": no "untranslated", no "fuzzy".
    assert re.search(r"^\d+ translated messages?\.$", result.stderr.strip()), (
        f"{result.stderr.strip()} — run `make messages` and translate the new entries in {PO.relative_to(ROOT)}"
    )


def test_the_catalogue_holds_exactly_the_strings_of_the_sources(collected):
    """A string added, changed or removed in a template or in Python without `make messages` fails here."""
    mine, theirs = without_dates(PO.read_text()), without_dates(collected.read_text())
    if mine != theirs:
        added = sorted(
            set(re.findall(r'^msgid "(.+)"$', theirs, re.MULTILINE))
            - set(re.findall(r'^msgid "(.+)"$', mine, re.MULTILINE))
        )
        pytest.fail(f"locale/ko/LC_MESSAGES/django.po is not current: run `make messages`; new strings: {added[:20]}")


def catalog(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


def test_the_compiled_catalogue_is_compiled_from_the_committed_one(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run([need("msgfmt"), "--check-format", "-o", str(compiled), str(PO)], check=True)
    assert catalog(MO) == catalog(compiled), "locale/ko/LC_MESSAGES/django.mo is stale: run `make messages`"


MARKS = re.compile(r"%\(\w+\)[sd]|</?[a-z]+[^>]*>|`[^`]+`")


def test_translations_keep_every_placeholder_tag_and_code_span():
    for key, translated in catalog(MO).items():
        source = key[0] if isinstance(key, tuple) else key
        source = source.split("\x04", 1)[-1]  # a context's prefix
        if not source:
            continue  # the header
        assert sorted(MARKS.findall(source)) == sorted(MARKS.findall(translated)), (source, translated)
