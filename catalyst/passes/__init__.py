"""catalyst.passes"""
