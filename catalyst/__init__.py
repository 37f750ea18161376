"""Catalyst: a Smalltalk VM whose core is WebAssembly, hosted from Python, with a pass-based JIT."""
__version__ = "0.1.0"
