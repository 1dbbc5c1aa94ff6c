"""`python -m tools.bench.helpers`: what each of the list pages' own helpers saves over Django's own.

The pages' lists use helpers of ours instead of Django's: ``{% fedurl %}`` (``{% url %}`` reversed
once per view), ``Moment`` (dates formatted once in Python instead of ``|date``), ``|ago`` (instead of
``|timesince``) and ``Window`` (``paginate``: one row more instead of ``Paginator``'s COUNT). This
renders a page of a list both ways, swapping one helper at a time, and prints the time per page;
``--database`` also times a page of the 1,000 federations of the bench's ``member-of-1000`` with
``Window`` and with ``Paginator``. Keep a helper only where the figure shows a real saving: ``Row``
(rows with ``__getitem__``, read by key on the template's first try) was dropped when this showed it
saving 6% of a list's render, under 0.1 ms a page; it is measured here still, as ``Keyed``.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.helpers", description=__doc__)
    parser.add_argument("--rows", type=int, default=25, help="rows on a page (the lists show 25)")
    parser.add_argument("--repeat", type=int, default=700, help="renders of each variant, in 7 rounds")
    parser.add_argument(
        "--database",
        help="a seeded bench database (postgres://…/supergrid_bench after make bench) for Window vs Paginator",
    )
    return parser.parse_args()


def setup(database: str | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supergrid.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "helpers-" + "k" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("PORTAL_URL", "http://testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    if database:
        os.environ["DATABASE_URL"] = database
    import django

    django.setup()


def per_call(function, repeat: int) -> float:
    """Median seconds per call over ``repeat`` calls, in 5 batches (after one warm-up call)."""
    function()
    batches = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat // 5):
            function()
        batches.append((time.perf_counter() - start) / (repeat // 5))
    return statistics.median(batches)


ROW_TEMPLATE = {
    "url": {
        "fedurl": "{% fedurl 'federations:overview' f %}|{% fedurl 'federations:members' f %}",
        "url": "{% url 'federations:overview' owner=f.owner.username name=f.name %}|"
        "{% url 'federations:members' owner=f.owner.username name=f.name %}",
    },
    "date": {
        "Moment": '<time datetime="{{ f.created.iso }}">{{ f.created.day }}</time>',
        "date": '<time datetime="{{ f.created_at|date:\'c\' }}">{{ f.created_at|date:"j M Y" }}</time>',
    },
    "ago": {
        "ago": "{{ f.created_at|ago }}",
        "timesince": "{{ f.created_at|timesince }} ago",
    },
}


def template_for(url: str, date: str, ago: str):
    from django.template import engines

    body = " ".join([ROW_TEMPLATE["url"][url], ROW_TEMPLATE["date"][date], ROW_TEMPLATE["ago"][ago]])
    source = (
        "{% load federation_tags timing %}{% for f in rows %}<tr>"
        + body
        + "<td>{{ f.name }}</td><td>{{ f.kind }}</td><td>{{ f.member_count }}</td></tr>{% endfor %}"
    )
    return engines["django"].from_string(source)


class Keyed:
    """The dropped ``Row``: Django's template lookup tries ``row["field"]`` first, which this answers."""

    def __getitem__(self, key: str):
        return getattr(self, key)


def rows_of(count: int, keyed: bool) -> list:
    from supergrid.web import Moment

    base = Keyed if keyed else object

    @dataclass
    class Owner(base):  # type: ignore[valid-type,misc]
        username: str

    @dataclass
    class Line(base):  # type: ignore[valid-type,misc]
        owner: Owner
        name: str
        kind: str
        member_count: int
        created_at: datetime
        created: Moment

    now = datetime.now(UTC)
    return [
        Line(
            Owner(f"user{i}"), f"fed{i}", "simulation", i, now - timedelta(hours=i), Moment.of(now - timedelta(hours=i))
        )
        for i in range(count)
    ]


VARIANTS = [
    # (label, keyed rows, url, date, ago)
    ("ours: fedurl, Moment, ago", False, "fedurl", "Moment", "ago"),
    ("keyed rows (the dropped Row)", True, "fedurl", "Moment", "ago"),
    ("{% url %} instead of fedurl", False, "url", "Moment", "ago"),
    ("|date instead of Moment", False, "fedurl", "date", "ago"),
    ("|timesince instead of ago", False, "fedurl", "Moment", "timesince"),
    ("Django's: url, date, timesince", False, "url", "date", "timesince"),
]


def templates(args: argparse.Namespace) -> None:
    from django.utils import translation

    translation.activate("en-us")
    print(f"A page of {args.rows} rows (two links, a date, a relative time, three fields), per page:")
    renders = []
    for label, keyed, url, date, ago in VARIANTS:
        template, rows = template_for(url, date, ago), rows_of(args.rows, keyed)
        renders.append((label, lambda template=template, rows=rows: template.render({"rows": rows})))
    # Rounds of every variant in turn, so a slow moment of the machine falls on all of them alike.
    times: dict[str, list[float]] = {label: [] for label, _ in renders}
    for _ in range(7):
        for label, render in renders:
            times[label].append(per_call(render, args.repeat // 7 or 5))
    baseline = statistics.median(times[renders[0][0]])
    for label, _ in renders:
        seconds = statistics.median(times[label])
        print(f"  {label:<42} {seconds * 1000:7.3f} ms  {seconds / baseline:5.2f}×")


def pagination(args: argparse.Namespace) -> None:
    from django.core.paginator import Paginator

    from accounts.models import User
    from federations.models import Membership
    from supergrid.web import paginate

    user = User.objects.get(username="member-of-1000")
    memberships = Membership.objects.filter(user=user).order_by("federation__owner__username", "federation__name")
    page = memberships.values("federation__name", "federation__owner__username")

    def window():
        list(paginate(page, 2, 25))

    def paginator():
        list(Paginator(page, 25).page(2))

    ours_times, django_times = [], []
    for _ in range(5):
        ours_times.append(per_call(window, 20))
        django_times.append(per_call(paginator, 20))
    ours, django_s = statistics.median(ours_times), statistics.median(django_times)
    print("Page 2 of member-of-1000's 1,000 federations (25 a page), per page:")
    print(f"  Window (one row more)                      {ours * 1000:7.3f} ms  1.00×")
    print(f"  Paginator (COUNT, then the page)           {django_s * 1000:7.3f} ms  {django_s / ours:5.2f}×")


def main() -> int:
    args = arguments()
    setup(args.database)
    templates(args)
    if args.database:
        pagination(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
