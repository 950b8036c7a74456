"""A small YAML reader for the simulation: enough for Kubernetes manifests, `kubectl kustomize`
output and Prometheus rule files, with no dependency (a fresh CI machine's python3 may lack PyYAML).

Supported: block mappings and sequences (also a sequence at its key's indentation), plain,
'single' and "double" quoted scalars (also over several lines), literal (|) and folded (>) block
scalars with chomping and indentation indicators, flow collections ([a, b], {k: v}), comments,
several documents (---). Not supported: anchors, aliases, tags beyond ignoring them, complex keys.
Scalars resolve as YAML 1.2 core: null/~, true/false, ints, floats, else strings.

`load_all` prefers PyYAML when it is installed; set SIM_YAML=mini to force this reader.
"""

import os
import re

__all__ = ["load_all", "load", "YamlError"]


class YamlError(ValueError):
    pass


_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def _resolve_plain(s):
    if s in ("", "~", "null", "Null", "NULL"):
        return None
    if s in ("true", "True", "TRUE"):
        return True
    if s in ("false", "False", "FALSE"):
        return False
    if _INT.match(s):
        return int(s)
    if _FLOAT.match(s):
        return float(s)
    if s in (".inf", ".Inf", "+.inf"):
        return float("inf")
    if s in ("-.inf", "-.Inf"):
        return float("-inf")
    if s in (".nan", ".NaN"):
        return float("nan")
    return s


_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
            "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0"}


def _unescape_double(body):
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = body[i + 1]
        if n in _ESCAPES:
            out.append(_ESCAPES[n])
            i += 2
        elif n in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[n]
            out.append(chr(int(body[i + 2:i + 2 + width], 16)))
            i += 2 + width
        else:
            raise YamlError("unknown escape \\" + n)
    return "".join(out)


def _strip_comment(s):
    """Removes a trailing ` # comment` outside quotes and flow brackets."""
    quote = None
    for i, c in enumerate(s):
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"':
                continue
        elif c in "'\"" and (i == 0 or s[i - 1] in " \t[{,:"):
            quote = c
        elif c == "#" and (i == 0 or s[i - 1] in " \t"):
            return s[:i].rstrip()
    return s.rstrip()


def _split_key(content):
    """Returns (key, rest) when the line is `key: rest` / `key:`, else None."""
    if content.startswith(("'", '"')):
        q = content[0]
        i = 1
        while i < len(content):
            if content[i] == "\\" and q == '"':
                i += 2
                continue
            if content[i] == q:
                if q == "'" and content[i + 1:i + 2] == "'":
                    i += 2
                    continue
                break
            i += 1
        after = content[i + 1:]
        if after.startswith(":") and (len(after) == 1 or after[1] in " \t"):
            return _scalar_token(content[:i + 1]), after[1:].strip()
        return None
    if content.startswith(("[", "{", "- ", "|", ">")) or content == "-":
        return None
    for m in re.finditer(r":(\s|$)", content):
        key = content[:m.start()]
        if " #" in key:
            return None
        return key.strip(), content[m.end():].strip()
    return None


def _scalar_token(tok):
    tok = tok.strip()
    if tok.startswith("'") and tok.endswith("'") and len(tok) >= 2:
        return tok[1:-1].replace("''", "'")
    if tok.startswith('"') and tok.endswith('"') and len(tok) >= 2:
        return _unescape_double(tok[1:-1])
    if tok.startswith("!"):  # a tag: only !!str changes anything here
        parts = tok.split(None, 1)
        if len(parts) == 1:
            return None
        value = _scalar_token(parts[1])
        return str(parts[1].strip()) if parts[0] == "!!str" and not isinstance(value, str) else value
    return _resolve_plain(tok)


