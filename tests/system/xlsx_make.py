"""Writes small .xlsx workbooks for the system tests with the standard library only (zipfile
and the Office Open XML parts a spreadsheet needs), independently of the product's reader.

A cell is a str (a shared string, or an inline string with inline=True), a decimal text
wrapped in Number (a numeric cell storing that text), or a MonthDate (a date cell on the
first of a month, formatted yyyy-mm). Rows are placed at the
spreadsheet row numbers given, so blank rows can stay where a CSV file had them."""
from __future__ import annotations

import datetime
import zipfile
from typing import Dict, List, Sequence, Tuple, Union
from xml.sax.saxutils import escape


class Number(str):
    """A numeric cell: the text is stored as the cell's value."""


class MonthDate:
    """A date cell holding the first day of `year`-`month`."""

    def __init__(self, year: int, month: int):
        self.year, self.month = year, month

    def serial(self) -> int:
        return (datetime.date(self.year, self.month, 1) - datetime.date(1899, 12, 30)).days


Cell = Union[str, Number, MonthDate, None]


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def _sheet_xml(rows: Sequence[Tuple[int, Sequence[Cell]]], shared: Dict[str, int],
               inline: bool) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData>']
    for row_number, cells in rows:
        parts.append(f'<row r="{row_number}">')
        for i, cell in enumerate(cells):
            if cell is None or cell == "":
                continue
            ref = f"{column_letters(i)}{row_number}"
            if isinstance(cell, MonthDate):
                parts.append(f'<c r="{ref}" s="1"><v>{cell.serial()}</v></c>')
            elif isinstance(cell, Number):
                parts.append(f'<c r="{ref}"><v>{cell}</v></c>')
            elif inline:
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                             f'{escape(cell)}</t></is></c>')
            else:
                index = shared.setdefault(cell, len(shared))
                parts.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def write_xlsx(path: str, sheets: List[Tuple[str, Sequence[Tuple[int, Sequence[Cell]]]]],
               inline: bool = False) -> None:
    """Writes `sheets` ([(name, [(row number, cells)])], in workbook order) to `path`."""
    shared: Dict[str, int] = {}
    sheet_xml = [_sheet_xml(rows, shared, inline) for _, rows in sheets]
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Types xmlns="{ns}/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
                   'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
                             'ContentType="application/vnd.openxmlformats-officedocument.'
                             'spreadsheetml.worksheet+xml"/>' for i in range(len(sheets)))
                   + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                   '<Override PartName="/xl/styles.xml" ContentType="application/vnd.'
                   'openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Relationships xmlns="{ns}/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<workbook xmlns="{ns}/spreadsheetml/2006/main" '
                   f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
                   + "".join(f'<sheet name="{escape(name)}" sheetId="{i + 1}" '
                             f'r:id="rId{i + 1}"/>' for i, (name, _) in enumerate(sheets))
                   + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Relationships xmlns="{ns}/package/2006/relationships">'
                   + "".join(f'<Relationship Id="rId{i + 1}" Type="{ns}/officeDocument/2006/'
                             f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                             for i in range(len(sheets)))
                   + f'<Relationship Id="rId{len(sheets) + 1}" Type="{ns}/officeDocument/2006/'
                   'relationships/styles" Target="styles.xml"/>'
                   f'<Relationship Id="rId{len(sheets) + 2}" Type="{ns}/officeDocument/2006/'
                   'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        for i, xml in enumerate(sheet_xml):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", xml)
        ordered = sorted(shared, key=shared.get)
        z.writestr("xl/sharedStrings.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<sst xmlns="{ns}/spreadsheetml/2006/main" count="{len(ordered)}" '
                   f'uniqueCount="{len(ordered)}">'
                   + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>'
                             for s in ordered) + "</sst>")
        z.writestr("xl/styles.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<styleSheet xmlns="{ns}/spreadsheetml/2006/main">'
                   '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm"/>'
                   '</numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
                   '<borders count="1"><border/></borders>'
                   '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
                   '<cellXfs count="2"><xf numFmtId="0" xfId="0"/>'
                   '<xf numFmtId="164" xfId="0" applyNumberFormat="1"/></cellXfs>'
                   '</styleSheet>')
