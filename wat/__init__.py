"""The hand-written WAT sources of the VM core (shipped in the wheel as catalyst.wat)."""
