"""Binaryen through its C API (libbinaryen.so bundled by the icpp-binaryen wheel).

icpp-binaryen's own wrapper declares only a few functions; the ones we need beyond those are
declared here with cffi against the same shared library. Text is never handed to binaryen's text
parser (it aborts the process on malformed input): WAT is first assembled by wasmtime's wat2wasm,
which raises a Python error, and binaryen reads the binary.

validate(wasm) -> None or raises ValidationError with binaryen's own message.
optimize(wasm, level) -> optimized wasm bytes.
"""
from __future__ import annotations

import os
import tempfile
import threading

from cffi import FFI

import icpp_binaryen
from icpp_binaryen import _lib as _icpp_lib

_ffi = FFI()
_ffi.cdef("""
typedef struct BinaryenModule *BinaryenModuleRef;
typedef uint32_t BinaryenFeatures;
BinaryenModuleRef BinaryenModuleRead(char *input, size_t inputSize);
void BinaryenModuleDispose(BinaryenModuleRef module);
bool BinaryenModuleValidate(BinaryenModuleRef module);
void BinaryenModuleOptimize(BinaryenModuleRef module);
void BinaryenSetOptimizeLevel(int level);
void BinaryenSetShrinkLevel(int level);
BinaryenFeatures BinaryenFeatureAll(void);
void BinaryenModuleSetFeatures(BinaryenModuleRef module, BinaryenFeatures features);
typedef struct { void *binary; size_t binaryBytes; char *sourceMap; } BinaryenModuleAllocateAndWriteResult;
BinaryenModuleAllocateAndWriteResult BinaryenModuleAllocateAndWrite(BinaryenModuleRef module, const char *sourceMapUrl);
char *BinaryenModuleAllocateAndWriteText(BinaryenModuleRef module);
void free(void *ptr);
int fflush(void *stream);
""")
_lib = _ffi.dlopen(str(_icpp_lib._path))
_libc = _ffi.dlopen(None)
_lock = threading.Lock()   # binaryen's global optimize options and our fd redirection

LIBRARY = f"libbinaryen {icpp_binaryen.BINARYEN_VERSION} (PyPI icpp-binaryen {icpp_binaryen.__version__})"


class ValidationError(Exception):
    """binaryen rejected a module; the message is binaryen's own text."""


_capture_file = None     # one temporary file, reused by every capture (made on first use)


def _capture_fds(fn):
    """Run fn with C-level stdout/stderr captured (binaryen prints validation errors there).
    Called with _lock held."""
    global _capture_file
    if _capture_file is None:
        _capture_file = tempfile.TemporaryFile(mode="w+b")
    tmp = _capture_file
    tmp.seek(0)
    tmp.truncate()
    saved = [os.dup(1), os.dup(2)]
    try:
        os.dup2(tmp.fileno(), 1)
        os.dup2(tmp.fileno(), 2)
        result = fn()
    finally:
        _libc_fflush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    tmp.seek(0)
    return result, tmp.read().decode("utf-8", "replace")


def _libc_fflush():
    _libc.fflush(_ffi.NULL)


def _read(wasm: bytes):
    buf = _ffi.new("char[]", bytes(wasm))
    mod = _lib.BinaryenModuleRead(buf, len(wasm))
    _lib.BinaryenModuleSetFeatures(mod, _lib.BinaryenFeatureAll())
    return mod


def validate(wasm: bytes) -> None:
    """Raise ValidationError (with binaryen's message) unless binaryen validates the module."""
    def read_and_validate():
        mod = _read(wasm)
        try:
            return bool(_lib.BinaryenModuleValidate(mod))
        finally:
            _lib.BinaryenModuleDispose(mod)

    with _lock:
        ok, text = _capture_fds(read_and_validate)
    if not ok:
        raise ValidationError(text.strip() or "binaryen: module is invalid")


def optimize(wasm: bytes, level: int = 2, shrink: int = 0) -> bytes:
    """Validate, then run binaryen's default optimization pipeline at `level`; answer the binary."""
    with _lock:
        mod, _ = _capture_fds(lambda: _read(wasm))
        try:
            ok, text = _capture_fds(lambda: bool(_lib.BinaryenModuleValidate(mod)))
            if not ok:
                raise ValidationError(text.strip() or "binaryen: module is invalid")
            _lib.BinaryenSetOptimizeLevel(level)
            _lib.BinaryenSetShrinkLevel(shrink)
            _lib.BinaryenModuleOptimize(mod)
            res = _lib.BinaryenModuleAllocateAndWrite(mod, _ffi.NULL)
            try:
                return bytes(_ffi.buffer(res.binary, res.binaryBytes))
            finally:
                _libc.free(res.binary)
        finally:
            _lib.BinaryenModuleDispose(mod)


def to_text(wasm: bytes) -> str:
    """binaryen's printed form of a module (for dumps)."""
    with _lock:
        mod = _read(wasm)
        try:
            p = _lib.BinaryenModuleAllocateAndWriteText(mod)
            try:
                return _ffi.string(p).decode()
            finally:
                _libc.free(p)
        finally:
            _lib.BinaryenModuleDispose(mod)
