from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy, ngettext

from . import services
from .models import DeploymentAccessRequest, SigningKey, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "has_deployment_access", "is_staff", "is_active", "date_joined")
    list_filter = ("has_deployment_access", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "email", "first_name", "last_name", "flwr_aid")
    readonly_fields = ("flwr_aid", "last_login", "date_joined")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Flower", {"fields": ("flwr_aid", "has_deployment_access")}),
        (
            gettext_lazy("Limits"),
            {
                "description": gettext_lazy(
                    "Overrides of the grid's fair-share limits (LIMIT_* in its environment): empty takes "
                    "the default, 0 means no limit."
                ),
                "fields": (
                    "limit_federations",
                    "limit_runs",
                    "limit_runs_per_federation",
                    "limit_supernodes",
                    "limit_simulated_supernodes",
                ),
            },
        ),
    )
    actions = ["grant_deployment_access"]

    def get_readonly_fields(self, request, obj=None):
        # A username is the Flower account name in every @owner/name the SuperLink holds: it never changes.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "username") if obj is not None else fields

    @admin.action(description=gettext_lazy("Grant deployment access"), permissions=["change"])
    def grant_deployment_access(self, request, queryset):
        updated = services.grant_deployment_access(users=queryset, operator=request.user)
        granted = ngettext(
            "Granted deployment access to %(count)d user(s).",
            "Granted deployment access to %(count)d user(s).",
            updated,
        )
        self.message_user(request, granted % {"count": updated}, messages.SUCCESS)


@admin.register(DeploymentAccessRequest)
class DeploymentAccessRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "short_reason", "status", "created_at", "decided_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("user__username", "user__email", "reason")
    list_select_related = ("user", "decided_by")
    readonly_fields = ("user", "reason", "status", "created_at", "decided_at", "decided_by")
    actions = ["approve", "deny"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj) -> str:
        return obj.reason if len(obj.reason) <= 120 else obj.reason[:119] + "…"

    def decide(self, request, queryset, *, approve: bool):
        decided = sum(
            services.decide_deployment_access(access_request=item, operator=request.user, approve=approve)
            for item in queryset
        )
        if approve:
            done = ngettext("Approved %(count)d request(s).", "Approved %(count)d request(s).", decided)
        else:
            done = ngettext("Denied %(count)d request(s).", "Denied %(count)d request(s).", decided)
        self.message_user(request, done % {"count": decided}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Approve selected requests (grant deployment access)"), permissions=["change"]
    )
    def approve(self, request, queryset):
        self.decide(request, queryset, approve=True)

    @admin.action(description=gettext_lazy("Deny selected requests"), permissions=["change"])
    def deny(self, request, queryset):
        self.decide(request, queryset, approve=False)


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Signing keys people review apps with; read only (owners add and remove them on their profile)."""

    list_display = ["name", "user", "key_id", "created_at", "removed_at"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "key_id", "name"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "public_key", "key_id", "created_at", "removed_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
