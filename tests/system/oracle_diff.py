"""Published answers as plain dicts, and their field-by-field differences from the oracle.

`answer_dict` turns any clusterwatch protobuf message into the shape oracle.py computes:
field names of proto/, Money as integer fen, Period as its key ("2024-01/02"), enums as the
last word of their name in lower case ("national", "system", "division"), an unset optional
field or message as None, repeated messages identified by a code as a dict keyed by it with
their order under "_order". Fields that say when or from where an answer was computed
(freshness, computed_unix_ms, source_offset) are left out.

`differences(want, got)` compares two such dicts in both directions: missing and unexpected
keys, integers exactly, floats within a relative 1e-9, oracle.ANY_TEXT as any non-empty text.
"""
import math

import oracle

SKIPPED = {"freshness", "computed_unix_ms", "source_offset"}
KEYED = {"industries": ("industry",), "firms": ("uscc",), "industry_metrics": ("industry",),
         "criteria": ("key",), "entries": ("park_id", "industry"), "parks": ("park_id",)}
REL, ABS = 1e-9, 1e-12


def _value(field, v):
    if field.type == field.TYPE_MESSAGE:
        name = field.message_type.name
        if name == "Money":
            return v.fen
        if name == "Period":
            return f"{v.year}-01/02" if v.jan_feb else f"{v.year}-{v.month:02d}"
        return answer_dict(v)
    if field.type == field.TYPE_ENUM:
        return field.enum_type.values_by_number[v].name.rsplit("_", 1)[-1].lower()
    return v


def answer_dict(msg):
    out = {}
    for field in msg.DESCRIPTOR.fields:
        if field.name in SKIPPED:
            continue
        v = getattr(msg, field.name)
        if field.label == field.LABEL_REPEATED:
            items = [_value(field, x) for x in v]
            if field.type == field.TYPE_MESSAGE and field.name in KEYED:
                keyed = {"/".join(str(i[k]) for k in KEYED[field.name]): i for i in items}
                keyed["_order"] = list(keyed)
                items = keyed
            out[field.name] = items
        elif (field.type == field.TYPE_MESSAGE or field.containing_oneof is not None) \
                and not msg.HasField(field.name):
            out[field.name] = None
        else:
            out[field.name] = _value(field, v)
    return out


def _fmt(v):
    if isinstance(v, dict):
        return "{...}"
    return repr(v)


def differences(want, got, path=""):
    """Readable differences: 'path: want X, got Y' / 'path: missing' / 'path: unexpected'."""
    if isinstance(want, str) and want == oracle.ANY_TEXT:
        return [] if isinstance(got, str) and got else [f"{path}: want some text, got {got!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for k in list(want) + [k for k in got if k not in want]:
            sub = f"{path}.{k}" if path else str(k)
            if k not in got:
                out.append(f"{sub}: missing (oracle has {_fmt(want[k])})")
            elif k not in want:
                out.append(f"{sub}: unexpected (service has {_fmt(got[k])})")
            else:
                out += differences(want[k], got[k], sub)
        return out
    if isinstance(want, list) and isinstance(got, list):
        out = [] if len(want) == len(got) else [f"{path}: want {len(want)} items, got "
                                                 f"{len(got)}"]
        for i, (w, g) in enumerate(zip(want, got)):
            out += differences(w, g, f"{path}[{i}]")
        return out
    if isinstance(want, bool) or isinstance(got, bool) or isinstance(want, (str, type(None))) \
            or isinstance(got, (str, type(None))) or isinstance(want, dict) \
            or isinstance(got, dict):
        return [] if want == got and type(want) is type(got) else \
            [f"{path}: want {_fmt(want)}, got {_fmt(got)}"]
    if isinstance(want, int) and isinstance(got, int):
        return [] if want == got else [f"{path}: want {want}, got {got}"]
    if math.isclose(want, got, rel_tol=REL, abs_tol=ABS):
        return []
    return [f"{path}: want {want!r}, got {got!r}"]
