"""Regenerate the README's console transcript from what Steward prints (`make transcript`).

The session typed is ``scripts/readme-session.txt``; Steward runs it with ``config/example.yaml``
on a fresh database, exactly as ``steward run --script`` does. ``--check`` exits 1 when the README
differs (tests/e2e/test_readme_transcript.py runs it), so the README cannot drift from Steward.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SESSION = ROOT / "scripts" / "readme-session.txt"
BEGIN = "<!-- transcript: begin (written by `make transcript` from scripts/readme-session.txt; do not edit) -->"
END = "<!-- transcript: end -->"


def run_session() -> str:
    """What Steward prints for the session, on a fresh database in a temporary folder."""
    env = {k: v for k, v in os.environ.items()
           if "PROXY" not in k.upper() and not k.startswith(("DISCORD", "SLACK"))}
    env["PYTHONPATH"] = str(ROOT)
    env["STEWARD_OPERATIONS_PORT"] = "0"  # a Steward already running (or a test) may hold the example's port
    with tempfile.TemporaryDirectory() as tmp:  # the example's sqlite:///data/steward.db lands here
        result = subprocess.run(
            [sys.executable, "-m", "steward.cli", "run", "--config", str(ROOT / "config" / "example.yaml"),
             "--script", str(SESSION)], cwd=tmp, env=env, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0 or result.stderr.strip():
        raise SystemExit(f"steward failed on the session (exit {result.returncode}):\n{result.stderr}")
    return result.stdout


def block() -> str:
    """The README section: the lines typed, then everything Steward printed."""
    typed = SESSION.read_text(encoding="utf-8").rstrip("\n")
    return "\n".join([
        BEGIN,
        "",
        "```text",
        "$ cat scripts/readme-session.txt",
        typed,
        "$ steward run --script scripts/readme-session.txt",
        run_session().rstrip("\n"),
        "```",
        "",
        END,
    ])


def replace(readme: str, new_block: str) -> str:
    """The README with its transcript section replaced."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no transcript section ({BEGIN} … {END})")
    return readme[:start] + new_block + readme[end + len(END):]


def main(argv: list[str] | None = None) -> int:
    """Write the transcript into the README, or (``--check``) say whether it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's transcript is stale")
    parser.add_argument("--readme", type=Path, default=README, help="the file holding the transcript section")
    args = parser.parse_args(argv)
    readme: Path = args.readme
    current = readme.read_text(encoding="utf-8")
    wanted = replace(current, block())
    if args.check:
        if wanted == current:
            return 0
        diff = difflib.unified_diff(current.splitlines(), wanted.splitlines(), "README.md", "what Steward prints",
                                    lineterm="")
        print("The README's console transcript is stale; run `make transcript`.", file=sys.stderr)
        print("\n".join(diff), file=sys.stderr)
        return 1
    if wanted != current:
        readme.write_text(wanted, encoding="utf-8")
        print(f"{readme.name}: transcript updated")
    else:
        print(f"{readme.name}: transcript already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
