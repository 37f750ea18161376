"""Helpers of the JIT tests: a VM with some source filed in, and the answers to a list of
(expression, expected answer) cases (an error's text where there is one)."""
from catalyst.vm.vm import VM, SmalltalkError


def vm_with(source: str, **kw) -> VM:
    vm = VM.default(**kw)
    vm.file_in_text(source)
    return vm


def answer(vm: VM, expr: str):
    try:
        return vm.eval(expr)
    except SmalltalkError as e:
        return ("error", e.text)


def answers(vm: VM, cases) -> list:
    return [answer(vm, expr) for expr, *_ in cases]
