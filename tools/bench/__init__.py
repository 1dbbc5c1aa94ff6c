"""`make bench`: the portal at 10k users, measured against the floors Django and stock Flower set.

See docs/bench.md for what it measures and how to read the table.
"""
