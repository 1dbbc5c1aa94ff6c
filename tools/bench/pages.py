"""Every page of the portal, measured in process (Django's test client) and under load (gunicorn).

The floor is the signed-in empty page: the base template for a signed-in user, nothing else. Pages
are compared with it, so the figures mean the same on a fast and a slow (or busy) machine.
"""

import html
import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.services import MAX_SIGNING_KEYS
from webhooks.models import Webhook
from webhooks.services import MAX_WEBHOOKS

from .seed import (
    BIG_OWNER,
    BUSY_COUNT,
    BUSY_USER,
    DELIVERIES_PER_WEBHOOK,
    FEDERATION_SIZES,
    HUB_APP,
    HUB_APP_VERSIONS,
    HUB_APPS,
    USER_SIZES,
    federation_name,
    member_name,
)

FLOOR = "Signed-in empty page"
# A fragment's budget: 3× the floor plus the stock SuperLink's time for the call it makes.
SHOW = "ShowFederation"
LIST_NODES = "ListNodes"
LIST_RUNS = "ListRuns"
MINE = "my-supernodes"


@dataclass(frozen=True)
class Page:
    label: str
    username: str
    path: str
    fragment: str = ""  # the Control API call a fragment makes (its budget adds the stock time for it)
    htmx: bool = False
    target: str = ""  # the section htmx asks for (a deferred section of the page)


def pages() -> list[Page]:
    big = federation_name(max(FEDERATION_SIZES))
    handle = f"@{BIG_OWNER}/{big}"
    reader = member_name(100)
    listed = [Page(FLOOR, reader, "/bench/empty/")]
    listed += [Page(f"Dashboard, member of {size:,}", member_name(size), "/federations/") for size in USER_SIZES]
    listed += [
        Page(
            "Dashboard live counts (fragment)",
            reader,
            dashboard_live_path(reader),
            fragment=SHOW,
            htmx=True,
        ),
        Page("Archived federations", member_name(1000), "/federations/archived/"),
        Page("New federation", reader, "/federations/new/"),
        Page(f"Overview, {big}", BIG_OWNER, f"/{handle}/"),
        Page("Overview live counts (fragment)", BIG_OWNER, f"/{handle}/live/", fragment=SHOW, htmx=True),
        Page(f"Runs tab, {big}", BIG_OWNER, f"/{handle}/runs/"),
        Page("Runs tab: its runs (fragment)", BIG_OWNER, f"/{handle}/runs/", fragment=SHOW, target="run-list"),
        Page(f"SuperNodes tab, {big}", BIG_OWNER, f"/{handle}/supernodes/"),
        Page(
            "SuperNodes tab: its nodes (fragment)",
            BIG_OWNER,
            f"/{handle}/supernodes/",
            fragment=SHOW,
            target="node-section",
        ),
        Page(f"Members tab, {big}", BIG_OWNER, f"/{handle}/members/"),
        Page(f"Members tab, {federation_name(10)}", BIG_OWNER, f"/@{BIG_OWNER}/{federation_name(10)}/members/"),
        Page(f"Activity tab, {big}", BIG_OWNER, f"/{handle}/activity/"),
        Page(f"Settings tab, {big}, {MAX_WEBHOOKS} webhooks", BIG_OWNER, f"/{handle}/settings/"),
        Page(f"A webhook's page, {DELIVERIES_PER_WEBHOOK} deliveries", BIG_OWNER, webhook_path(handle)),
        Page("Profile", reader, "/profile/"),
        Page(
            f"Profile, {BUSY_COUNT} invitations and CLI sessions, {MAX_SIGNING_KEYS} signing keys",
            BUSY_USER,
            "/profile/",
        ),
        Page(f"Dashboard, {BUSY_COUNT} invitations", BUSY_USER, "/federations/"),
        Page("My SuperNodes", reader, "/supernodes/"),
        Page(
            "My SuperNodes: the nodes (fragment)", reader, "/supernodes/", fragment=LIST_NODES, target="my-supernodes"
        ),
        Page("All runs", reader, "/runs/"),
        Page("All runs: the runs (fragment)", reader, "/runs/", fragment=LIST_RUNS, target="run-table"),
        Page(f"Apps, {HUB_APPS:,} apps", reader, "/apps/"),
        Page(f"Apps, {HUB_APPS:,} apps, most run first", reader, "/apps/?order=most-run"),
        Page(f"App page, {HUB_APP_VERSIONS} versions", reader, f"/apps/@{BIG_OWNER}/{HUB_APP}/"),
    ]
    return listed


