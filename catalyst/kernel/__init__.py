"""catalyst.kernel"""
