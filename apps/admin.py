from django.contrib import admin

from .models import App, AppVersion


class AppVersionInline(admin.TabularInline):
    model = AppVersion
    fields = ["version", "published_at", "published_by", "size", "sha256", "hidden"]
    readonly_fields = ["version", "published_at", "published_by", "size", "sha256"]
    extra = 0
    can_delete = False


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    """The Hub's apps. Versions are immutable; an operator can hide one (it can no longer be fetched or run)."""

    list_display = ["handle", "description", "created_at"]
    search_fields = ["name", "owner__username", "description"]
    list_select_related = ["owner"]
    readonly_fields = ["owner", "name", "created_at"]
    inlines = [AppVersionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
