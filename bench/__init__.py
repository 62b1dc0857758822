"""Benchmarks (``make bench``): each ``bench_*.py`` module has ``main()`` that prints JSON lines."""
