"""Benchmarks, run by `make bench` (figures printed, never timed tests)."""
