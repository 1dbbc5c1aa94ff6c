from django.urls import include, path

from supergrid.web import FEDERATION_PREFIX

from .views import federation, mine

app_name = "supernodes"

federation_patterns = [
    path("supernodes/", federation.federation_supernodes, name="federation"),
    path("supernodes/add/", federation.add_supernode, name="add"),
    path("supernodes/<int:node_id>/remove/", federation.remove_supernode, name="remove"),
]

urlpatterns = [
    path("supernodes/", mine.supernode_list, name="list"),
    path("supernodes/ca.pem", mine.ca_certificate, name="ca"),
    path("supernodes/register/", mine.register_supernode, name="register"),
    path("supernodes/<int:node_id>/unregister/", mine.unregister_supernode, name="unregister"),
    path("supernodes/<int:node_id>/trust/", mine.set_trust, name="trust"),
    path("supernodes/<int:node_id>/trusted-entities.yaml", mine.trusted_entities, name="trusted_entities"),
    path(FEDERATION_PREFIX, include(federation_patterns)),
]
