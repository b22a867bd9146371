#!/usr/bin/env python3
"""Writes en-US/CertHeal.dll-Help.xml (MAML) and en-US/about_CertHeal.help.txt from docs/.

The help's source is one Markdown file per cmdlet in platyPS's layout (docs/<Cmdlet>.md:
SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS with a yaml block each, INPUTS, OUTPUTS,
NOTES, RELATED LINKS) plus docs/about_CertHeal.md. platyPS is not served where this project is
built, so this small generator reads that layout. Edit the Markdown, run
`python3 tools/make_help.py`, and commit both; the module metadata tests fail when a cmdlet or
parameter is undocumented or when the Markdown and the MAML disagree.
"""
from xml.sax.saxutils import escape
import os
import re
import sys
import textwrap

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
docs = os.path.join(root, "docs")


def sections(lines, level):
    """Splits lines at headings of exactly `level` #'s (outside code fences): [(title, body_lines)]."""
    out, title, body, fence = [], None, [], False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        if not fence and re.match("#" * level + r" (?!#)", line):
            if title is not None or body:
                out.append((title, body))
            title, body = line[level + 1:].strip(), []
        else:
            body.append(line)
    out.append((title, body))
    return out


def paragraphs(lines):
    """Prose paragraphs separated by blank lines (code fences excluded)."""
    out, cur = [], []
    for line in lines:
        if line.strip() == "":
            if cur:
                out.append(" ".join(cur))
                cur = []
        else:
            cur.append(line.strip())
    if cur:
        out.append(" ".join(cur))
    return out


def split_fence(lines):
    """(text before the first fenced block, the block's lines, text after it)."""
    starts = [i for i, l in enumerate(lines) if l.startswith("```")]
    if len(starts) < 2:
        return lines, None, []
    a, b = starts[0], starts[1]
    return lines[:a], lines[a + 1:b], lines[b + 1:]


def parse_cmdlet(path):
    text = open(path, encoding="utf-8").read()
    lines = text.split("\n")
    if lines and lines[0] == "---":
        lines = lines[lines.index("---", 1) + 1:]
    top = sections(lines, 1)
    name = next(t for t, _ in top if t)
    body = next(b for t, b in top if t == name)
    parts = {t: b for t, b in sections(body, 2) if t}
    for required in ("SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"):
        if required not in parts:
            sys.exit(f"{path}: missing section '## {required}'.")
    verb, noun = name.split("-", 1)
    c = dict(verb=verb, noun=noun, synopsis=" ".join(paragraphs(parts["SYNOPSIS"])),
             description=paragraphs(parts["DESCRIPTION"]), params=[], inputs=[], outputs=[], examples=[], links=[])
    for title, ex in sections(parts["EXAMPLES"], 3):
        if not title:
            continue
        before, code, after = split_fence(ex)
        if code is None:
            sys.exit(f"{path}: example '{title}' has no code block.")
        title = re.sub(r"^Example \d+:\s*", "", title)
        c["examples"].append((title, "\n".join(code), paragraphs(after)))
    for title, prm in sections(parts["PARAMETERS"], 3):
        if not title or title == "CommonParameters":
            continue
        before, yaml, _ = split_fence(prm)
        if yaml is None:
            sys.exit(f"{path}: parameter {title} has no yaml block.")
        meta = {}
        for line in yaml:
            if ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip()] = v.strip()
        pos = meta.get("Position", "Named")
        aliases = meta.get("Aliases", "None")
        c["params"].append((title.lstrip("-"), meta["Type"], meta.get("Required", "False") == "True",
                            "named" if pos.lower() == "named" else pos, meta.get("Accept pipeline input", "False"),
                            meta.get("Default value", "None"), paragraphs(before), "none" if aliases == "None" else aliases))
    for key, target in (("INPUTS", "inputs"), ("OUTPUTS", "outputs")):
        for title, b in sections(parts[key], 3):
            if title:
                c[target].append((title, " ".join(paragraphs(b))))
    c["notes"] = paragraphs(parts["NOTES"])
    c["links"] = re.findall(r"\[([^\]]+)\]", "\n".join(parts["RELATED LINKS"]))
    return c


