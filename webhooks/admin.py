from django.contrib import admin

from .models import Delivery, Webhook


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "federation", "created_by", "created_at"]
    search_fields = ["url", "federation__name", "federation__owner__username"]
    list_select_related = ["federation__owner", "created_by"]
    readonly_fields = ["federation", "created_by", "created_at", "secret"]
    raw_id_fields = ["federation"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "status", "status_code", "attempts", "created_at"]
    list_filter = ["status", "event"]
    search_fields = ["event_id", "webhook__url"]
    list_select_related = ["webhook"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False
