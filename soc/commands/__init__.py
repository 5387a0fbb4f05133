"""CLI sub-apps of each area (one Typer app per module), registered in soc/cli.py."""
