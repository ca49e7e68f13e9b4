"""The integrity report ``make autograde`` writes next to ``grades.csv``.

nbgrader restores a submission's locked test cells before it grades, and every graded test
cell imports its helpers afresh, so an answer cell that rebinds ``check_array`` or patches
``course_lib.checks`` gains nothing. This module still lists such submissions for the
instructor, because a student who tried deserves a conversation and because a check a
test cell cannot make (builtins, ``sys.modules``, the kernel's error hook) is listed here.

For each submission it reports, with the cell and the line:

- an answer cell that rebinds a name the graded test cells use (``check_array``, ``np``,
  ``isinstance`` ...), other than the names the exercises ask for (importing what the lab
  imports under the same name, ``import numpy as np``, is no rebinding);
- an assignment into an imported module (``course_lib``, ``keras``, ``numpy`` ...),
  ``builtins``, ``sys.modules`` or the notebook's namespace (``globals()[...]``), and
  ``setattr``/``delattr`` on one;
- a hook on the kernel's error handling (``set_custom_exc``, ``sys.excepthook``) or code
  built at run time (``exec``, ``eval``, ``compile``, ``__import__``), which cannot be read;
- a graded cell of the lab that the submission lacks.

Answer cells are the cells nbgrader does not restore and that differ from the lab: solution
cells, edited lesson cells and cells the student added. A clean submission has no entry.
"""

from __future__ import annotations

import ast
import builtins
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from course_lib.files import write_text_atomically

BUILTIN_NAMES = frozenset(dir(builtins)) | {"get_ipython", "display", "__builtins__"}
#: Modules whose contents no answer cell should change, whether or not the cell imported them.
ALWAYS_MODULES = frozenset({"builtins", "__builtins__", "sys", "course_lib", "importlib"})
DYNAMIC_CODE = frozenset({"exec", "eval", "compile", "__import__"})
ERROR_HOOKS = frozenset({"set_custom_exc", "excepthook", "showtraceback", "showsyntaxerror"})
NAMESPACE_CALLS = frozenset({"globals", "vars", "locals"})
MODULE_TABLES = frozenset({"modules", "__dict__"})
CSV_COLUMNS = ["student_id", "assignment", "cell", "line", "problem"]


@dataclass(frozen=True)
class Finding:
    """One line of the integrity report."""

    cell: str
    line: int | None
    problem: str


def parse_cell(source: str) -> ast.Module | None:
    """The syntax tree of a code cell, IPython magics turned into calls; None if it does not parse."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _target_names(target: ast.AST):
    """Names a plain assignment target binds (``a``, ``a, b``, ``*a``); not ``a.x`` or ``a[i]``."""
    if isinstance(target, ast.Name):
        yield target.id, target.lineno
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def global_bindings(tree: ast.Module) -> list[tuple[str, int]]:
    """(name, line) for every name a cell binds in the notebook's namespace: top-level
    assignments, imports, ``def``/``class``, loop and ``with`` targets, and names a function
    declares ``global``. Names local to a function or a comprehension are not included."""
    found: list[tuple[str, int]] = []

    def visit(statements, top_level: bool):
        for node in statements:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if top_level:
                    found.append((node.name, node.lineno))
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Global):
                        found.extend((name, inner.lineno) for name in inner.names)
                continue
            if top_level:
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        found.extend(_target_names(target))
                elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                    found.extend(_target_names(node.target))
                elif isinstance(node, ast.For | ast.AsyncFor):
                    found.extend(_target_names(node.target))
                elif isinstance(node, ast.With | ast.AsyncWith):
                    for item in node.items:
                        if item.optional_vars is not None:
                            found.extend(_target_names(item.optional_vars))
                elif isinstance(node, ast.Import | ast.ImportFrom):
                    found.extend(key for key in imported_as(ast.Module([node], [])) if key[0] != "*")
                elif isinstance(node, ast.Try):
                    for handler in node.handlers:
                        if handler.name:
                            found.append((handler.name, handler.lineno))
                for expr in ast.walk(node):
                    if isinstance(expr, ast.NamedExpr) and isinstance(expr.target, ast.Name):
                        found.append((expr.target.id, expr.lineno))
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list) and children and isinstance(children[0], ast.AST):
                    visit([c for c in children if isinstance(c, ast.stmt | ast.excepthandler)],
                          top_level)
            if isinstance(node, ast.ExceptHandler):
                visit(node.body, top_level)

    visit(tree.body, True)
    return found


def imported_as(tree: ast.Module) -> dict[tuple[str, int], str]:
    """``{(name, line): "module.path"}`` for every name an import binds: ``np`` for
    ``import numpy as np`` is ``numpy``, ``layers`` for ``from keras import layers`` is
    ``keras.layers``."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                found[(name, node.lineno)] = alias.name if alias.asname else name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                found[(alias.asname or alias.name, node.lineno)] = f"{node.module}.{alias.name}"
    return found


