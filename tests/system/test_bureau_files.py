"""System test: bureau files as bureaus hand them over (issue #19) — .xlsx workbooks and CSV
files whose headers use other common names, a name of the operator's own (--header_map) and
columns that are present but not read — pushed through the real clusterctl, cw-ingest and
cw-aggregator against a real broker. The sample's report files go alternately as an .xlsx
workbook (shared strings; inline strings; a month period as a date cell; the report on a
second sheet picked with --sheet) and as a CSV file with renamed headers; the query service
must then answer exactly the ground truth of the original CSV files (ground_truth.py), and
each push must refuse exactly the lines the ground truth refuses, at the same line numbers
(line = spreadsheet row). The registry goes as two workbooks."""
import csv
import io
import os
import re

import pytest

import cwclient
import ground_truth as gt
from harness import Stack, push_exit_code
from xlsx_make import MonthDate, Number, write_xlsx


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("bureau-files"))
    s = Stack(work).start()
    yield s
    s.stop()


# Other common names of the sample's columns (docs/operations.md, "Bureau files").
RENAMES = {
    "uscc": "纳税人识别号", "统一社会信用代码": "统一代码",
    "name": "单位名称", "企业名称": "详细名称",
    "period": "所属期", "报告期": "统计期",
    "basis": "数据口径", "口径": "取值口径",
    "unit": "金额单位", "计量单位": "单位",
    "gross_output": "总产值", "工业总产值": "output value",
    "total_tax": "纳税总额", "税收总额": "tax_total",
    "vat": "国内增值税", "增值税": "value-added tax",
    "employees": "从业人员平均人数", "平均用工人数": "headcount",
    "counterparties": "供应商", "主要供应商": "suppliers",
}
# A name of the operator's own, mapped with --header_map.
OWN_NAMES = {"revision": "更正次数", "修订版本": "更正次数", "industry": "所属行业",
             "行业代码": "所属行业"}
HEADER_MAP = "# the bureau's own names\n更正次数 = revision\n所属行业=industry\n"
_NOTES = re.compile(r"^(.*?)(\s*[(（].*)?$")
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")


def decoded(path):
    with open(path, "rb") as f:
        text, _ = gt.decode_bytes(f.read())
    return text


