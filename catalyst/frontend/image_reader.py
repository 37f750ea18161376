"""Reading a Squeak image file into the neutral form of image_model.

`read_image(path)` recognises the format from the header (image_format) and hands the file to
the pre-Spur reader (image_v3) or the Spur reader (image_spur). Anything wrong in the file
raises ImageFormatError naming what and at which file offset; nothing is returned half-read.
"""
from __future__ import annotations

from pathlib import Path

from catalyst.frontend.image_format import ImageFormatError, read_header
from catalyst.frontend.image_model import Image

__all__ = ["ImageFormatError", "Image", "read_image", "read_image_bytes"]


def read_image(path) -> Image:
    """Read the image file at path (read-only)."""
    with open(path, "rb") as f:
        raw = f.read()
    return read_image_bytes(raw, str(path))


def read_image_bytes(raw: bytes, name: str = "<image>") -> Image:
    from catalyst.frontend.image_spur import read_spur
    from catalyst.frontend.image_v3 import read_v3
    header = read_header(raw, Path(name).name)
    img = (read_spur if header.spur else read_v3)(name, raw, header)
    if len(img.objects[img.specials].slots) < 29:
        raise ImageFormatError(f"the special objects Array has only "
                               f"{len(img.objects[img.specials].slots)} slots",
                               img.objects[img.specials].offset)
    return img
