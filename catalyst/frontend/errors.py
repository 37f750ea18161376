"""CompileError: what went wrong, in which file, at which line and column, with the text."""
from __future__ import annotations


class CompileError(Exception):
    def __init__(self, message: str, filename: str = "<input>", line: int = 0, column: int = 0,
                 text: str = ""):
        self.message, self.filename, self.line, self.column, self.text = \
            message, filename, line, column, text
        super().__init__(str(self))

    @classmethod
    def at(cls, message: str, source: str, pos: int, filename: str = "<input>",
           line_offset: int = 0) -> "CompileError":
        pos = max(0, min(pos, len(source)))
        line = source.count("\n", 0, pos) + 1
        line_start = source.rfind("\n", 0, pos) + 1
        line_end = source.find("\n", pos)
        text = source[line_start: line_end if line_end >= 0 else len(source)]
        return cls(message, filename, line + line_offset, pos - line_start + 1, text)

    def __str__(self) -> str:
        head = f"{self.filename}:{self.line}:{self.column}: {self.message}"
        if self.text:
            return f"{head}\n  {self.text}\n  {' ' * (self.column - 1)}^"
        return head
