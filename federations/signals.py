"""What federations tells the apps above it, which it never names."""

from django.dispatch import Signal

# A user stopped being a member (left or was removed), inside the change's transaction.
# Arguments: federation, user. The supernodes app takes their SuperNodes out of the federation.
member_departed = Signal()

# A run was launched (the SuperLink gave it an id), inside the SuperLink's StartRun.
# Arguments: federation, run_id (int), launcher (User or None).
run_started = Signal()

# A run ended and its outcome was recorded, once. Arguments: federation, run_id (int), launcher (User or None),
# status ("completed", "failed" or "stopped"), details (Flower's words, or "").
run_ended = Signal()
