"""Kernel numbers through the VM: SmallInteger overflow into LargeIntegers and back, LargeInteger
digit arithmetic, Fractions, Floats printed Squeak's way, mixed arithmetic, Points, Characters.
Each case evaluates an expression and compares its printString."""
import math

import pytest

from catalyst.vm.vm import SmalltalkError

FACT100 = str(math.factorial(100))

CASES = [
    # overflow into LargeIntegers and back
    ("100 factorial", FACT100),
    ("100 factorial printString size", "158"),
    ("2 raisedTo: 100", str(2 ** 100)),
    ("(2 raisedTo: 100) - 1", str(2 ** 100 - 1)),
    ("1073741823 + 1", "1073741824"),
    ("(1073741823 + 1) class", "LargePositiveInteger"),
    ("(1073741823 + 1 - 1) class", "SmallInteger"),
    ("-1073741824 class", "SmallInteger"),
    ("(-1073741824 - 1) class", "LargeNegativeInteger"),
    ("(2 raisedTo: 100) negated", str(-2 ** 100)),
    ("(2 raisedTo: 100) negated class", "LargeNegativeInteger"),
    ("(2 raisedTo: 100) abs = (2 raisedTo: 100) negated abs", "true"),
    ("100 factorial / 98 factorial", "9900"),
    ("(100 factorial / 98 factorial) class", "SmallInteger"),
    ("1000000007 * 1000000009", str(1000000007 * 1000000009)),
    ("(1000000007 * 1000000009) \\\\ 1000000007", "0"),
    # division family on large and negative operands (floored vs truncated)
    ("(2 raisedTo: 100) // 3", str(2 ** 100 // 3)),
    ("(2 raisedTo: 100) negated // 3", str(-(2 ** 100) // 3)),
    ("(2 raisedTo: 100) negated \\\\ 3", str(-(2 ** 100) % 3)),
    ("(2 raisedTo: 100) negated rem: 3", "-1"),
    ("(2 raisedTo: 100) negated quo: 3", str(-(2 ** 100 // 3))),
    ("(2 raisedTo: 70) + 1 \\\\ (2 raisedTo: 65)", "1"),
    ("(2 raisedTo: 70) // (2 raisedTo: 65)", "32"),
    ("12345678901234567890 // 987654321", str(12345678901234567890 // 987654321)),
    ("-7 // 2", "-4"), ("-7 \\\\ 2", "1"), ("-7 rem: 2", "-1"), ("-7 quo: 2", "-3"),
    ("7 \\\\ -2", "-1"), ("7 // -2", "-4"), ("7 rem: -2", "1"),
    # gcd / lcm
    ("(2 raisedTo: 100) gcd: (2 raisedTo: 60)", str(2 ** 60)),
    ("(2 raisedTo: 70) gcd: (3 raisedTo: 40)", "1"),
    ("12 lcm: 18", "36"),
    ("(2 raisedTo: 70) lcm: 6", str(2 ** 70 * 3)),
    # bit operations, including two's complement semantics on large negatives
    ("(2 raisedTo: 100) bitAnd: 16rFFFF", "0"),
    ("(2 raisedTo: 100) - 1 bitAnd: 16rFFFF", "65535"),
    ("(2 raisedTo: 64) bitOr: 1", str(2 ** 64 | 1)),
    ("(2 raisedTo: 64) bitXor: (2 raisedTo: 65)", str(2 ** 64 ^ 2 ** 65)),
    ("(1 bitShift: 64) bitXor: -1", str((1 << 64) ^ -1)),
    ("(1 bitShift: 64) negated bitOr: 1", str(-(1 << 64) | 1)),
    ("-1 bitAnd: (1 bitShift: 70)", str(-1 & (1 << 70))),
    ("-5 bitAnd: 16rFF", "251"),
    ("1 bitShift: 100", str(1 << 100)),
    ("(1 bitShift: 100) bitShift: -98", "4"),
    ("-1 bitShift: 40", str(-1 << 40)),
    ("(1 bitShift: 70) highBit", "71"),
    ("12 bitAt: 3", "1"),
    # printing in bases
    ("(2 raisedTo: 100) printString: 16", repr(format(2 ** 100, "X"))),
    ("(3 raisedTo: 50) printString: 16", repr(format(3 ** 50, "X"))),
    ("(3 raisedTo: 50) negated printString", repr(str(-(3 ** 50)))),
    ("255 printString: 16", "'FF'"),
    ("-255 printString: 16", "'-FF'"),
    ("255 radix: 16", "'FF'"),
    ("255 printStringRadix: 16", "'16rFF'"),
    ("12 printString: 2", "'1100'"),
    ("5 printPaddedWith: $0 to: 3", "'005'"),
    ("12 printPaddedWith: $  to: 5", "'   12'"),
    ("-12 printString", "'-12'"),
    ("1000000000000 printString size", "13"),
    # Fractions: normalized, reduced to Integers when whole
    ("1/2", "(1/2)"),
    ("(1/3) + (1/6)", "(1/2)"),
    ("(1/2) + (1/3)", "(5/6)"),
    ("(2/4) = (1/2)", "true"),
    ("(3/4) class", "Fraction"),
    ("(1/2) + (1/2)", "1"),
    ("((1/2) + (1/2)) class", "SmallInteger"),
    ("1 + (1/2)", "(3/2)"),
    ("(1/2) + 1", "(3/2)"),
    ("3 - (1/2)", "(5/2)"),
    ("2 * (1/4)", "(1/2)"),
    ("1 / (1/3)", "3"),
    ("(1/3) reciprocal", "3"),
    ("(2/3) negated", "(-2/3)"),
    ("(1/-2)", "(-1/2)"),
    ("(2 raisedTo: 100) / 6", f"({2 ** 99}/3)"),
    ("(1/2) < (2/3)", "true"),
    ("3 < (7/2)", "true"),
    ("(7/2) > 3", "true"),
    ("(1/2) raisedTo: 2", "(1/4)"),
    ("2 raisedTo: -2", "(1/4)"),
    ("(7/2) truncated", "3"), ("(-7/2) floor", "-4"), ("(7/2) ceiling", "4"), ("(7/2) rounded", "4"),
    ("(1/2) hash = (2/4) hash", "true"),
    ("(1/2) = 'x'", "false"),
    # Floats printed as modern Squeak prints them
    ("0.1 + 0.2", "0.30000000000000004"),
    ("1.0", "1.0"), ("100.0", "100.0"), ("123.456", "123.456"),
    ("1.0e16", "1.0e16"), ("1.0e-5", "1.0e-5"), ("1.0e100", "1.0e100"), ("1.0e-10", "1.0e-10"),
    ("1.0e10", "10000000000.0"),
    ("1e10", "10000000000"),
    ("Float infinity", "Infinity"), ("Float infinity negated", "-Infinity"),
    ("Float nan", "NaN"), ("Float infinity printString", "'Infinity'"),
    ("-0.0", "-0.0"), ("0.0 negated", "-0.0"),
    ("1.5e300 * 1.0e300", "Infinity"),
    ("Float nan = Float nan", "false"),
    ("(2 raisedTo: 100) asFloat", "1.2676506002282294e30"),
    ("(1/3) asFloat", "0.3333333333333333"),
    ("2 sqrt", "1.4142135623730951"), ("4 sqrt", "2.0"), ("2 raisedTo: 0.5", "1.4142135623730951"),
    ("2 ln", "0.6931471805599453"), ("100 log", "2.0"), ("8 log: 2", "3.0"),
    ("3.7 truncated", "3"), ("-3.7 rounded", "-4"), ("3.5 rounded", "4"),
    ("3.7 floor", "3"), ("-3.7 floor", "-4"), ("3.2 ceiling", "4"),
    ("1.0e20 truncated", "100000000000000000000"),
    ("1.0e20 truncated class", "LargePositiveInteger"),
    ("17 roundTo: 5", "15"), ("3.14159 roundTo: 0.01", "3.14"),
    ("1.5 asExactFraction", "(3/2)"),
    ("3 asFloat", "3.0"),
    ("(2 raisedTo: 64) + 0.5", "1.8446744073709552e19"),
    # mixed comparisons and equality
    ("(3/4) + 0.25", "1.0"), ("0.25 + (3/4)", "1.0"), ("3 + 0.5", "3.5"),
    ("(1/3) < 0.5", "true"), ("(1/2) = 0.5", "true"), ("0.5 = (1/2)", "true"),
    ("1 = 1.0", "true"), ("1.0 = 1", "true"), ("3 = 'abc'", "false"),
    ("3 max: 4.5", "4.5"), ("(3 between: 1 and: 5)", "true"),
    ("(2 raisedTo: 100) < (2 raisedTo: 101)", "true"),
    ("(2 raisedTo: 100) negated < 3", "true"),
    ("(2 raisedTo: 100) = (2 raisedTo: 100)", "true"),
    ("(2 raisedTo: 100) hash = (2 raisedTo: 100) hash", "true"),
    # testing and misc
    ("17 isPrime", "true"), ("1 isPrime", "false"),
    ("(1 to: 30) select: [:x | x isPrime]", "#(2 3 5 7 11 13 17 19 23 29)"),
    ("4 even", "true"), ("3 odd", "true"), ("-3 sign", "-1"), ("0 sign", "0"), ("-3 abs", "3"),
    ("-3 negative", "true"), ("3 squared", "9"), ("10 factorial", "3628800"),
    ("3 isInteger", "true"), ("3 isNumber", "true"), ("3.0 isFloat", "true"),
    ("(1/2) isFraction", "true"), ("'3' isNumber", "false"),
    ("30 benchFib", "2692537"),
    ("1 benchmark", "1028"),
    # Points
    ("4@5", "4@5"), ("(1@2) + (3@4)", "4@6"), ("(3@4) * 2", "6@8"), ("(3@4) - (1@1)", "2@3"),
    ("(3@4) + 1", "4@5"), ("(3@4) x", "3"), ("(3@4) y", "4"), ("(3@4) = (3@4)", "true"),
    ("(3@4) dist: (0@0)", "5.0"), ("(3@4) negated", "-3@-4"), ("(1/2) @ 3", "(1/2)@3"),
    ("(3@4) < (5@6)", "true"), ("(3@4) class", "Point"),
    # Characters
    ("$a", "$a"), ("$a printString", "'$a'"), ("$a asInteger", "97"), ("$a value", "97"),
    ("97 asCharacter", "$a"), ("Character value: 65", "$A"),
    ("(Character value: 10) printString", "'Character lf'"),
    ("Character cr", "Character cr"), ("Character cr value", "13"),
    ("Character tab", "Character tab"), ("Character space", "Character space"),
    ("Character value: 7", "Character value: 7"),
    ("$a isVowel", "true"), ("$b isVowel", "false"), ("$a isLetter", "true"), ("$1 isDigit", "true"),
    ("$1 isLetter", "false"), ("$a asUppercase", "$A"), ("$A asLowercase", "$a"),
    ("$a < $b", "true"), ("$  isSeparator", "true"), ("$a to: $c", "#($a $b $c)"),
    ("$a isCharacter", "true"), ("$a == (Character value: 97)", "true"),
]


@pytest.mark.parametrize("expr,expected", CASES, ids=[c[0][:50] for c in CASES])
def test_numbers(vm, expr, expected):
    assert vm.eval(expr) == expected


def test_division_by_zero_is_unhandled_zero_divide(vm):
    with pytest.raises(SmalltalkError) as e:
        vm.eval("1/0")
    assert e.value.text == "ZeroDivide: division by zero"


@pytest.mark.parametrize("expr", ["1 // 0", "1 \\\\ 0", "(2 raisedTo: 80) // 0", "(1/2) / 0",
                                  "1.0 / 0", "3 rem: 0", "(1/2) / 0.0 * 0"])
def test_division_by_zero_signals_zero_divide(vm, expr):
    assert vm.eval(f"[{expr}] on: ZeroDivide do: [:e | e class]") == "ZeroDivide"


def test_large_integer_arithmetic_matches_python(vm):
    # a few hundred-digit operands through every operation, checked against Python
    a, b = 3 ** 200 + 12345, 7 ** 90 - 987
    for op, py in [("+", a + b), ("-", a - b), ("*", a * b), ("//", a // b), ("\\\\", a % b),
                   ("quo:", a // b), ("rem:", a % b), ("gcd:", math.gcd(a, b))]:
        assert vm.eval(f"(3 raisedTo: 200) + 12345 {op} ((7 raisedTo: 90) - 987)") == str(py), op
    assert vm.eval("((3 raisedTo: 200) + 12345) negated // ((7 raisedTo: 90) - 987)") == str(-a // b)
    assert vm.eval("((3 raisedTo: 200) + 12345) negated \\\\ ((7 raisedTo: 90) - 987)") == str(-a % b)


def test_factorial_and_back(vm):
    assert vm.eval("| f | f := 1. 1 to: 60 do: [:i | f := f * i]. 60 to: 1 by: -1 do: [:i | f := f // i]. f") == "1"
    assert vm.eval("(1 to: 50) inject: 0 into: [:a :i | a + (2 raisedTo: i)]") == str(sum(2 ** i for i in range(1, 51)))