def csv_records(text):
    """[(line where the record starts, fields)] of every record, blank ones included."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out, prev = [], 0
    for fields in reader:
        out.append((prev + 1, fields))
        prev = reader.line_num
    return out


def renamed(cell):
    m = _NOTES.match(cell.strip())
    name, notes = m.group(1), m.group(2) or ""
    new = OWN_NAMES.get(name, RENAMES.get(name, name))
    return new + notes


def variant_csv(src, dst, kind):
    """The file with renamed headers (its lines unchanged, written as UTF-8); a tax file whose
    rows have no more fields than its header gains a trailing 园区代码 (park) column, which a
    tax report does not read. Returns whether it did."""
    text = decoded(src)
    first, nl, rest = text.partition("\n")
    cr = "\r" if first.endswith("\r") else ""
    header = next(csv.reader([first.rstrip("\r")]))
    out_header = [renamed(c) for c in header]
    widest = max((len(f) for _, f in csv_records(rest)), default=0)
    park_column = kind == "tax" and widest <= len(header)
    if park_column:
        out_header.append("园区代码")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(out_header)
    with open(dst, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue() + cr + nl + rest)
    return park_column


def xlsx_cell(text, header_name, month_dates):
    if month_dates and header_name in ("period", "报告期"):
        try:
            p = gt.parse_period(text)
        except ValueError:
            return text
        if not p.jan_feb:
            return MonthDate(p.year, p.month)
        return text
    digits = text.replace(".", "").lstrip("-").lstrip("0")
    if _NUMBER.match(text) and len(digits) <= 15 and header_name not in ("uscc",
                                                                          "统一社会信用代码"):
        return Number(text)
    return text


def to_xlsx(src, dst, style):
    """The CSV file as a workbook, each record at the spreadsheet row of its CSV line."""
    records = [(line, fields) for line, fields in csv_records(decoded(src)) if fields != []]
    header = records[0][1]
    names = [_NOTES.match(c.strip()).group(1) for c in header]
    rows = [(records[0][0], header)]
    for line, fields in records[1:]:
        rows.append((line, [xlsx_cell(v, names[i] if i < len(names) else "",
                                      style == "dates") for i, v in enumerate(fields)]))
    if style == "second-sheet":
        write_xlsx(dst, [("填报说明", [(1, ["请在“报表”页填报"])]), ("报表", rows)])
    else:
        write_xlsx(dst, [("Sheet1", rows)], inline=style == "inline")


def refused(result):
    """(line, field) of each refused line a push printed."""
    out = []
    for line in result.stdout.splitlines()[1:]:
        head, _, _ = line.strip().partition(": ")
        out.append((int(head.split()[1]), line.strip().split(": ")[1]))
    return out


@pytest.fixture(scope="module")
def pushed(stack, sample, truth):
    work = os.path.join(stack.workdir, "bureau")
    os.makedirs(work)
    # The registry as workbooks too.
    registry = []
    for name in ("parks", "enterprises"):
        dst = os.path.join(work, f"{name}.xlsx")
        to_xlsx(os.path.join(sample, "registry", f"{name}.csv"), dst, "shared")
        registry.append(dst)
    out = stack.ctl("registry", *registry)
    parks, enterprises = (len(gt.read_table(os.path.join(sample, "registry", f"{n}.csv")).rows)
                          for n in ("parks", "enterprises"))
    assert f"registry: {parks + enterprises} records stored" in out.stdout, out.stdout
    map_file = os.path.join(work, "headers.map")
    with open(map_file, "w", encoding="utf-8") as f:
        f.write(HEADER_MAP)
    reports = os.path.join(sample, "reports")
    names = sorted(n for n in os.listdir(reports) if n.endswith(".csv"))
    styles = ["shared", "inline", "dates", "second-sheet"]
    pushes = []
    for i, name in enumerate(names):
        src = os.path.join(reports, name)
        kind = gt.table_kind(gt.read_table(src))
        # Same base name, so the default bureau (from the first six characters) is the same.
        if i % 2 == 0:
            style = styles[(i // 2) % len(styles)]
            dst = os.path.join(work, name[:-4] + ".xlsx")
            to_xlsx(src, dst, style)
            args = ["push", dst] + (["--sheet=报表"] if style == "second-sheet" else [])
            park_column = False
        else:
            style = "csv"
            dst = os.path.join(work, name)
            park_column = variant_csv(src, dst, kind)
            args = ["push", f"--header_map={map_file}", dst]
        result = stack.ctl(*args, check=False)
        pushes.append({"name": name, "style": style, "kind": kind, "park_column": park_column,
                       "result": result})
    return pushes


def test_every_style_was_pushed(pushed):
    # The test covers what it claims: each workbook style, and renamed CSV files with an
    # unread park column among them.
    styles = {p["style"] for p in pushed}
    assert styles == {"shared", "inline", "dates", "second-sheet", "csv"}, styles
    assert any(p["park_column"] for p in pushed)


def test_pushes_refuse_exactly_the_ground_truth_lines(pushed, truth):
    # Every push was answered; the refused lines (spreadsheet rows for workbooks) and their
    # fields are the ground truth's, file by file.
    for p in pushed:
        r = p["result"]
        assert r.returncode == push_exit_code(r.stdout), (p["name"], r.returncode, r.stdout,
                                                           r.stderr)
        want = sorted((x["line"], x["field"]) for x in truth["rejected"]
                      if os.path.basename(x["file"]) == p["name"])
        assert sorted(refused(r)) == want, (p["name"], p["style"], r.stdout)


def test_unread_park_column_is_reported(pushed):
    # A tax file's park column is reported on stderr, not silently dropped; the others warn
    # of nothing.
    for p in pushed:
        warnings = [l for l in p["result"].stderr.splitlines() if ": warning: " in l]
        if p["park_column"]:
            assert len(warnings) == 1, (p["name"], p["result"].stderr)
            assert re.search(r"warning: column \d+ '园区代码' \(park_id\) is not used: a tax "
                             r"report's park and industry come from the registry; its cells "
                             r"are ignored$", warnings[0]), warnings[0]
        else:
            assert warnings == [], (p["name"], warnings)


def test_figures_equal_ground_truth(stack, pushed, truth):
    # The workbooks and the renamed files give exactly the figures of the original CSV files.
    client = cwclient.Client(stack.address("query"))
    assert cwclient.wait_equal(client, truth, 120) == []
