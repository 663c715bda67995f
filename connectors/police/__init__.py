"""Police: the reference connector that registers cases and notifies victims (see app.py)."""