def webhook_path(handle: str) -> str:
    """The first webhook's own page (its deliveries a page at a time), of the federation ``handle``."""
    owner, name = handle.lstrip("@").split("/")
    webhook = Webhook.objects.filter(federation__owner__username=owner, federation__name=name).order_by("pk").first()
    return f"/{handle}/settings/webhooks/{webhook.pk if webhook else 0}/"


def dashboard_live_path(username: str) -> str:
    """The address the dashboard's Live column loads, as the dashboard writes it for this user."""
    client = signed_in_clients({username})[username]
    found = re.search(r'hx-get="(/federations/live/[^"]*)"', client.get("/federations/").content.decode())
    return html.unescape(found.group(1)) if found else "/federations/live/"


@dataclass
class PageFigures:
    page: Page
    status: int = 0
    queries: int = 0
    size: int = 0
    in_process_ms: float = 0.0
    floor_ms: float = 0.0  # the floor, measured in turn with this page
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    per_second: float = 0.0
    errors: int = 0
    notes: list[str] = field(default_factory=list)


def headers(page: Page) -> dict:
    if page.target:
        return {"HX-Request": "true", "HX-Target": page.target}
    return {"HX-Request": "true"} if page.htmx else {}


def signed_in_clients(names: set[str]) -> dict[str, Client]:
    clients = {}
    for user in User.objects.filter(username__in=names):
        client = Client()
        client.force_login(user)
        clients[user.username] = client
    return clients


def measure_in_process(listed: list[Page], repeat: int, seconds: float) -> dict[str, PageFigures]:
    """Median time of each page served by Django in this process, and of the floor measured in turn with it.

    Page and floor requests alternate, so both medians come from the same moments of a shared, noisy
    machine; one more request counts the page's queries.
    """
    clients = signed_in_clients({page.username for page in listed})
    floor = next(page for page in listed if page.label == FLOOR)
    figures = {}
    for page in listed:
        client = clients[page.username]
        result = PageFigures(page)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path, headers=headers(page))
        result.status, result.queries, result.size = response.status_code, len(queries), len(response.content)
        reset_queries()
        for _ in range(2):
            client.get(page.path, headers=headers(page))
        times: list[float] = []
        floor_times: list[float] = []
        deadline = time.perf_counter() + seconds
        while len(times) < repeat or (time.perf_counter() < deadline and len(times) < repeat * 10):
            start = time.perf_counter()
            clients[floor.username].get(floor.path)
            middle = time.perf_counter()
            client.get(page.path, headers=headers(page))
            floor_times.append((middle - start) * 1000)
            times.append((time.perf_counter() - middle) * 1000)
        result.in_process_ms = statistics.median(times)
        result.floor_ms = statistics.median(floor_times)
        figures[page.label] = result
    return figures


def session_cookies(listed: list[Page]) -> dict[str, str]:
    """A session cookie per user, for the load clients (sessions live in the shared database)."""
    from django.conf import settings

    clients = signed_in_clients({page.username for page in listed})
    return {
        name: f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        for name, client in clients.items()
    }


def load(address: str, page: Page, cookie: str, clients: int, seconds: float) -> tuple[list[float], int, float]:
    """``clients`` keep-alive connections asking for the page for ``seconds``; latencies, errors, elapsed."""
    host, port = address.rsplit(":", 1)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    request_headers = {"Cookie": cookie, "Host": host, **headers(page)}
    stop_at = time.perf_counter() + seconds

    def work():
        mine, failed = [], 0
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                conn.request("GET", page.path, headers=request_headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(host, int(port), timeout=30)
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                continue
            mine.append((time.perf_counter() - start) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    began = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure_under_load(
    address: str, listed: list[Page], figures: dict[str, PageFigures], clients: int, seconds: float
) -> None:
    cookies = session_cookies(listed)
    for page in listed:
        load(address, page, cookies[page.username], clients, min(1.0, seconds))  # warm every worker
        latencies, errors, elapsed = load(address, page, cookies[page.username], clients, seconds)
        result = figures[page.label]
        result.p50_ms = percentile(latencies, 0.50)
        result.p95_ms = percentile(latencies, 0.95)
        result.per_second = len(latencies) / elapsed
        result.errors = errors
