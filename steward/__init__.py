"""The composition root: finds adapters and cogs, wires them to the core, and runs the CLI."""