def names_read(tree: ast.Module) -> set[str]:
    """Every name a cell reads or imports."""
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return read | {name for name, _ in imported_as(tree)}


def names_bound_anywhere(tree: ast.Module) -> set[str]:
    """Every name a cell binds in any scope (assignment, argument, import, def, comprehension)."""
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {name for name, _ in imported_as(tree)}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def free_names(source: str) -> set[str]:
    """Names a cell reads without binding them itself, builtins left out: what it takes from
    the notebook's namespace."""
    tree = parse_cell(source)
    if tree is None:
        return set()
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return read - names_bound_anywhere(tree) - BUILTIN_NAMES


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def graded_test_cells(notebook) -> list:
    """The graded test cells of a lab (autograded code cells, nbgrader restores them)."""
    return [c for c in notebook.cells
            if c.cell_type == "code" and _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")]


def solution_names(notebook) -> set[str]:
    """Names the lab's solution cells define: what the exercises ask the student for."""
    names: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and _nbgrader(cell).get("solution"):
            tree = parse_cell(cell.source)
            if tree is not None:
                names.update(name for name, _ in global_bindings(tree))
    return names


def names_test_cells_use(notebook) -> set[str]:
    """Names the lab's graded test cells take from the namespace or set up for their checks
    (imports, ``check_array = ...``), less the names the exercises ask for. A test cell's own
    temporaries start with ``_`` or ``test_`` and are left out."""
    used: set[str] = set()
    for cell in graded_test_cells(notebook):
        tree = parse_cell(cell.source)
        if tree is None:
            continue
        used |= free_names(cell.source) | (names_read(tree) & BUILTIN_NAMES)
        used |= {name for name, _ in global_bindings(tree) if not name.startswith(("_", "test_"))}
    return used - solution_names(notebook)


def _root(node: ast.AST) -> ast.AST:
    """The object an attribute or item chain starts from: ``a`` in ``a.b[c].d``, and the
    argument of ``getattr(a, ...)``/``vars(a)``."""
    while True:
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in {"getattr", "vars"} and node.args):
            node = node.args[0]
        else:
            return node


def _is_namespace_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in NAMESPACE_CALLS)


