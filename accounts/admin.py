from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import services
from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "has_deployment_access", "is_staff", "is_active", "date_joined")
    list_filter = ("has_deployment_access", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "email", "first_name", "last_name", "flwr_aid")
    readonly_fields = ("flwr_aid", "last_login", "date_joined")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Flower", {"fields": ("flwr_aid", "has_deployment_access")}),
    )
    actions = ["grant_deployment_access"]

    @admin.action(description="Grant deployment access", permissions=["change"])
    def grant_deployment_access(self, request, queryset):
        updated = services.grant_deployment_access(users=queryset)
        self.message_user(request, f"Granted deployment access to {updated} user(s).", messages.SUCCESS)
