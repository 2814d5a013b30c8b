"""The shell examples of the documentation, as data: extraction of fenced blocks from
Markdown, their doc-test markers, address substitution and the flags each example passes to
a clusterwatch program. Pure: no processes, no files beyond what the caller reads in.

Marker convention (docs/contributing.md):
  <!-- doctest: run [exit=N] expect="TEXT" [expect="TEXT"]... -->
  <!-- doctest: skip: REASON -->
on the line just before the opening fence of a shell block (```sh, ```bash, ```shell,
```console). `run` blocks are executed as one bash script (errexit, pipefail) from the
repository root; the script must exit N (default 0) and its stdout+stderr contain every TEXT.
`skip` blocks are not run (the reason is required) but their flags are still checked. A
fence without a language is an error (diagrams are ```text), and so is a shell block
without a marker."""
import re
import shlex

SHELL_LANGS = {"sh", "bash", "shell", "console", "zsh"}
# The programs whose flags the examples may use: name -> binary under the build directory.
PROGRAMS = {
    "cw-ingest": "ingest/cw-ingest",
    "cw-aggregator": "aggregator/cw-aggregator",
    "cw-query": "query/cw-query",
    "cw-alerter": "alerter/cw-alerter",
    "cw-allinone": "allinone/cw-allinone",
    "clusterctl": "cli/clusterctl",
}

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_MARKER = re.compile(r"^\s*<!--\s*doctest:\s*(.*?)\s*-->\s*$")


class Block:
    """One fenced block: where it is, its language, its marker and its text."""

    def __init__(self, path, line, lang, marker, text):
        self.path, self.line, self.lang, self.marker, self.text = path, line, lang, marker, text
        self.mode, self.exit, self.expect, self.reason, self.error = None, 0, [], "", None
        if lang in SHELL_LANGS:
            self._parse_marker()

    @property
    def where(self):
        return f"{self.path}:{self.line}"

    @property
    def is_shell(self):
        return self.lang in SHELL_LANGS

    def _parse_marker(self):
        m = self.marker
        if m is None:
            self.error = (f"{self.where}: shell block without a doc-test marker; put "
                          "'<!-- doctest: run expect=\"...\" -->' or '<!-- doctest: skip: "
                          "REASON -->' on the line before the fence")
            return
        if m.startswith("skip"):
            self.mode = "skip"
            self.reason = m[len("skip"):].lstrip(":").strip()
            if not self.reason:
                self.error = f"{self.where}: 'doctest: skip' needs a reason ('skip: REASON')"
            return
        if not m.startswith("run"):
            self.error = f"{self.where}: doc-test marker '{m}': expected 'run ...' or 'skip: ...'"
            return
        self.mode = "run"
        try:
            words = shlex.split(m[len("run"):])
        except ValueError as e:
            self.error = f"{self.where}: doc-test marker '{m}': {e}"
            return
        for w in words:
            key, eq, value = w.partition("=")
            if key == "exit" and eq and value.isdigit():
                self.exit = int(value)
            elif key == "expect" and eq and value:
                self.expect.append(value)
            else:
                self.error = (f"{self.where}: doc-test marker word '{w}': expected exit=N or "
                              "expect=\"TEXT\"")
                return
        if not self.expect:
            self.error = (f"{self.where}: a 'run' block declares what its output shows: add "
                          "expect=\"TEXT\"")


def blocks(path, text):
    """Every fenced block of a Markdown text, in order. A fence without a language is
    returned with lang "" (an error for the doc-test)."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3).strip()
        prev = lines[i - 1] if i > 0 else ""
        mm = _MARKER.match(prev)
        body, j = [], i + 1
        while j < len(lines):
            close = _FENCE.match(lines[j])
            if close and close.group(2).startswith(fence[0] * len(fence)) and not close.group(3).strip():
                break
            line = lines[j]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            j += 1
        lang = info.split()[0] if info else ""
        out.append(Block(path, i + 1, lang, mm.group(1) if mm else None, "\n".join(body)))
        i = j + 1
    return out


def problems(all_blocks):
    """What makes the documentation's blocks unfit for the doc-test: unlabelled fences,
    shell blocks without (or with a malformed) marker. Empty when all is well."""
    out = []
    for b in all_blocks:
        if b.lang == "":
            out.append(f"{b.where}: fence without a language; name it (```sh, ```text for "
                       "diagrams and output, ```yaml ...)")
        elif b.error:
            out.append(b.error)
    return out


def substitute(text, addresses, build_dir):
    """The block as the doc-test runs it: each 'host:port' of `addresses` (documented default
    -> test stack's address, e.g. '127.0.0.1:50052' -> '127.0.0.1:41234'), and 'build/' at
    the start of a path replaced by the build directory."""
    def addr(m):
        return addresses.get(m.group(0), m.group(0))
    text = re.sub(r"\b(?:127\.0\.0\.1|localhost):\d+\b", addr, text)
    return re.sub(r"(?<![\w./-])build/", build_dir.rstrip("/") + "/", text)


def _logical_lines(text):
    """Lines with backslash continuations joined, comments dropped."""
    out, cur = [], ""
    for line in text.split("\n"):
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        out.append(cur + line)
        cur = ""
    if cur:
        out.append(cur)
    return out


def program_flags(text):
    """[(program, flag name)] for every `--flag` an example passes to one of PROGRAMS
    (called by path or bare name, also as `podman run IMAGE cw-query ...`): the flags after
    the program's name in the same simple command."""
    found = []
    for line in _logical_lines(text):
        line = re.sub(r"(^|\s)#.*$", "", line)  # comment to the end of the line
        for segment in re.split(r"\|\||&&|[|;&()]", line):
            try:
                words = shlex.split(segment)
            except ValueError:
                words = segment.split()
            program = None
            for w in words:
                base = w.rsplit("/", 1)[-1]
                if base in PROGRAMS:
                    program = base
                    continue
                if program and w.startswith("--") and len(w) > 2:
                    found.append((program, w[2:].split("=", 1)[0]))
    return found


def help_flags(help_text):
    """The flag names a program's --helpfull lists ('    --name (help); default: ...')."""
    return set(re.findall(r"^\s+--([A-Za-z0-9_]+) \(", help_text, re.M))


def unknown_flags(block, known):
    """[(program, flag)] the block passes that the program does not define; `known` maps a
    program to its flag names. '--noNAME' counts as NAME (a boolean's negation)."""
    bad = []
    for program, flag in program_flags(block.text):
        names = known[program]
        if flag in names or (flag.startswith("no") and flag[2:] in names):
            continue
        bad.append((program, flag))
    return bad
