"""catalyst.llm"""
