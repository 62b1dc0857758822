"""Which process handles a community: the documented rule every process applies alike.

A *partition* is a name for a slice of the work one process holds at a time:
``discord-shard:N`` (Discord sends a server's every event to one shard, shard
``(guild_id >> 22) % count``) and ``leader`` (the scheduler leader). A community lives in one
partition, so its moderation windows (flood, repeats, joins for raids), its command rate limit
and its raid mode are kept whole in one process's memory:

- a community with a Discord server, when the Discord section gives a shard ``count``, lives on
  the shard of its server: its Discord events arrive there by themselves;
- every other community lives with the scheduler leader.

Events that arrive elsewhere (Slack spreads a workspace's events over every Socket Mode
connection; a load balancer spreads HTTP) are relayed to the partition's process through
PostgreSQL (:mod:`bot.relay`). Every process runs the same config, so all agree on the rule.
"""

from __future__ import annotations

LEADER = "leader"
MAX_SHARDS = 100_000


def shard_partition(shard: int) -> str:
    """The partition name of one Discord shard."""
    return f"discord-shard:{shard}"


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord delivers a server's events on."""
    return (guild_id >> 22) % count


def parse_ranges(spec: str, count: int) -> list[int]:
    """``"0-3,6"`` -> ``[0, 1, 2, 3, 6]``, each below ``count``; ValueError naming the bad part."""
    if not 1 <= count <= MAX_SHARDS:
        raise ValueError(f"a shard count is 1 to {MAX_SHARDS}, got {count}")
    found: set[int] = set()
    parts = [p.strip() for p in str(spec).split(",")]
    if not any(parts):
        raise ValueError("no shard ids given (write them as 0-3 or 0,2,5)")
    for part in parts:
        if not part:
            raise ValueError(f"an empty item in the shard ids `{spec}`")
        low_text, dash, high_text = part.partition("-")
        if not (low_text.strip().isdecimal() and low_text.strip().isascii()
                and (not dash or (high_text.strip().isdecimal() and high_text.strip().isascii()))):
            raise ValueError(f"`{part}` is not a shard id or a range like 0-3")
        if len(low_text.strip()) > 6 or len(high_text.strip()) > 6:
            raise ValueError(f"`{part}`: shard ids are below the count ({count})")
        low = int(low_text)
        high = int(high_text) if dash else low
        if low > high:
            raise ValueError(f"`{part}` runs backwards")
        if high >= count:
            raise ValueError(f"`{part}`: shard ids are 0 to {count - 1} for a count of {count}")
        found.update(range(low, high + 1))
    return sorted(found)


def format_ranges(ids: list[int]) -> str:
    """``[0, 1, 2, 3, 6]`` -> ``"0-3,6"`` (the inverse of :func:`parse_ranges`, for logs)."""
    out: list[str] = []
    for i in sorted(set(ids)):
        if out and out[-1].rpartition("-")[2] == str(i - 1):
            start = out[-1].partition("-")[0]
            out[-1] = f"{start}-{i}"
        else:
            out.append(str(i))
    return ",".join(out)
