"""Package version, read by the build backend and recorded in every run manifest."""

__version__ = "0.1.0"
