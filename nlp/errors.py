"""The one exception type ``nlp`` raises for problems a user can fix (bad input, bad files)."""

__all__ = ["NlpError"]


class NlpError(ValueError):
    """A problem with the user's text, data or model folder, worded as one clear sentence."""
