"""Word and domain lists that live next to the config (``config/wordlists/scam.txt``)."""

from __future__ import annotations

from pathlib import Path

# The repository's config folder, for lists Steward ships (the scam-domain list).
_SHIPPED = Path(__file__).resolve().parents[2] / "config"


def resolve_config_file(name: str) -> Path:
    """Find a list file: as given, under ./config, then among the lists Steward ships."""
    given = Path(name)
    candidates = [given] if given.is_absolute() else [given, Path("config") / given, _SHIPPED / given]
    for path in candidates:
        if path.is_file():
            return path
    raise ValueError(f"no such file `{name}` (looked in the working folder, config/ and Steward's config/)")


def read_word_file(name: str) -> list[str]:
    """One entry per line; blank lines and ``#`` comments are skipped."""
    path = resolve_config_file(name)
    lines = path.read_text(encoding="utf-8").splitlines()
    return [s for line in lines if (s := line.split("#", 1)[0].strip())]
