"""federations and accounts name no app above them, not even in strings: URL names, template paths,
modules, tables.

import-linter (`make test`'s lint-imports) catches imports; this catches the rest. The apps above hand
federations what it shows of theirs through ``federations.extensions``, and the profile's sections
through ``accounts.extensions``.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ABOVE_FEDERATIONS = [
    "runs",
    "supernodes",
    "superlink",
    "apps",
    "hub",
    "webhooks",
]  # hub: the apps app's label and URL names
ABOVE_ACCOUNTS = ["federations", *ABOVE_FEDERATIONS]


def patterns(above: list[str]) -> list[re.Pattern[str]]:
    upper = "(?:" + "|".join(above) + ")"
    return [
        re.compile(rf"\b{upper}:[a-z_]+"),  # URL names: 'runs:run'
        re.compile(rf"\b{upper}/[\w./-]*\.(?:html|txt)\b"),  # templates: "runs/tab.html"
        re.compile(rf"[\"']{upper}(?:\.[a-z_]+)+[\"']"),  # modules: "runs.models"
        re.compile(rf"\b{upper}_[a-z]+\b"),  # tables: supernodes_federationnode
    ]


def app_files(app: str, templates: list[str]) -> list[Path]:
    # Migrations are history: the state-only moves (FederationNode, RunOutcome, the run-ended email's
    # setting) depend on the migrations of the apps that took them over.
    code = [path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    return code + sorted(path for folder in templates for path in (ROOT / "templates" / folder).rglob("*.html"))


def references(text: str, above: list[str] = ABOVE_FEDERATIONS) -> list[str]:
    return [match.group(0) for pattern in patterns(above) for match in pattern.finditer(text)]


def found_in(files: list[Path], above: list[str]) -> dict[str, list[str]]:
    return {str(path.relative_to(ROOT)): refs for path in files if (refs := references(path.read_text(), above))}


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


def test_a_reference_from_accounts_to_federations_is_caught():
    assert references('redirect("federations:dashboard")', ABOVE_ACCOUNTS) == ["federations:dashboard"]
    assert references("{% include 'federations/_invitation_inbox.html' %}", ABOVE_ACCOUNTS)


def test_federations_names_no_app_above_it():
    assert found_in(app_files("federations", ["federations"]), ABOVE_FEDERATIONS) == {}


def test_accounts_names_no_app_above_it():
    files = app_files("accounts", ["accounts", "account"])
    assert any(path.name == "profile.html" for path in files)
    assert found_in(files, ABOVE_ACCOUNTS) == {}
