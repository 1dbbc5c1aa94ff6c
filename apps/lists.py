"""The Hub's list of apps, a page at a time, in SQL (the project's way for lists `make bench` measures:
the queryset cost the page as much as the rest of it).

Only apps the reader may see (``App.objects.visible_to``, written out), with a version that can run; in
the order of an index (``hub_app_newest`` or ``hub_app_most_run``); each shown row's runnable versions
counted by a subquery, no join fan-out.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.urls import reverse
from django.utils.text import Truncator

from accounts.models import User
from federations.models import Federation, Membership
from supergrid.db import Rows, as_datetime, execute, fetch_one
from supergrid.web import Moment

from .models import App, AppRun, AppVersion, FederationApp, Review

TABLES = {
    "app": App._meta.db_table,
    "version": AppVersion._meta.db_table,
    "used": FederationApp._meta.db_table,
    "membership": Membership._meta.db_table,
    "user": User._meta.db_table,
    "federation": Federation._meta.db_table,
    "run": AppRun._meta.db_table,
    "review": Review._meta.db_table,
}
ORDERS = {
    "newest": "a.updated_at DESC, a.id DESC",
    "most-run": "a.run_count DESC, a.updated_at DESC, a.id DESC",
}
APPS_SQL = """
    SELECT a.id, o.username AS owner, a.name, a.description, a.private, a.run_count, a.updated_at,
        (SELECT COUNT(*) FROM {version} v WHERE v.app_id = a.id AND NOT v.hidden) AS versions
    FROM {app} a
    JOIN {user} o ON o.id = a.owner_id
    WHERE (NOT a.private OR a.owner_id = %(user_id)s OR a.id IN (
            SELECT u.app_id FROM {used} u JOIN {membership} m ON m.federation_id = u.federation_id
            WHERE m.user_id = %(user_id)s))
        AND EXISTS (SELECT 1 FROM {version} v WHERE v.app_id = a.id AND NOT v.hidden)
        AND (%(pattern)s = '' OR LOWER(a.name) LIKE %(pattern)s ESCAPE '\\'
            OR LOWER(a.description) LIKE %(pattern)s ESCAPE '\\' OR LOWER(o.username) LIKE %(pattern)s ESCAPE '\\')
    ORDER BY {order}
    LIMIT %(limit)s OFFSET %(offset)s
"""


@dataclass(frozen=True)
class AppRow:
    """An app in the list, with its link and counts."""

    handle: str
    url: str
    description: str
    private: bool
    versions: int
    runs: int
    updated: Moment


def like_pattern(query: str) -> str:
    """``%query%`` for LIKE, lower case, with LIKE's own characters taken literally."""
    if not query:
        return ""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class AppRows:
    """Sliceable (``paginate``): the rows of one page, as ``AppRow``s."""

    def __init__(self, user: User, query: str, order: str):
        sql = APPS_SQL.format(order=ORDERS[order], **TABLES)
        self.rows = Rows(sql, {"user_id": user.pk, "pattern": like_pattern(query)}, timestamps=("updated_at",))
        self.prefix = reverse("hub:list")

    def __getitem__(self, window: slice) -> list[AppRow]:
        return [
            AppRow(
                handle=f"@{row['owner']}/{row['name']}",
                url=f"{self.prefix}@{row['owner']}/{row['name']}/",
                description=Truncator(row["description"]).chars(160),
                private=bool(row["private"]),
                versions=row["versions"],
                runs=row["run_count"],
                updated=Moment.of(row["updated_at"]),
            )
            for row in self.rows[window]
        ]


# The reader's federations that use an app or ran it, with its runs in each: from the app's side (its
# federation links, its runs by version), then the reader's memberships by the one-per-user index.
# Prepared, as are the app's versions below: planning this one took 1.4 ms, running it 0.1 ms.
USED_BY_SQL = """
    WITH used AS (
        SELECT federation_id FROM {used} WHERE app_id = %(app_id)s
        UNION
        SELECT r.federation_id FROM {run} r JOIN {version} v ON v.id = r.version_id WHERE v.app_id = %(app_id)s
    )
    SELECT o.username AS owner, f.name,
        EXISTS (SELECT 1 FROM {used} u WHERE u.federation_id = f.id AND u.app_id = %(app_id)s) AS uses,
        (SELECT COUNT(*) FROM {run} r JOIN {version} v ON v.id = r.version_id
            WHERE r.federation_id = f.id AND v.app_id = %(app_id)s) AS runs
    FROM used
    JOIN {membership} m ON m.federation_id = used.federation_id AND m.user_id = %(user_id)s
    JOIN {federation} f ON f.id = used.federation_id
    JOIN {user} o ON o.id = f.owner_id
    ORDER BY o.username, f.name
""".format(**TABLES)


