"""Inline caches, read as the optimizer reads them (`ic_count`, `ic_class`, `ic_megamorphic`):
one record per send site, monomorphic, polymorphic up to 4 receiver classes in the order seen,
then megamorphic; immediates recorded under their class indices; type feedback kept across
collections; and the send-site method cache they hold never answers a stale method."""
import pytest

from catalyst.frontend import bytecodes as B
from catalyst.vm.vm import VM

SOURCE = """Object subclass: #IcA instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'IcTests'!
IcA subclass: #IcB instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'IcTests'!
IcA subclass: #IcC instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'IcTests'!
IcA subclass: #IcD instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'IcTests'!
IcA subclass: #IcE instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'IcTests'!

!IcA methodsFor: 'tests'!
tag ^#a!
who ^self tag! !
!IcB methodsFor: 'tests'!
tag ^#b! !
"""
# the send sites; each test files them into a class of its own (fresh records)
SITES = """Object subclass: #IcSite instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'IcTests'!
!IcSite methodsFor: 'tests'!
send: x ^x tag!
two: x with: y ^{x tag. y tag}!
printOf: x ^x printString!
inBlock: x ^[:y | y tag] value: x!
plus: x ^x + 1! !
"""


@pytest.fixture(scope="module")
def shared():
    vm = VM.default(jit="off")
    vm.file_in_text(SOURCE, "ic_tests.st")
    return vm


@pytest.fixture
def vm(shared, request):
    """The shared VM with the sites in a class named after the test, as IcSite."""
    name = "IcSite" + request.node.name.replace("test_", "").title().replace("_", "")
    shared.file_in_text(SITES.replace("IcSite", name), "ic_sites.st")
    shared.evaluate(f"Smalltalk at: #IcSite put: {name}")
    shared.site = name
    return shared


def method(vm, cls, sel):
    return vm.lookup_method(vm.class_named(vm.site if cls == "IcSite" else cls), sel)


def send_pcs(vm, m):
    """The pcs (Squeak's convention) of the send bytecodes of method m, in order."""
    h = vm.heap
    nlits = (h.slot(m, 0) >> 1) & 0x7FFF
    body = h.bytes_of(m)
    start = 4 * (1 + nlits)
    return [start + 1 + ins.pc for ins in B.decode(B.bytecodes_only(body[start:]))
            if ins.sends and not (ins.op == "special_send" and ins.args[0] in (22, 23))]


def ic(vm, m, pc):
    core = vm.core
    n = core.call("ic_count", m, pc)
    return [core.call("ic_class", m, pc, i) for i in range(n)], core.call("ic_megamorphic", m, pc)


def index_of(vm, cls):
    return vm.core.call("identity_hash", vm.class_named(cls))


def test_an_unused_site_has_no_record(vm):
    m = method(vm, "IcSite", "send:")
    pc, = send_pcs(vm, m)
    assert ic(vm, m, pc) == ([], 0)
    assert vm.core.call("ic_class", m, pc, 0) == 0


def test_monomorphic_polymorphic_then_megamorphic(vm):
    m = method(vm, "IcSite", "send:")
    pc, = send_pcs(vm, m)
    seen = []
    for cls in ("IcA", "IcA", "IcB", "IcA", "IcC", "IcD"):
        assert vm.eval(f"IcSite new send: {cls} new") == ("#b" if cls == "IcB" else "#a")
        if index_of(vm, cls) not in seen:
            seen.append(index_of(vm, cls))
        assert ic(vm, m, pc) == (seen, 0)                     # in the order first seen, no repeats
    assert len(seen) == 4
    vm.eval("IcSite new send: IcE new")                       # a fifth class
    assert ic(vm, m, pc) == (seen, 1)
    assert vm.core.call("ic_class", m, pc, 4) == 0            # never past the four
    for cls in ("IcE", "IcA", "IcB"):                         # still answers right
        assert vm.eval(f"IcSite new send: {cls} new") == ("#b" if cls == "IcB" else "#a")
    assert ic(vm, m, pc) == (seen, 1)


def test_immediates_and_nil_are_recorded_under_their_class_indices(vm):
    m = method(vm, "IcSite", "printOf:")
    pc, = send_pcs(vm, m)
    vm.eval("IcSite new printOf: 3")
    vm.eval("IcSite new printOf: $a")
    vm.eval("IcSite new printOf: nil")
    assert ic(vm, m, pc) == ([1, 2, vm.core.call("class_index", vm.nil)], 0)


def test_each_site_has_its_own_record(vm):
    m = method(vm, "IcSite", "two:with:")
    first, second = send_pcs(vm, m)[:2]
    vm.eval("IcSite new two: IcA new with: IcB new")
    vm.eval("IcSite new two: IcC new with: IcB new")
    assert ic(vm, m, first) == ([index_of(vm, "IcA"), index_of(vm, "IcC")], 0)
    assert ic(vm, m, second) == ([index_of(vm, "IcB")], 0)


