"""The Settings tab's Webhooks section (the owner): add, remove, the recent deliveries, redeliver."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from federations.access import load_federation
from federations.models import Federation
from federations.rules import Action, FederationError
from federations.views.settings import settings_context
from federations.views.tabs import render_tab
from supergrid.web import confirm_page

from . import services
from .forms import WebhookForm

SETTINGS_SECTION = "webhooks/settings_section.html"
RECENT_DELIVERIES = 10


def settings_section_context(federation: Federation) -> dict:
    webhooks = list(federation.webhooks.all())
    return {
        "webhooks": [(hook, list(hook.deliveries.all()[:RECENT_DELIVERIES])) for hook in webhooks],
        "webhook_form": WebhookForm(),
        "max_webhooks": services.MAX_WEBHOOKS,
    }


def back_to_settings(federation: Federation) -> HttpResponse:
    return redirect(reverse("federations:settings", kwargs=federation.url_kwargs()) + "#webhooks")


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
            return back_to_settings(federation)
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
    else:
        messages.success(
            request,
            _("Sending %(event)s again to %(url)s.") % {"event": delivery.event, "url": delivery.webhook.url},
        )
    return back_to_settings(federation)
