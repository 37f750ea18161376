"""catalyst.frontend"""
