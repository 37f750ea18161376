"""catalyst.bench"""