def tampering(tree: ast.Module, modules: set[str]) -> list[tuple[int, str]]:
    """(line, problem) for every write into a module or the namespace, error-hook change and
    run-time code in one cell. ``modules`` are the names the notebook binds by import."""
    found = []
    watched = modules | ALWAYS_MODULES

    def check_target(target: ast.AST, verb: str):
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                check_target(element, verb)
            return
        if not isinstance(target, ast.Attribute | ast.Subscript):
            return
        text = ast.unparse(target)
        if isinstance(target, ast.Attribute) and target.attr in ERROR_HOOKS:
            found.append((target.lineno, f"{verb} the kernel's error hook `{text}`"))
            return
        root = _root(target)
        if _is_namespace_call(root):
            found.append((target.lineno, f"{verb} the notebook's namespace through `{text}`"))
            return
        if not (isinstance(root, ast.Name) and root.id in watched):
            return
        # An item of a module's data (``plt.rcParams[...]``, ``os.environ[...]``) is settings,
        # not code; an item of a module table (``sys.modules``, ``__dict__``) replaces code.
        container = target.value if isinstance(target, ast.Subscript) else None
        if (container is None or root.id in {"builtins", "__builtins__"}
                or (isinstance(container, ast.Attribute) and container.attr in MODULE_TABLES)):
            found.append((target.lineno, f"{verb} `{text}`, inside the module `{root.id}`"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                check_target(target, "assigns to")
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            check_target(node.target, "assigns to")
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                check_target(target, "deletes")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in DYNAMIC_CODE:
                found.append((node.lineno, f"runs code built at run time with `{func.id}()`, "
                                           "which this report cannot read"))
            elif isinstance(func, ast.Name) and func.id in {"setattr", "delattr"} and node.args:
                root = _root(node.args[0])
                if _is_namespace_call(root) or (isinstance(root, ast.Name) and root.id in watched):
                    found.append((node.lineno, f"calls `{ast.unparse(node)[:80]}`, changing a module"))
            elif isinstance(func, ast.Attribute) and func.attr in ERROR_HOOKS:
                found.append((node.lineno, f"changes the kernel's error handling with `{func.attr}()`"))
    return found


def _cell_label(index: int, cell) -> str:
    gid = _nbgrader(cell).get("grade_id")
    return f"cell {index + 1} ({gid})" if gid else f"cell {index + 1}"


def check_submission(submitted, lab) -> list[Finding]:
    """Every integrity finding for one submitted notebook against its lab's source notebook
    (both ``nbformat`` nodes). An empty list means a clean submission."""
    locked = {_nbgrader(c).get("grade_id") for c in lab.cells if _nbgrader(c).get("locked")}
    lesson = {c.source for c in lab.cells if not _nbgrader(c)}
    used = names_test_cells_use(lab)
    # Importing what the lab imports, under the same name (``import numpy as np``), is fine.
    lab_imports = {name: module for c in lab.cells if c.cell_type == "code"
                   for (name, _), module in imported_as(parse_cell(c.source) or ast.Module([], [])).items()}
    trees = {i: parse_cell(c.source) for i, c in enumerate(submitted.cells) if c.cell_type == "code"}
    modules = {name for tree in trees.values() if tree is not None for name, _ in imported_as(tree)}
    findings = []
    for index, tree in trees.items():
        cell = submitted.cells[index]
        restored = _nbgrader(cell).get("grade_id") in locked
        if tree is None or restored or (not _nbgrader(cell) and cell.source in lesson):
            continue
        label = _cell_label(index, cell)
        imports = imported_as(tree)
        for name, line in global_bindings(tree):
            if name in used and lab_imports.get(name, "") != imports.get((name, line)):
                findings.append(Finding(label, line, f"rebinds `{name}`, a name the graded test cells use"))
        for line, problem in tampering(tree, modules):
            findings.append(Finding(label, line, problem))
    present = {_nbgrader(c).get("grade_id") for c in submitted.cells}
    for cell in lab.cells:
        gid = _nbgrader(cell).get("grade_id")
        if _nbgrader(cell).get("grade") and gid not in present:
            findings.append(Finding(gid, None, f"the graded cell {gid} is missing"))
    return sorted(set(findings), key=lambda f: (f.cell, f.line or 0, f.problem))


def integrity_csv(rows: list[tuple[str, str, Finding]]) -> str:
    """The report as CSV text: one row per (student, lab, finding)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for student, lab, finding in rows:
        writer.writerow([student, lab, finding.cell, "" if finding.line is None else finding.line,
                         finding.problem])
    return out.getvalue()


def write_integrity_report(path: Path, rows: list[tuple[str, str, Finding]]) -> Path:
    """Write ``integrity.csv`` (a header only when every submission is clean), atomically."""
    write_text_atomically(Path(path), integrity_csv(rows))
    return Path(path)


def read_integrity_report(path: Path) -> list[tuple[str, str, Finding]]:
    """The rows of an ``integrity.csv`` written by :func:`write_integrity_report`."""
    with open(path, newline="") as f:
        return [(row["student_id"], row["assignment"],
                 Finding(row["cell"], int(row["line"]) if row["line"] else None, row["problem"]))
                for row in csv.DictReader(f)]


#: What the grading sandbox reports (course_lib.sandbox.execute), each the start of a problem.
SANDBOX_KINDS = ("blocked file access", "network connection", "memory limit", "process limit",
                 "file size limit", "output limit", "cell timeout", "kernel died")
UNSANDBOXED = "graded without a sandbox (SANDBOX=none): its code ran with the grader's rights"


def sandbox_findings(report: dict | None) -> list[Finding]:
    """One finding per event of a submission's sandbox report (what the sandbox blocked, the
    limits it hit), and one if it was graded without the sandbox."""
    if report is None:
        return []
    findings = [Finding("", None, UNSANDBOXED)] if report.get("sandbox") == "none" else []
    findings += [Finding(event.get("cell", ""), None, f"{event['kind']}: {event['detail']}")
                 for event in report.get("events", [])]
    return sorted(set(findings), key=lambda f: (f.cell, f.problem))


def review_reason(problem: str) -> str | None:
    """Why a finding holds a submission's grade for review, or None: an error-hook change, code
    built at run time, or anything the sandbox blocked or limited."""
    if "error hook" in problem or "error handling" in problem:
        return "error hook"
    if "built at run time" in problem:
        return "code built at run time"
    return next((kind for kind in SANDBOX_KINDS if problem.startswith(kind + ":")), None)


def review_reasons(rows: list[tuple[str, str, Finding]]) -> dict[tuple[str, str], str]:
    """(student, lab) -> the reasons to review it, ``; ``-joined, for ``grades.csv``."""
    reasons: dict[tuple[str, str], set[str]] = {}
    for student, lab, finding in rows:
        reason = review_reason(finding.problem)
        if reason:
            reasons.setdefault((student, lab), set()).add(reason)
    return {key: "; ".join(sorted(found)) for key, found in reasons.items()}
