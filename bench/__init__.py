"""Speed benchmarks on a large synthetic network; run with `make bench` (see docs/benchmarks.md)."""