def test_sites_in_blocks_and_special_selector_sends(vm):
    m = method(vm, "IcSite", "inBlock:")
    block_send = send_pcs(vm, m)[0]
    vm.eval("IcSite new inBlock: IcB new")
    assert ic(vm, m, block_send) == ([index_of(vm, "IcB")], 0)
    m = method(vm, "IcSite", "plus:")
    pc, = send_pcs(vm, m)
    assert vm.eval("IcSite new plus: 3") == "4"               # SmallIntegers take the fast path
    assert ic(vm, m, pc) == ([], 0)
    assert vm.eval("IcSite new plus: (1/2)") == "(3/2)"       # a Fraction is a real send
    assert ic(vm, m, pc) == ([index_of(vm, "Fraction")], 0)


def test_type_feedback_survives_collections(vm):
    m = method(vm, "IcSite", "send:")
    pc, = send_pcs(vm, m)
    vm.eval("IcSite new send: IcA new. IcSite new send: IcB new")
    before = ic(vm, m, pc)
    vm.eval("Smalltalk garbageCollect")
    assert ic(vm, m, pc) == before and len(before[0]) == 2
    assert vm.eval("IcSite new send: IcB new") == "#b"


def test_cached_targets_follow_method_changes():
    # the site caches the method each class found; (re)defining methods must not leave a stale one
    vm = VM.default(jit="off")
    vm.file_in_text(SOURCE + SITES, "ic_tests.st")
    for _ in range(3):
        assert vm.eval("IcSite new send: IcC new") == "#a"           # IcA>>tag, inherited
    vm.file_in_text("!IcC methodsFor: 'tests'!\ntag ^#c! !\n")        # an override appears
    assert vm.eval("IcSite new send: IcC new") == "#c"
    vm.file_in_text("!IcC methodsFor: 'tests'!\ntag ^#c2! !\n")       # and is replaced
    assert vm.eval("IcSite new send: IcC new") == "#c2"
    assert vm.eval("IcSite new send: IcA new") == "#a"


def test_caches_of_two_vms_are_independent():
    a, b = VM.default(jit="off"), VM.default(jit="off")
    for vm in (a, b):
        vm.file_in_text(SOURCE + SITES, "ic_tests.st")
    ma, mb = a.lookup_method(a.class_named("IcSite"), "send:"), b.lookup_method(b.class_named("IcSite"), "send:")
    assert ma == mb                        # the same address in two memories
    pc, = send_pcs(a, ma)
    a.eval("IcSite new send: IcB new")
    assert ic(a, ma, pc)[0] == [a.core.call("identity_hash", a.class_named("IcB"))]
    assert ic(b, mb, pc) == ([], 0)


def test_a_site_whose_record_another_site_took(vm):
    # records are indexed by the send's bytecode address modulo 65536: two live sites 64 KB
    # apart share one. Simulate the other site's takeover (its address in the record's eighth
    # word, its class and target in the slots): this site must not use them, and takes the
    # record back on its next send
    m = method(vm, "IcSite", "send:")
    pc = send_pcs(vm, m)[0]
    core = vm.core
    for _ in range(3):
        assert vm.eval("IcSite new send: IcB new") == "#b"
    rec = core.call("ic_record_address", m, pc)
    assert core.u32(rec + 28) == m + 7 + pc                  # the record names its site
    b_tag = vm.lookup_method(vm.class_named("IcB"), "tag")
    a_tag = vm.lookup_method(vm.class_named("IcA"), "tag")
    assert core.u32(rec + 0x200000) == b_tag                 # the cached target (IcB>>tag)
    other = vm.lookup_method(vm.class_named("IcA"), "who")
    core.set_u32(rec, other)                                 # another site: method, pc,
    core.set_u32(rec + 4, 5)
    core.set_u32(rec + 28, m + 7 + pc + 65536)               # an address 64 KB away,
    core.set_u32(rec + 0x200000, a_tag)                      # and the target it cached
    sends = vm.stats()["sends"]
    assert vm.eval("IcSite new send: IcB new") == "#b"       # not IcA>>tag from the slot
    assert core.u32(rec + 28) == m + 7 + pc                  # taken back
    assert core.u32(rec) == m
    assert core.call("ic_count", m, pc) == 1
    assert core.u32(rec + 0x200000) == b_tag
    assert vm.stats()["sends"] > sends
    # a record whose address word alone disagrees is not the site's either
    core.set_u32(rec + 28, 0)
    assert vm.eval("IcSite new send: IcB new") == "#b"
    assert core.u32(rec + 28) == m + 7 + pc
