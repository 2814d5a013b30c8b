"""Prints an XLSX workbook's sheets as JSON ({sheet: [[cell, ...], ...]}, the header row
first), read with openpyxl. Run with the Python of `scripts/tools.sh pyvenv` (openpyxl is not
a Debian package here): python xlsx_dump.py BOOK.xlsx"""
import json
import sys

import openpyxl


def main(path):
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out = {}
    for ws in book.worksheets:
        out[ws.title] = [list(row) for row in ws.iter_rows(values_only=True)]
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
