"""Config loading: valid files near the limits vs ruamel's round-trip loader (the old path), and
how fast hostile files (alias bombs, deep nesting) are refused. Prints one JSON object per line.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.config import ConfigError, load_config_text
from bot.config.yamltree import build
from cogs.moderation.cog import ModerationCog

HEAD = """\
communities:
  - name: acme
    channels: {modlog: "#mod-log"}
    moderation:
      rules:
"""
MODELS = {"moderation": ModerationCog.settings_model}


def timed(fn: Callable[[], Any], *, memory: bool = False) -> tuple[float, int]:
    """Seconds of one call (and its peak traced bytes when ``memory``: tracing slows it down)."""
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        fn()
    except ConfigError:
        pass
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    if memory:
        tracemalloc.stop()
    return seconds, peak


def words_config(count: int) -> str:
    return HEAD + "        - name: words\n          actions: [delete]\n          words:\n" + "".join(
        f"            - word{i}\n" for i in range(count))


def valid() -> dict[str, object]:
    text = words_config(20_000)
    ours, _ = timed(lambda: load_config_text(text, cogs=MODELS, env={}))
    tree, _ = timed(lambda: build(text, "bench.yaml"))
    ruamel, _ = timed(lambda: YAML(typ="rt").load(text))
    return {"bench": "config_20k_words", "bytes": len(text), "yaml_tree_s": round(tree, 3),
            "ruamel_rt_tree_s": round(ruamel, 3), "tree_vs_ruamel": round(ruamel / tree, 1),
            "whole_load_with_rules_compiled_s": round(ours, 3)}


def word_file() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "config").mkdir()
        (Path(tmp) / "config" / "big.txt").write_text("".join(f"word{i}\n" for i in range(50_000)))
        here = os.getcwd()
        os.chdir(tmp)
        try:
            text = HEAD + "        - name: list\n          actions: [delete]\n          words_file: big.txt\n"
            seconds, _ = timed(lambda: load_config_text(text, cogs=MODELS, env={}))
            _, peak = timed(lambda: load_config_text(text, cogs=MODELS, env={}), memory=True)
        finally:
            os.chdir(here)
    return {"bench": "word_file_50k", "load_s": round(seconds, 3), "peak_mb": round(peak / 2**20, 1)}


def hostile() -> dict[str, object]:
    rule = "        - name: x\n          actions: [delete]\n          words:\n            - &l0 [lol]\n"
    laughs = HEAD + rule + "".join(f"            - &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10))
    deep = HEAD + "x: " + "[" * 900 + "]" * 900 + "\n"
    big_int = HEAD + "x: " + "9" * 100_000 + "\n"
    out: dict[str, object] = {"bench": "hostile_refused"}
    for name, text in (("billion_laughs", laughs), ("nesting_900", deep), ("int_100k_digits", big_int)):
        seconds, peak = timed(lambda text=text: load_config_text(text, cogs=MODELS, env={}),  # type: ignore[misc]
                              memory=True)
        out[f"{name}_ms"] = round(seconds * 1000, 2)
        out[f"{name}_peak_mb"] = round(peak / 2**20, 2)
    return out


def main() -> None:
    """Run the config benchmarks and print JSON lines."""
    for bench in (valid, word_file, hostile):
        print(json.dumps(bench()), flush=True)


if __name__ == "__main__":
    main()
