"""The request sent to the model for one method.

`build_messages(...)` answers chat messages whose user part holds, under fixed headings: the
method's name, category and plain-English description (from `semantics.analyse`), the decoded
bytecode listing, the optimized IR, the part of the frame ABI contract (wat/ABI.md) a translated
method must obey, the baseline WAT translation, the rules the answer must follow and, on a retry,
the specific reason the previous answer was rejected. `PROMPT_VERSION` is part of the cache key:
change it when the prompt's meaning changes.
"""
from __future__ import annotations

from importlib import resources

PROMPT_VERSION = "p2"
SYSTEM = ("You optimize WebAssembly translations of Smalltalk methods for the Catalyst VM. "
          "You answer with exactly one WAT function in a ```wat code block and nothing else.")

# wat/ABI.md sections every translated method depends on, and the ones a method's features add
ALWAYS = ("1. Values", "8. Frames")
OBJECTS = "2. Object layout"
CLASSES = "3. Class table"
SPECIALS = "6. Special objects array"

RULES = """Rules for the answer:
- Exactly one function: (func $method (param $fp i32) (result i32) ...). It replaces the
  baseline's $method in the same module, so it may use only the imports and the type declared
  in the baseline module above, and it must not declare imports, exports, memories or tables.
- It must compute exactly what the Smalltalk method computes, for every receiver and argument,
  including side effects on objects. Where it cannot (another class, an overflow, a failed
  primitive), it must either do what the baseline does at that point (a full send through
  $vm_send after writing the frame back) or give up before changing anything and answer 0:
  the frame arrives with FRAME_IP at the first bytecode (after a callPrimitive) and FRAME_SP =
  fp + 32 + 4*numTemps - 4, so the interpreter then runs the method from its start.
- Do not set the globals $nil, $true, $false, $specials or $halt; do not grow memory.
- It is validated against the interpreter on generated receivers and arguments (SmallIntegers
  at the 2^30 edges, Floats including NaN and infinities, Strings, Arrays, other objects), and
  timed against the baseline: only a correct and faster function is used."""


def abi_sections(titles) -> str:
    """The named sections of wat/ABI.md (headings '## <title>...'), in file order."""
    text = resources.files("catalyst.wat").joinpath("ABI.md").read_text()
    parts = text.split("\n## ")
    chosen = [p for p in parts[1:] if any(p.startswith(t) for t in titles)]
    return "\n".join("## " + p.rstrip() + "\n" for p in chosen)


def abi_for(analysis, ir_text: str) -> str:
    """The part of the ABI contract this method needs: values and frames always; object layout
    when it touches instance variables, indexable objects or Floats; the class table and
    special objects when it compares classes."""
    titles = list(ALWAYS)
    needs_objects = ("load_ivar" in ir_text or "store_ivar" in ir_text or analysis.category in
                     ("indexed-loop", "indexed-access", "accessor", "setter", "initializer")
                     or any("Float" in p or "indexed" in p for p in analysis.patterns))
    if needs_objects:
        titles += [OBJECTS, CLASSES, SPECIALS]
    return abi_sections(titles)


def build_messages(name: str, analysis, listing: str, ir_text: str, baseline_wat: str,
                   error: str | None = None) -> list[dict]:
    user = "\n\n".join([
        f"# Method {name}",
        "## What it does (semantic analysis)\n" + analysis.text(),
        "## Bytecode (Squeak V3PlusClosures; pc is Squeak's 1-based byte index)\n" + listing,
        "## IR after the regular optimizations\n" + ir_text,
        "## Frame ABI contract (from wat/ABI.md)\n" + abi_for(analysis, ir_text),
        "## Baseline WAT translation (the module the answer's function goes into)\n" + baseline_wat,
        "## Task\nWrite a faster $method for this module.\n" + RULES,
    ])
    if error:
        user += ("\n\n## Your previous answer was rejected\n" + error +
                 "\nFix that and answer again with one function.")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
