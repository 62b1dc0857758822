"""``steward feedback export``: the items' contents in CSV and JSON, anonymous authors left out."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from bot.testing import Harness
from cogs.feedback import COG
from tests.cogs.feedback.conftest import CONFIG, submit

ROOT = Path(__file__).resolve().parents[3]


def export(config: Path, fmt: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "steward.cli", "feedback", "export", "--config", str(config),
                           "--format", fmt, *extra], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


async def test_export_csv_and_json_hold_every_item_without_anonymous_authors(db_url: str, tmp_path: Path) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"feedback": COG})
    h.add_member("mo", "Moderators", rank=10)
    try:
        await submit(h, "alice", "Dark mode on mobile", "my eyes hurt", category="ux")
        await submit(h, "bob", "=HYPERLINK(\"http://evil\")", "formula", anonymous="yes")
        await h.command("carol", "/feedback vote 1")
        await h.command("mo", "/feedback tag 1 +mobile")
        await h.command("mo", '/feedback status 1 planned "March"')
    finally:
        await h.close()
    config = tmp_path / "steward.yaml"
    config.write_text(f'storage: {{url: "{db_url}"}}\n' + CONFIG, encoding="utf-8")

    as_json = export(config, "json")
    assert as_json.returncode == 0, as_json.stderr
    items = json.loads(as_json.stdout)
    assert [(i["number"], i["title"], i["status"], i["votes"], i["author"], i["category"], i["tags"])
            for i in items] == [(1, "Dark mode on mobile", "planned", 1, "alice", "ux", ["mobile"]),
                                (2, '=HYPERLINK("http://evil")', "new", 0, None, "feature", [])]
    assert items[0]["details"] == "my eyes hurt"

    as_csv = export(config, "csv", "--community", "acme")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["number"], r["status"], r["author"], r["tags"]) for r in rows] == [
        ("1", "planned", "alice", "mobile"), ("2", "new", "", "")]
    assert rows[1]["title"].startswith("'=")  # no formula runs in a spreadsheet
    assert "bob" not in as_csv.stdout and "bob" not in as_json.stdout


def test_export_of_a_community_without_feedback_says_so(tmp_path: Path) -> None:
    config = tmp_path / "steward.yaml"
    config.write_text(f'storage: {{url: "sqlite+aiosqlite:///{tmp_path / "x.db"}"}}\n' + CONFIG, encoding="utf-8")
    result = export(config, "csv", "--community", "nowhere")
    assert result.returncode == 1
    assert "no feedback section in community nowhere" in result.stderr and "Traceback" not in result.stderr
