"""Webhooks (the owner): the Settings tab's section lists them, each with its last delivery; a webhook's own
page shows its signing secret and its deliveries a page at a time, to redeliver; add, remove."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from federations.access import load_federation
from federations.models import Federation
from federations.rules import Action, FederationError
from federations.templatetags.federation_tags import federation_url
from federations.views.settings import settings_context
from federations.views.tabs import render_tab
from supergrid.web import Moment, confirm_page, paginate

from . import lists, services
from .forms import WebhookForm
from .models import Delivery

SETTINGS_SECTION = "webhooks/settings_section.html"
DELIVERIES_PAGE_SIZE = 25  # a webhook's page; the Settings tab shows each webhook's last delivery only
DELIVERY_COLUMNS = ("id", "event", "created_at", "status", "status_code", "error", "next_attempt_at", "attempts")


@dataclass(frozen=True)
class DeliveryRow:
    """One recent delivery as the section writes it, worked out here (the template only writes it out)."""

    event: str
    created: Moment
    created_text: str  # with seconds (SHORT_DATETIME_FORMAT)
    badge_class: str
    badge: str
    status_code: int | None
    error: str
    next_try: datetime | None  # when a retrying delivery is tried again
    attempts: int
    redeliver_url: str
    redeliver_label: str


BADGES = {
    Delivery.Status.DELIVERED: (" badge--success", pgettext_lazy("webhook delivery", "Delivered")),
    Delivery.Status.FAILED: (" badge--danger", pgettext_lazy("webhook delivery", "Failed")),
    Delivery.Status.RETRYING: ("", pgettext_lazy("webhook delivery", "Retrying")),
}
PENDING_BADGE = ("", pgettext_lazy("webhook delivery", "Pending"))


def delivery_rows(federation: Federation, rows: list[dict]) -> list[DeliveryRow]:
    """Deliveries as read (``lists.recent_deliveries`` or ``DELIVERY_COLUMNS``) as the pages write them."""
    owner, name = federation.owner.username, federation.name
    badges = {status: (css, str(label)) for status, (css, label) in BADGES.items()}
    pending = (PENDING_BADGE[0], str(PENDING_BADGE[1]))
    redeliver = _("Redeliver %(event)s of %(when)s")
    shown = []
    for row in rows:
        created = Moment.of(row["created_at"])
        created_text = f"{created.minute}:{row['created_at'].second:02}"  # zones differ by whole minutes
        css, badge = badges.get(row["status"], pending)
        shown.append(
            DeliveryRow(
                event=row["event"],
                created=created,
                created_text=created_text,
                badge_class=css,
                badge=badge,
                status_code=row["status_code"],
                error=row["error"],
                next_try=row["next_attempt_at"] if row["status"] == Delivery.Status.RETRYING else None,
                attempts=row["attempts"],
                redeliver_url=federation_url("webhooks:redeliver", owner, name, delivery_id=row["id"]),
                redeliver_label=redeliver % {"event": row["event"], "when": created_text},
            )
        )
    return shown


def settings_section_context(federation: Federation) -> dict:
    webhooks = list(federation.webhooks.all())
    owner, name = federation.owner.username, federation.name
    last = lists.recent_deliveries([hook.pk for hook in webhooks], 1)
    return {
        "webhooks": [
            (
                hook,
                federation_url("webhooks:detail", owner, name, webhook_id=hook.pk),
                federation_url("webhooks:remove", owner, name, webhook_id=hook.pk),
                next(iter(delivery_rows(federation, last[hook.pk])), None),
            )
            for hook in webhooks
        ],
        "webhook_form": WebhookForm(),
        "max_webhooks": services.MAX_WEBHOOKS,
    }


def back_to_settings(federation: Federation) -> HttpResponse:
    return redirect(reverse("federations:settings", kwargs=federation.url_kwargs()) + "#webhooks")


def to_webhook(federation: Federation, webhook_id: int) -> HttpResponse:
    return redirect("webhooks:detail", **federation.url_kwargs(), webhook_id=webhook_id)


@login_required
@require_GET
def webhook_page(request: AuthenticatedHttpRequest, owner: str, name: str, webhook_id: int) -> HttpResponse:
    """One webhook: what it sends, its signing secret, its deliveries newest first, a page at a time."""
    federation, can = load_federation(request.user, owner, name, Action.VIEW_SETTINGS)
    webhook = federation.webhooks.filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404("No such webhook.")
    deliveries = webhook.deliveries.values(*DELIVERY_COLUMNS)  # by webhooks_delivery_recent, without bodies
    page = paginate(deliveries, request.GET.get("page"), DELIVERIES_PAGE_SIZE)
    owner, name = federation.owner.username, federation.name  # as written, whatever case the address used
    context = {
        "webhook": webhook,
        "page": page,
        "deliveries": delivery_rows(federation, page.object_list),
        "remove_url": federation_url("webhooks:remove", owner, name, webhook_id=webhook.pk),
        "tab_template": "webhooks/webhook.html",
        "tab_label": _("Webhook"),
    }
    return render_tab(request, federation, can, "settings", context)


@login_required
@require_POST
def add_webhook(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.CHANGE_SETTINGS)
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            webhook = services.add_webhook(
                federation=federation,
                actor=request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except FederationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("Webhook added: events go to %(url)s, signed with its secret.") % {"url": webhook.url}
            )
            return to_webhook(federation, webhook.pk)
    context = settings_context(federation) | {"webhook_form": form}
    return render_tab(request, federation, can, "settings", context)


@login_required
@require_http_methods(["GET", "POST"])
def remove_webhook(request: AuthenticatedHttpRequest, owner: str, name: str, webhook_id: int) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.CHANGE_SETTINGS)
    webhook = federation.webhooks.filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404("No such webhook.")
    if request.method == "POST":
        services.remove_webhook(federation=federation, actor=request.user, webhook_id=webhook.pk)
        messages.success(request, _("Removed the webhook to %(url)s. It receives nothing more.") % {"url": webhook.url})
        return back_to_settings(federation)
    return confirm_page(
        request, "webhooks/_remove_form.html", _("Remove webhook"), federation=federation, webhook=webhook
    )


@login_required
@require_POST
def redeliver(request: AuthenticatedHttpRequest, owner: str, name: str, delivery_id: int) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.CHANGE_SETTINGS)
    try:
        delivery = services.redeliver(federation=federation, actor=request.user, delivery_id=delivery_id)
    except FederationError as error:
        messages.error(request, error.message)
        return back_to_settings(federation)
    messages.success(
        request, _("Sending %(event)s again to %(url)s.") % {"event": delivery.event, "url": delivery.webhook.url}
    )
    return to_webhook(federation, delivery.webhook_id)
