"""federations names no app above it, not even in strings: URL names, template paths, modules, tables.

import-linter (`make test`'s lint-imports) catches imports; this catches the rest. The apps above hand
federations what it shows of theirs through ``federations.extensions``.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UPPER = r"(?:runs|supernodes|superlink|apps)"
REFERENCES = [
    re.compile(rf"\b{UPPER}:[a-z_]+"),  # URL names: 'runs:run'
    re.compile(rf"\b{UPPER}/[\w./-]*\.(?:html|txt)\b"),  # templates: "runs/tab.html"
    re.compile(rf"[\"']{UPPER}(?:\.[a-z_]+)+[\"']"),  # modules: "runs.models"
    re.compile(r"\b(?:runs|supernodes)_[a-z]+\b"),  # tables: supernodes_federationnode
]


def federations_files() -> list[Path]:
    # Migrations are history: the state-only move of FederationNode and RunOutcome depends on the
    # migrations of the apps that took them over.
    code = [path for path in (ROOT / "federations").rglob("*.py") if "migrations" not in path.parts]
    return code + sorted((ROOT / "templates" / "federations").rglob("*.html"))


def references(text: str) -> list[str]:
    return [match.group(0) for pattern in REFERENCES for match in pattern.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "reverse('runs:dashboard_live')",
        '{% include "supernodes/tab.html" %}',
        'import_string("superlink.hooks")',
        "SELECT COUNT(*) FROM supernodes_federationnode",
    ],
)
def test_each_kind_of_reference_is_caught(text):
    assert references(text)


def test_words_of_the_domain_are_not_references():
    assert references("you can still read their runs, members and activity; SuperNodes: 3 simulated") == []


def test_federations_names_no_app_above_it():
    found = {
        str(path.relative_to(ROOT)): refs for path in federations_files() if (refs := references(path.read_text()))
    }
    assert found == {}
