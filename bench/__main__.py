"""Run every benchmark module in this package (``python -m bench [name ...]``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> int:
    """Run the named benchmarks, or all of them."""
    names = sorted(i.name for i in pkgutil.iter_modules(bench.__path__) if i.name.startswith("bench_"))
    wanted = [n for n in names if not argv or n.removeprefix("bench_") in argv or n in argv]
    for name in wanted:
        print(f"# {name}", flush=True)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
