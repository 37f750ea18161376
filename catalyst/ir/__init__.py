"""catalyst.ir"""
