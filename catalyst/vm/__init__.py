"""catalyst.vm"""
