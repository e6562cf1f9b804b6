"""Errors that reach the user as one line (exit code 2 from the CLI, st.error in the app)."""


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""
