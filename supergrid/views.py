import socket

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers (and the admin's pages) ask for /favicon.ico; ours is an SVG in static/."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def superlink_listening() -> bool:
    host, _, port = settings.SUPERLINK_ADDRESS.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except (OSError, ValueError):
        return False


def task_queue() -> dict:
    if settings.TASKS_BACKEND != "database":
        return {"backend": settings.TASKS_BACKEND}
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    waiting = (timezone.now() - oldest).total_seconds() if oldest else 0
    return {"backend": "database", "ready": ready.count(), "oldest_ready_seconds": round(waiting)}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 while the database answers, 503 when it does not; the rest is reported.

    Pages keep working without the SuperLink, so a portal process stays in rotation when it is down.
    Monitoring that should page someone for any part asks ``/healthz?all=1``: 503 unless all are up.
    """
    state: dict = {"superlink": "ok" if superlink_listening() else "unreachable"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        state["database"] = "ok"
        state["tasks"] = task_queue()
    except DatabaseError:
        state["database"] = "unavailable"
        return JsonResponse(state, status=503)
    everything = request.GET.get("all") == "1"
    return JsonResponse(state, status=503 if everything and state["superlink"] != "ok" else 200)
