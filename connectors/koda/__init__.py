"""KODA: the reference connector that executes prison sentences (see app.py)."""
