from datetime import UTC, datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import ascii_iexact

from . import audit, services
from .models import Activity, Federation, Invitation, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "joined_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Members join through invitations (services), never by hand-made rows.
        return False


class ArchivedFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("yes", _("Archived")), ("no", _("Active"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.archived()
        if self.value() == "no":
            return queryset.active()
        return queryset


@admin.register(Federation)
class FederationAdmin(admin.ModelAdmin):
    list_display = ("handle", "kind", "member_count", "num_supernodes", "created_at", "archived_at")
    list_filter = ("kind", ArchivedFilter)
    search_fields = ("name", "owner__username", "description")
    list_select_related = ("owner",)
    readonly_fields = (
        "owner",
        "description",
        "name",
        "kind",
        "created_at",
        "archived_at",
        "num_supernodes",
        "client_resources_num_cpus",
        "client_resources_num_gpus",
        "simulation_backend",
        "simulation_verbose",
    )
    fields = readonly_fields
    inlines = [MembershipInline]
    actions = ["unarchive"]

    def get_search_results(self, request, queryset, search_term):
        # "@owner/name" (or "owner/name") finds that federation.
        term = search_term.strip().lstrip("@")
        if "/" in term:
            owner, _, name = term.partition("/")
            return queryset.filter(ascii_iexact("owner__username", owner), name__istartswith=name), False
        return super().get_search_results(request, queryset, search_term)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("memberships"))

    @admin.display(description=_("federation"), ordering="name")
    def handle(self, obj):
        return obj.handle

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, obj):
        return obj._member_count

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Unarchive selected federations"), permissions=["change"])
    def unarchive(self, request, queryset):
        count = 0
        for federation in queryset.archived():
            services.unarchive_federation(federation=federation, operator=request.user)
            count += 1
        words = ngettext("Unarchived %(count)d federation.", "Unarchived %(count)d federations.", count)
        self.message_user(request, words % {"count": count}, messages.SUCCESS)


class ExportForm(forms.Form):
    since = forms.DateField(label=_("From (UTC)"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To (UTC, included)"), widget=forms.DateInput(attrs={"type": "date"}))
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("jsonl", "JSON Lines")])

    def clean(self):
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The first day comes after the last."))
        return data


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Every federation's activity log; exported for a date range as CSV or JSON Lines (federations.audit)."""

    change_list_template = "admin/federations/activity/change_list.html"
    list_display = ("created_at", "federation", "actor", "verb", "target", "source")
    list_filter = ("verb", "source")
    search_fields = ("federation__name", "federation__owner__username", "actor__username", "target")
    list_select_related = ("federation__owner", "actor")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export), name="federations_activity_export")
        return [export, *super().get_urls()]

    def export(self, request):
        """The audit export: every federation's events from one day to another (UTC), as a download."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if form.is_valid():
            start = datetime.combine(form.cleaned_data["since"], time.min, tzinfo=UTC)
            end = datetime.combine(form.cleaned_data["until"] + timedelta(days=1), time.min, tzinfo=UTC)
            events = Activity.objects.filter(created_at__gte=start, created_at__lt=end)
            fmt = form.cleaned_data["format"]
            content_type, write = audit.FORMATS[fmt]
            response = StreamingHttpResponse(write(audit.rows(events)), content_type=content_type)
            name = f"activity-{form.cleaned_data['since']}-to-{form.cleaned_data['until']}.{fmt}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        context = {**self.admin_site.each_context(request), "title": _("Export the activity log"), "form": form}
        return TemplateResponse(request, "admin/federations/activity/export.html", context)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("federation", "invitee", "inviter", "effective_status", "created_at", "expires_at", "responded_at")
    list_filter = ("status",)
    search_fields = ("invitee__username", "inviter__username", "federation__name", "federation__owner__username")
    list_select_related = ("federation__owner", "invitee", "inviter")
    date_hierarchy = "created_at"

    @admin.display(description=_("status"))
    def effective_status(self, obj):
        return obj.get_effective_status_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
