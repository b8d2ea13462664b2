"""A Sphinx directive for the offloadsched documentation: the methods table, from the registry.

``.. offloadsched-methods::`` renders one row per registered method (name, kind, problem types,
keyword options, the registry's one-line summary), as ``offloadsched methods`` prints them.  The
registry lists every method without importing a solver, so the table costs nothing to build
and never drifts from the code.  ``:kind: heuristic`` or ``:kind: exact`` keeps one kind.

``.. offloadsched-suites::`` lists the benchmark suites shipped with the package, each with the
description its TOML file gives.

``.. offloadsched-method-modules::`` documents the module of every registered method (its
docstring: the paper, the algorithm, the complexity), one section per module.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

HEADERS = ("method", "kind", "problems", "options", "summary")
WIDTHS = (14, 8, 12, 18, 48)


def _cell(text: str, literal: bool = False) -> nodes.entry:
    entry = nodes.entry()
    para = nodes.paragraph()
    para += nodes.literal(text, text) if literal and text else nodes.Text(text)
    entry += para
    return entry


def _module(target: object) -> str | None:
    """The module of a method's target (an import path ``"module:function"`` or a function)."""
    return target.partition(":")[0] if isinstance(target, str) else getattr(target, "__module__", None)


def _method_cell(name: str, module: str | None) -> nodes.entry:
    """The method's name, linked to its module's page."""
    entry = nodes.entry()
    para = nodes.paragraph()
    ref = addnodes.pending_xref("", refdomain="py", reftype="mod", reftarget=module or "", refexplicit=True)
    ref += nodes.literal(name, name)
    para += ref if module else nodes.literal(name, name)
    entry += para
    return entry


def _row(cells: list[nodes.entry]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        row += cell
    return row


class MethodsTable(SphinxDirective):
    """The registered methods as a table (see the module docstring)."""

    has_content = False
    option_spec = {"kind": lambda arg: directives.choice(arg, ("heuristic", "exact"))}

    def run(self) -> list[nodes.Node]:
        from offloadsched.registry import methods

        rows = methods(kind=self.options.get("kind"))
        table = nodes.table(classes=["offloadsched-methods"])
        group = nodes.tgroup(cols=len(HEADERS))
        table += group
        for width in WIDTHS:
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row([_cell(h) for h in HEADERS])
        body = nodes.tbody()
        for m in rows:
            body += _row([_method_cell(m.name, _module(m.target)), _cell(m.kind), _cell(", ".join(m.problems)),
                          _cell(", ".join(m.options)), _cell(m.summary)])
        group += head
        group += body
        return [table]


class SuitesList(SphinxDirective):
    """The shipped benchmark suites with their descriptions (see the module docstring)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from offloadsched.bench import load_suite, suite_names

        items = nodes.bullet_list()
        for name in suite_names():
            para = nodes.paragraph()
            para += nodes.literal(name, name)
            para += nodes.Text(" - " + " ".join(load_suite(name).description.split()))
            item = nodes.list_item()
            item += para
            items += item
        return [items]


class MethodModules(SphinxDirective):
    """``automodule`` of every registered method's module (see the module docstring)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from offloadsched.registry import methods

        by_module: dict[str, list[str]] = {}
        for m in methods():
            module = _module(m.target)
            if module:
                by_module.setdefault(module, []).append(m.name)
        lines = []
        for module, names in sorted(by_module.items()):
            title = f"{module.rsplit('.', 1)[-1]}: {', '.join(names)}"
            lines += [title, "-" * len(title), "", f".. automodule:: {module}", "   :no-members:", ""]
        container = nodes.section()
        nested_parse_with_titles(self.state, StringList(lines, source="offloadsched-method-modules"), container)
        return container.children


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("offloadsched-methods", MethodsTable)
    app.add_directive("offloadsched-suites", SuitesList)
    app.add_directive("offloadsched-method-modules", MethodModules)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
