"""`hub bench`: how fast the hub is, next to the limit its own Kafka clients allow.

One run measures a raw pass-through (the hub's clients and transactions,
nothing else), the hub's full pipeline on the same events, latency at a fixed
offered rate, the replay read rate and the schema validation cost per event,
and counts lost and duplicated events by comparing what was produced with what
was consumed. It measures; it never asserts a speed.
"""

from hub.bench.run import BenchOptions, run_bench

__all__ = ["BenchOptions", "run_bench"]
