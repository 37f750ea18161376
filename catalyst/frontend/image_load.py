"""Loading a real Squeak image into a Catalyst VM: read (image_reader), convert
(image_convert), and only then install into the core, so a bad image raises ImageFormatError
and leaves the VM as it was.

`load_image(path, core_or_vm)` answers the `Converted` record (new oops of the read objects,
class indices, counts). `open_image(path, jit=..., threshold=...)` makes a fresh VM holding the
image (used by `catalyst eval --image` / `catalyst run --image`).
"""
from __future__ import annotations

from catalyst.frontend.image_convert import Converted, convert
from catalyst.frontend.image_format import ImageFormatError
from catalyst.frontend.image_reader import read_image


def load_image(path, core_or_vm) -> Converted:
    from catalyst.vm.heap import HeapWriter
    core = getattr(core_or_vm, "core", core_or_vm)
    img = read_image(path)
    try:
        converted = convert(img, HeapWriter(core))
    except (ValueError, KeyError) as e:     # HeapWriter refusing a value: the image is beyond us
        raise ImageFormatError(f"{path}: cannot convert: {e}") from None
    converted.install()
    vm = core_or_vm if core_or_vm is not core else None
    if vm is not None:
        # the host's caches describe the heap that was there before
        for attr in ("_symbols", "_globals"):
            if isinstance(getattr(vm, attr, None), dict):
                getattr(vm, attr).clear()
        if hasattr(vm, "_globals_sig"):
            vm._globals_sig = b""
    return converted


def open_image(path, jit: str = "off", threshold: int | None = None, heap_limit: int = 1 << 30,
               report_errors: bool = True):
    """A new VM (image_vm.ImageVM) whose object memory is the image at path; report_errors:
    unhandled errors halt the run with their text (ImageVM.report_errors) instead of opening
    the image's Debugger."""
    from catalyst.frontend.image_vm import ImageVM
    from catalyst.vm.core import Core
    core = Core()
    core.set_global("heap_limit", heap_limit)
    converted = load_image(path, core)
    vm = ImageVM(core, converted)
    vm.image_path = str(path)
    if report_errors:
        vm.report_errors()
    vm.configure_jit(jit, threshold)
    return vm
