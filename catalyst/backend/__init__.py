"""catalyst.backend"""
