"""Unit tests of the client's value types and error mapping (no service needed):
python -m unittest discover -s clients/python/tests"""
import unittest
from decimal import Decimal

import grpc

from clusterwatch import InvalidArgument, Money, NotFound, Period, ClusterwatchError
from clusterwatch.errors import from_rpc_error


class PeriodTest(unittest.TestCase):
    def test_parses_the_forms_bureaus_write(self):
        self.assertEqual(Period.parse("2024-12"), Period(2024, 12))
        self.assertEqual(Period.parse("2024-3"), Period(2024, 3))
        self.assertEqual(Period.parse("2024年3月"), Period(2024, 3))
        self.assertEqual(Period.parse("2024-01/02"), Period(2024, 2, True))
        self.assertEqual(Period.parse("2024年1-2月"), Period(2024, 2, True))
        self.assertEqual(Period(2024, 2, True).key, "2024-01/02")
        self.assertEqual(str(Period(2024, 3)), "2024-03")

    def test_refuses_what_is_not_a_period(self):
        for text in ("2024-13", "2024-02/03", "24-03", "1999-01", "soon"):
            with self.assertRaises(ValueError, msg=text):
                Period.parse(text)
        with self.assertRaises(ValueError):
            Period(2024, 3, True)

    def test_orders_by_time(self):
        self.assertLess(Period(2024, 2, True), Period(2024, 3))
        self.assertLess(Period(2023, 12), Period(2024, 2, True))


class MoneyTest(unittest.TestCase):
    def test_wan_and_yuan_are_exact_decimals(self):
        m = Money(9_007_199_254_740_993)  # beyond a double's exact integers
        self.assertEqual(m.wan, Decimal("9007199254.740993"))
        self.assertEqual(m.yuan, Decimal("90071992547409.93"))
        self.assertEqual(str(Money(453_860_302_000)), "453,860.30 万元")
        self.assertEqual(Money(1) + Money(2), Money(3))


class FakeRpcError(grpc.RpcError):
    def __init__(self, code, details):
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details


class ErrorsTest(unittest.TestCase):
    def test_status_codes_map_to_exceptions(self):
        e = from_rpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "park 'X' is not known"))
        self.assertIsInstance(e, NotFound)
        self.assertEqual((e.code, e.details), (grpc.StatusCode.NOT_FOUND, "park 'X' is not known"))
        self.assertIsInstance(from_rpc_error(FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, "")),
                              InvalidArgument)
        other = from_rpc_error(FakeRpcError(grpc.StatusCode.INTERNAL, "boom"))
        self.assertIs(type(other), ClusterwatchError)
        self.assertEqual(str(other), "INTERNAL: boom")


if __name__ == "__main__":
    unittest.main()
