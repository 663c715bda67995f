"""The courts: the reference connector that tries cases and makes judgments final (see app.py)."""