class _Flow:
    """Parses one flow collection or scalar: [a, {b: c}], {k: v}."""

    def __init__(self, text):
        self.s = text
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n":
            self.i += 1

    def node(self):
        self.ws()
        c = self.s[self.i]
        if c == "[":
            self.i += 1
            out = []
            while True:
                self.ws()
                if self.s[self.i] == "]":
                    self.i += 1
                    return out
                out.append(self.entry_in_seq())
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
        if c == "{":
            self.i += 1
            out = {}
            while True:
                self.ws()
                if self.s[self.i] == "}":
                    self.i += 1
                    return out
                k = self.node()
                self.ws()
                v = None
                if self.s[self.i] == ":":
                    self.i += 1
                    v = self.node()
                out[k] = v
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
        if c in "'\"":
            j = self.i + 1
            while True:
                if self.s[j] == "\\" and c == '"':
                    j += 2
                    continue
                if self.s[j] == c:
                    if c == "'" and self.s[j + 1:j + 2] == "'":
                        j += 2
                        continue
                    break
                j += 1
            tok = self.s[self.i:j + 1]
            self.i = j + 1
            return _scalar_token(tok.replace("\n", " "))
        j = self.i
        while j < len(self.s) and self.s[j] not in ",]}" and not (self.s[j] == ":" and self.s[j + 1:j + 2] in (" ", "")):
            j += 1
        tok = self.s[self.i:j]
        self.i = j
        return _scalar_token(tok)

    def entry_in_seq(self):
        k = self.node()
        self.ws()
        if self.i < len(self.s) and self.s[self.i] == ":":
            self.i += 1
            return {k: self.node()}
        return k


