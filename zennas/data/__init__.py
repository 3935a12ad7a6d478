"""Data helpers that work offline (no download ever)."""
