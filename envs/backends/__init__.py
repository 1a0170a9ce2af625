"""Adapters to the real engines the embedded worlds stand in for (``minedojo``, ``ai2thor``).

Each adapter imports its engine lazily, inside the constructor, so importing this package costs nothing
and a missing engine fails only when it is asked for, with a message that says what it needs.
"""
