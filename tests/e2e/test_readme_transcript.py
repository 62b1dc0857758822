"""Issue 19, item 7: the README's console transcript is what Steward prints today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "transcript.py"


def check(readme: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), "--check", "--readme", str(readme)],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)


def test_the_readme_transcript_is_current() -> None:
    result = check(ROOT / "README.md")
    assert result.returncode == 0, result.stderr


def test_a_stale_transcript_is_caught(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "[action] delete m11 (rule banned-words)" in text
    stale.write_text(text.replace("[action] delete m11 (rule banned-words)", "[action] delete m11"), encoding="utf-8")
    result = check(stale)
    assert result.returncode == 1
    assert "stale; run `make transcript`" in result.stderr
    assert "+[action] delete m11 (rule banned-words)" in result.stderr
