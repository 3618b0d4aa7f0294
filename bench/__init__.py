"""Benchmarks against pulp_python and nginx on one stack (docs/benchmarks.md); `common` holds
what they share."""
