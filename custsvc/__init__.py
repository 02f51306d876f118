"""custsvc: service management for small service shops, in a terminal."""

__version__ = "0.1.0"