def about_text(path):
    """about_CertHeal.help.txt from docs/about_CertHeal.md: headings in capitals, prose wrapped
    at 80 columns with a 4-space indent, code blocks kept as written with 8 spaces."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, fence, para = [], False, []
    def flush():
        if para:
            out.extend(textwrap.wrap(" ".join(para), width=80, initial_indent="    ", subsequent_indent="    ",
                                     break_long_words=False, break_on_hyphens=False))
            out.append("")
            para.clear()
    for line in lines:
        if line.startswith("```"):
            flush()
            fence = not fence
            if not fence:
                out.append("")
            continue
        if fence:
            out.append(("        " + line).rstrip())
        elif line.startswith("# "):
            flush()
            out.extend(["TOPIC", "    " + line[2:].strip(), ""])
        elif line.startswith("## "):
            flush()
            out.append(line[3:].strip().upper())
        elif line.strip() == "":
            flush()
        else:
            para.append(line.strip())
    flush()
    return "\n".join(out).rstrip() + "\n"


def p(text):
    return "".join(f"<maml:para>{escape(t)}</maml:para>" for t in ([text] if isinstance(text, str) else text))

def command(c):
    name = f"{c['verb']}-{c['noun']}"
    out = []
    out.append('  <command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">')
    out.append(f"    <command:details><command:name>{name}</command:name><command:verb>{c['verb']}</command:verb><command:noun>{c['noun']}</command:noun><maml:description>{p(c['synopsis'])}</maml:description></command:details>")
    out.append(f"    <maml:description>{p(c['description'])}</maml:description>")
    def param_xml(prm, indent):
        n, t, req, pos, pipe, default, desc = prm[:7]
        aliases = prm[7] if len(prm) > 7 else "none"
        sw = t == "SwitchParameter"
        value = "" if sw else f'<command:parameterValue required="true" variableLength="false">{escape(t)}</command:parameterValue>'
        return (f'{indent}<command:parameter required="{str(req).lower()}" variableLength="true" globbing="false" pipelineInput="{escape(pipe)}" position="{pos}" aliases="{escape(aliases)}">'
                f"<maml:name>{n}</maml:name><maml:description>{p(desc)}</maml:description>{value}"
                f"<dev:type><maml:name>{escape(t)}</maml:name><maml:uri /></dev:type><dev:defaultValue>{escape(default)}</dev:defaultValue></command:parameter>")
    out.append("    <command:syntax><command:syntaxItem>")
    out.append(f"      <maml:name>{name}</maml:name>")
    for prm in c["params"]:
        out.append(param_xml(prm, "      "))
    out.append("    </command:syntaxItem></command:syntax>")
    out.append("    <command:parameters>")
    for prm in c["params"]:
        out.append(param_xml(prm, "      "))
    out.append("    </command:parameters>")
    out.append("    <command:inputTypes>" + "".join(f"<command:inputType><dev:type><maml:name>{escape(t)}</maml:name></dev:type><maml:description>{p(d)}</maml:description></command:inputType>" for t, d in c["inputs"]) + "</command:inputTypes>")
    out.append("    <command:returnValues>" + "".join(f"<command:returnValue><dev:type><maml:name>{escape(t)}</maml:name></dev:type><maml:description>{p(d)}</maml:description></command:returnValue>" for t, d in c["outputs"]) + "</command:returnValues>")
    out.append(f"    <maml:alertSet><maml:alert>{p(c['notes'])}</maml:alert></maml:alertSet>")
    out.append("    <command:examples>")
    for i, (title, code, remarks) in enumerate(c["examples"], 1):
        out.append(f"      <command:example><maml:title>-------------------------- Example {i}: {escape(title)} --------------------------</maml:title><dev:code>{escape(code)}</dev:code><dev:remarks>{p(remarks)}</dev:remarks></command:example>")
    out.append("    </command:examples>")
    out.append("    <command:relatedLinks>" + "".join(f"<maml:navigationLink><maml:linkText>{l}</maml:linkText><maml:uri /></maml:navigationLink>" for l in c["links"]) + "</command:relatedLinks>")
    out.append("  </command:command>")
    return "\n".join(out)


def main():
    names = sorted(f for f in os.listdir(docs) if f.endswith(".md") and not f.startswith("about_"))
    help_items = [parse_cmdlet(os.path.join(docs, f)) for f in names]
    with open(os.path.join(root, "en-US", "CertHeal.dll-Help.xml"), "w", encoding="utf-8", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<helpItems schema="maml" xmlns="http://msh">\n')
        f.write("\n".join(command(c) for c in help_items))
        f.write("\n</helpItems>\n")
    with open(os.path.join(root, "en-US", "about_CertHeal.help.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(about_text(os.path.join(docs, "about_CertHeal.md")))
    print(f"wrote en-US/CertHeal.dll-Help.xml ({len(help_items)} cmdlets) and en-US/about_CertHeal.help.txt")


if __name__ == "__main__":
    main()
