"""Word and domain lists that live next to the config (``config/wordlists/scam.txt``)."""

from __future__ import annotations

from pathlib import Path

# The repository's config folder, for lists Steward ships (the scam-domain list).
_SHIPPED = Path(__file__).resolve().parents[2] / "config"
MAX_LIST_BYTES = 1_000_000  # about 80k words; the matcher stays fast well past 10k
MAX_LIST_ENTRIES = 50_000


def _roots() -> list[Path]:
    return [Path("config").resolve(), _SHIPPED]


def resolve_config_file(name: str) -> Path:
    """Find a list file under ./config or among the lists Steward ships; nothing outside them."""
    given = Path(name)
    if given.is_absolute() or ".." in given.parts:
        raise ValueError(f"`{name}`: a list file is named relative to config/ (no absolute paths, no `..`)")
    for root in _roots():
        path = (root / given).resolve()
        if not path.is_relative_to(root):  # a symlink pointing out of config/
            raise ValueError(f"`{name}` leads outside config/")
        if path.is_file():
            return path
    raise ValueError(f"no such file `{name}` (looked in config/ and Steward's config/)")


def read_word_file(name: str) -> list[str]:
    """One entry per line; blank lines and ``#`` comments are skipped; limits are enforced."""
    path = resolve_config_file(name)
    size = path.stat().st_size
    if size > MAX_LIST_BYTES:
        raise ValueError(f"`{name}` is {size:,} bytes; a list file may hold {MAX_LIST_BYTES:,}")
    try:
        lines = path.read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"`{name}` is not UTF-8 (byte {exc.start})") from None
    entries = [s for line in lines if (s := line.split("#", 1)[0].strip())]
    if not entries:
        raise ValueError(f"`{name}` has no entries")
    if len(entries) > MAX_LIST_ENTRIES:
        raise ValueError(f"`{name}` has {len(entries):,} entries; the limit is {MAX_LIST_ENTRIES:,}")
    return entries