class _Parser:
    def __init__(self, text):
        self.lines = text.replace("\r\n", "\n").replace("\t", "    ").split("\n")
        self.i = 0

    @staticmethod
    def indent(line):
        return len(line) - len(line.lstrip(" "))

    def skip_blank(self):
        while self.i < len(self.lines):
            s = self.lines[self.i].strip()
            if s and not s.startswith("#"):
                return True
            self.i += 1
        return False

    def block(self, min_indent):
        if not self.skip_blank():
            return None
        line = self.lines[self.i]
        ind = self.indent(line)
        if ind < min_indent:
            return None
        content = line[ind:]
        if content == "-" or content.startswith("- "):
            return self.seq(ind)
        if _split_key(_strip_comment(content)) is not None:
            return self.mapping(ind)
        self.i += 1
        return self.inline(_strip_comment(content), ind - 1)

    def seq(self, ind):
        out = []
        while self.skip_blank():
            line = self.lines[self.i]
            if self.indent(line) != ind:
                break
            content = line[ind:]
            if not (content == "-" or content.startswith("- ")):
                break
            rest = content[1:]
            if not rest.strip() or rest.strip().startswith("#"):
                self.i += 1
                out.append(self.block(ind + 1))
            else:
                col = ind + 1 + (len(rest) - len(rest.lstrip(" ")))
                # Re-read the item as if it started on its own line at its column.
                self.lines[self.i] = " " * col + rest.lstrip(" ")
                out.append(self.block(col))
        return out

    def mapping(self, ind):
        out = {}
        while self.skip_blank():
            line = self.lines[self.i]
            if self.indent(line) != ind:
                break
            kv = _split_key(_strip_comment(line[ind:]))
            if kv is None:
                break
            key, rest = kv
            self.i += 1
            if rest.startswith("&") or rest.startswith("*"):
                raise YamlError("anchors and aliases are not supported (line %d)" % self.i)
            if rest.startswith("!") and len(rest.split(None, 1)) == 1:
                rest = ""  # a tag before a block: ignored
            if rest == "":
                if self.skip_blank() and self.indent(self.lines[self.i]) == ind and \
                        (self.lines[self.i][ind:] == "-" or self.lines[self.i][ind:].startswith("- ")):
                    out[key] = self.seq(ind)
                else:
                    out[key] = self.block(ind + 1)
            elif rest[0] in "|>":
                out[key] = self.block_scalar(rest, ind)
            else:
                out[key] = self.inline(rest, ind)
        return out

    def inline(self, rest, ind):
        """A value on the key's line; quoted, plain or flow values may continue on deeper lines."""
        rest = _strip_comment(rest) if rest[0] not in "'\"" else rest.rstrip()
        if rest[0] in "[{":
            text = rest
            while not self._balanced(text):
                if self.i >= len(self.lines):
                    raise YamlError("unterminated flow collection")
                text += "\n" + _strip_comment(self.lines[self.i])
                self.i += 1
            return _Flow(text).node()
        if rest[0] in "'\"":
            text = rest
            after_empty = False
            while not self._closed_quote(text):
                if self.i >= len(self.lines):
                    raise YamlError("unterminated quoted scalar")
                nxt = self.lines[self.i].strip()
                self.i += 1
                # Inside quotes a line break folds to a space, an empty line to a newline.
                if not nxt:
                    text += "\n"
                    after_empty = True
                else:
                    text += nxt if after_empty else " " + nxt
                    after_empty = False
            return _scalar_token(text[:self._quote_end(text) + 1])
        parts = [rest]
        while self.i < len(self.lines):
            line = self.lines[self.i]
            s = line.strip()
            if not s or s.startswith("#") or self.indent(line) <= ind or _split_key(s) is not None:
                break
            parts.append(_strip_comment(s))
            self.i += 1
        return _resolve_plain(" ".join(parts)) if len(parts) > 1 else _scalar_token(rest)

    @staticmethod
    def _quote_end(text):
        q = text[0]
        i = 1
        while i < len(text):
            if text[i] == "\\" and q == '"':
                i += 2
                continue
            if text[i] == q:
                if q == "'" and text[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return i
            i += 1
        return -1

    def _closed_quote(self, text):
        return self._quote_end(text) > 0

    @staticmethod
    def _balanced(text):
        depth = 0
        quote = None
        for c in text:
            if quote:
                if c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
        return depth == 0

    def block_scalar(self, header, parent_indent):
        m = re.match(r"^([|>])([-+]?)([1-9]?)([-+]?)\s*(#.*)?$", header)
        if not m:
            raise YamlError("bad block scalar header " + header)
        style, chomp, explicit = m.group(1), m.group(2) or m.group(4), m.group(3)
        raw = []
        block_indent = parent_indent + int(explicit) if explicit else None
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() == "":
                raw.append("")
                self.i += 1
                continue
            ind = self.indent(line)
            if block_indent is None:
                if ind <= parent_indent:
                    break
                block_indent = ind
            if ind < block_indent:
                break
            raw.append(line[block_indent:])
            self.i += 1
        while raw and raw[-1] == "":
            trailing = raw.pop()
            if chomp == "+":
                raw.append(trailing)
                break
        if style == "|":
            body = "\n".join(raw)
        else:
            # Folding: a break between two lines becomes a space, each empty line a newline;
            # more-indented lines keep their breaks.
            body = raw[0] if raw else ""
            for j in range(1, len(raw)):
                line, prev = raw[j], raw[j - 1]
                if line == "":
                    body += "\n"
                elif prev == "":
                    body += line
                elif line.startswith(" ") or prev.startswith(" "):
                    body += "\n" + line
                else:
                    body += " " + line
        if chomp == "-":
            return body.rstrip("\n")
        if not body:
            return ""
        return body + "\n"


def _documents(text):
    doc = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if re.match(r"^---(\s|$)", line) or line.rstrip() == "...":
            yield "\n".join(doc)
            doc = []
            rest = line[3:].strip()
            if rest and not rest.startswith("#") and line.startswith("---"):
                doc.append(rest)
        elif line.startswith("%"):
            continue
        else:
            doc.append(line)
    yield "\n".join(doc)


def load_mini(text):
    docs = []
    for d in _documents(text):
        p = _Parser(d)
        if not p.skip_blank():
            continue
        docs.append(p.block(0))
    return docs


def load_all(text):
    """Every non-empty document of a YAML stream."""
    if os.environ.get("SIM_YAML") != "mini":
        try:
            import yaml  # type: ignore
            return [d for d in yaml.safe_load_all(text) if d is not None]
        except ImportError:
            pass
    return load_mini(text)


def load(text):
    docs = load_all(text)
    return docs[0] if docs else None