@dataclass(frozen=True)
class UsedBy:
    handle: str
    url: str
    uses: bool  # one of its apps (its Apps tab)
    runs: int


def used_by(user: User, app: App) -> list[UsedBy]:
    return [
        UsedBy(
            f"@{row['owner']}/{row['name']}",
            reverse("federations:overview", kwargs={"owner": row["owner"], "name": row["name"]}),
            bool(row["uses"]),
            row["runs"],
        )
        for row in execute(USED_BY_SQL, {"app_id": app.pk, "user_id": user.pk}, prepare=True)
    ]


# An app's page: the app by @owner/name (the LOWER indexes of accounts_user and
# hub_app_name_unique_per_owner_ci) if the reader may see it, its owner, and its latest runnable version's
# README; then its runnable versions, newest first (by the app foreign key's index).
APP_PAGE_SQL = """
    SELECT a.id, a.owner_id, a.name, a.description, a.created_at, a.private, a.run_count, a.updated_at,
        o.username AS owner,
        (SELECT v.readme FROM {version} v WHERE v.app_id = a.id AND NOT v.hidden
            ORDER BY v.published_at DESC LIMIT 1) AS readme,
        EXISTS (SELECT 1 FROM {review} r JOIN {version} v ON v.id = r.version_id WHERE v.app_id = a.id) AS reviewed
    FROM {app} a
    JOIN {user} o ON o.id = a.owner_id
    WHERE LOWER(o.username) = %(owner)s AND LOWER(a.name) = %(name)s
        AND (NOT a.private OR a.owner_id = %(user_id)s OR EXISTS (
            SELECT 1 FROM {used} u JOIN {membership} m ON m.federation_id = u.federation_id
            WHERE u.app_id = a.id AND m.user_id = %(user_id)s))
""".format(**TABLES)
VERSIONS_SQL = """
    SELECT v.id, v.version, v.published_at, v.size, CAST(v.run_config AS TEXT) AS run_config
    FROM {version} v WHERE v.app_id = %(app_id)s AND NOT v.hidden
    ORDER BY v.published_at DESC
""".format(**TABLES)
APP_FIELDS = ["id", "owner_id", "name", "description", "created_at", "private", "run_count", "updated_at"]


def app_page(owner: str, name: str, user: User) -> tuple[App, str, bool] | None:
    """The app, its README and whether any version was reviewed; None when there is none or the reader may
    not see it (``visible_to``)."""
    if not all(part.isascii() and part.isprintable() for part in (owner, name)):
        return None  # as ascii_iexact: names are ASCII, and Unicode case folding must not reach one
    row = fetch_one(APP_PAGE_SQL, {"owner": owner.lower(), "name": name.lower(), "user_id": user.pk})
    if row is None:
        return None
    app = App.from_db(connection.alias, APP_FIELDS, [row[field] for field in APP_FIELDS])
    app.created_at, app.updated_at = as_datetime(app.created_at), as_datetime(app.updated_at)
    app.private = bool(app.private)
    app.owner = User.from_db(connection.alias, ["id", "username"], [app.owner_id, row["owner"]])
    return app, row["readme"] or "", bool(row["reviewed"])


# The reader's active federations, where they may launch a run, by handle (the memberships by the user
# foreign key's index, each federation and owner by primary key). The member is a subquery, so one plan
# fits 3 and 1,000 memberships (``federations.lists.MEMBER_FEDERATIONS_SQL``), and it is prepared.
LAUNCHABLE_SQL = """
    SELECT o.username AS owner, f.name
    FROM {membership} m
    JOIN {federation} f ON f.id = m.federation_id
    JOIN {user} o ON o.id = f.owner_id
    WHERE m.user_id = (SELECT %(user_id)s) AND f.archived_at IS NULL
    ORDER BY o.username, f.name
""".format(**TABLES)


def launchable(user: User) -> list[str]:
    """The handles of the reader's active federations, by owner and name."""
    return [f"@{row['owner']}/{row['name']}" for row in execute(LAUNCHABLE_SQL, {"user_id": user.pk}, prepare=True)]


def versions(app: App) -> list[tuple[int, str, datetime, int, str]]:
    """Its runnable versions, newest first: id, version, published at, size, and the run-config defaults
    as JSON text (read only for the versions shown, and the one launched)."""
    return [
        (row["id"], row["version"], as_datetime(row["published_at"]), row["size"], row["run_config"])
        for row in execute(VERSIONS_SQL, {"app_id": app.pk}, prepare=True)
    ]
