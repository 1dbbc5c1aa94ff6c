from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy

from . import services
from .models import RunArtifacts


@admin.register(RunArtifacts)
class RunArtifactsAdmin(admin.ModelAdmin):
    """What runs kept. Deleting a run's artifacts is an operator's action, noted in the federation's activity."""

    list_display = ["run_id", "federation", "status", "size", "left_out_count", "packed_at"]
    list_filter = ["status"]
    search_fields = ["outcome__run_id", "outcome__federation__name", "outcome__federation__owner__username"]
    list_select_related = ["outcome__federation__owner"]
    readonly_fields = [field.name for field in RunArtifacts._meta.fields]
    actions = ["delete_artifacts", "pack_again"]

    @admin.display(description=gettext_lazy("run"), ordering="outcome__run_id")
    def run_id(self, obj: RunArtifacts) -> str:
        return obj.outcome.run_id

    @admin.display(description=gettext_lazy("federation"))
    def federation(self, obj: RunArtifacts) -> str:
        return obj.outcome.federation.handle

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # rows stay (the run page says the artifacts were deleted); the action deletes the files

    @admin.action(description=gettext_lazy("Delete the selected runs' artifacts (their zips)"), permissions=["change"])
    def delete_artifacts(self, request, queryset):
        for artifacts in queryset:
            services.delete_artifacts(artifacts=artifacts, operator=request.user)
        self.message_user(
            request,
            gettext("Deleted the artifacts of %(count)d run(s).") % {"count": queryset.count()},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Pack the selected failed runs' artifacts again"), permissions=["change"])
    def pack_again(self, request, queryset):
        failed = queryset.filter(status=RunArtifacts.Status.FAILED)
        for artifacts in failed:
            services.pack_again(artifacts=artifacts)
        self.message_user(
            request, gettext("Packing %(count)d run(s) again.") % {"count": failed.count()}, messages.SUCCESS
        )
