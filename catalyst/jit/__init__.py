"""catalyst.jit"""
