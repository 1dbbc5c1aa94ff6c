from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import App, AppVersion, FederationApp, Review


class AppVersionInline(admin.TabularInline):
    model = AppVersion
    fields = ["version", "published_at", "published_by", "size", "sha256", "hidden"]
    readonly_fields = ["version", "published_at", "published_by", "size", "sha256"]
    extra = 0
    can_delete = False


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    """The Hub's apps. Versions are immutable; an operator can hide one (it can no longer be fetched or run)."""

    list_display = ["handle", "private", "run_count", "description", "created_at"]
    list_filter = ["private"]
    search_fields = ["name", "owner__username", "description"]
    list_select_related = ["owner"]
    readonly_fields = ["owner", "name", "created_at", "run_count"]
    inlines = [AppVersionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("app"), ordering="name")
    def handle(self, obj):
        return obj.handle


@admin.register(AppVersion)
class AppVersionAdmin(admin.ModelAdmin):
    """Every version; hiding one stops new runs of it (fetch, Run button, `flwr run @o/a==v`), while the
    runs it already made stay readable (the SuperLink keeps their FAB)."""

    list_display = ["__str__", "published_at", "published_by", "size", "hidden"]
    list_filter = ["hidden"]
    search_fields = ["app__name", "app__owner__username", "version", "sha256"]
    list_select_related = ["app__owner", "published_by"]
    readonly_fields = [
        "app",
        "version",
        "fab_file",
        "sha256",
        "size",
        "run_config",
        "readme",
        "published_by",
        "published_at",
    ]
    actions = ["hide", "unhide"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Hide the selected versions (no new runs)"))
    def hide(self, request, queryset):
        count = queryset.update(hidden=True)
        message = ngettext(
            "Hid %(count)s version: they can no longer be run.",
            "Hid %(count)s versions: they can no longer be run.",
            count,
        )
        self.message_user(request, message % {"count": count})

    @admin.action(description=_("Show the selected versions again"))
    def unhide(self, request, queryset):
        count = queryset.update(hidden=False)
        message = ngettext("%(count)s version can be run again.", "%(count)s versions can be run again.", count)
        self.message_user(request, message % {"count": count})


@admin.register(FederationApp)
class FederationAppAdmin(admin.ModelAdmin):
    list_display = ["app", "federation", "added_by", "added_at"]
    list_select_related = ["app__owner", "federation__owner", "added_by"]
    search_fields = ["app__name", "federation__name"]
    raw_id_fields = ["federation", "app", "added_by"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Reviews (`flwr app review`), verified when they came in; read only."""

    list_display = ["version", "reviewer", "key", "created_at"]
    search_fields = ["version__app__name", "reviewer__username", "key__key_id"]
    list_select_related = ["version__app__owner", "reviewer", "key"]
    readonly_fields = ["version", "reviewer", "key", "signature", "signed_at", "created_at"]

    def has_add_permission(self, request):
        return False
