"""Feature modules; each package exports its cog class as ``COG``."""
