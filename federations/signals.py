"""What federations tells the apps above it, which it never names."""

from django.dispatch import Signal

# A user stopped being a member (left or was removed), inside the change's transaction.
# Arguments: federation, user. The supernodes app takes their SuperNodes out of the federation.
member_departed = Signal()
