"""Benchmarks, run by `make bench` (python -m bench). They print figures; no test ever times anything."""
