"""feeds: publish Atom 1.0 and RSS 2.0 feeds from a folder of Jekyll-style posts."""

__version__ = "0.1.0"
