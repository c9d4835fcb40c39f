"""Test cells run as written, whatever the answer cells did to the kernel before them.

Student code shares the kernel with the tests. An answer cell can rewrite later cells
(IPython's input transformers), drop their asserts (AST transformers), skip lines
(`sys.settrace`), swallow exceptions (`set_custom_exc`, `sys.excepthook`), patch builtins
or library functions (`np.allclose = lambda *a, **k: True`) or rebind a locked cell's
variable. `GuardedExecute` is nbgrader's Execute with three additions:

1. When the kernel starts, before any cell, it installs a guard that remembers the
   clean state (IPython's transformer lists, hooks and methods, sys hooks, builtins).
   Just before the first answer cell it also remembers every loaded library module's
   functions and classes and the variables of the locked set-up cells.
2. Before each test cell it asks the guard, through a channel that bypasses every
   input or AST transformer (``user_expressions``), to put all of that back, and checks
   the guard's answer (a fresh random token).
3. It runs the test cell with a last line that reports another fresh token to the guard,
   and afterwards checks that the token arrived and that no library function changed
   while the test ran. If not, the cell gets an error output that says why, so it scores
   0: a test cell scores only when it demonstrably ran to its end as written.

It also turns stderr into ordinary output: nbgrader gives 0 to a test cell with any
stderr, so a correct answer that logs or shows a progress bar would lose its points.
Errors are exceptions, which stay errors.
"""

from __future__ import annotations

import ast
import json
import secrets

from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

from grading.sandbox import SandboxedKernelManager

# Runs in the kernel at start-up, before any cell: nothing of the student's has run yet.
_INSTALL = r'''
def _install(name):
    import builtins, sys, threading, types
    shell = get_ipython()
    guard = types.ModuleType(name)
    sys.modules[name] = guard
    watched = ("numpy", "pandas", "keras", "sklearn", "scipy", "math", "statistics",
               "helpers", "random", "builtins", "json", "re", "inspect", "functools")
    manager = shell.input_transformer_manager
    lists = {"cleanup": list(manager.cleanup_transforms),
             "line": list(manager.line_transforms),
             "post": list(shell.input_transformers_post),
             "ast": list(shell.ast_transformers)}
    shell_attrs = dict(vars(shell))
    classes = [c for c in type(shell).__mro__ if c is not object]
    classes += [type(shell.compile), type(manager), type(shell.events),
                type(shell.displayhook), type(shell.display_pub)]
    class_attrs = {c: dict(vars(c)) for c in classes}
    events = {k: list(v) for k, v in shell.events.callbacks.items()}
    original_builtins = dict(vars(builtins))
    hooks = {"excepthook": sys.excepthook, "displayhook": sys.displayhook}
    saved = {"modules": {}, "globals": {}}
    state = {"proof": None}

    def is_code(value):
        return isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type,
                                  types.MethodType)) or callable(value) and \
            type(value).__module__.startswith("numpy") and hasattr(value, "__name__")

    def watched_modules():
        return {n: m for n, m in list(sys.modules.items())
                if isinstance(m, types.ModuleType) and n.split(".")[0] in watched}

    def remember_modules():
        for n, m in watched_modules().items():
            if n in saved["modules"]:
                continue
            funcs = {k: v for k, v in list(vars(m).items()) if is_code(v)}
            cls = {k: dict(vars(v)) for k, v in funcs.items()
                   if isinstance(v, type) and getattr(v, "__module__", "").split(".")[0]
                   in watched}
            saved["modules"][n] = (m, funcs, cls)

    def user_variables():
        return {k: v for k, v in shell.user_ns.items() if not k.startswith("_")
                and k not in ("In", "Out", "exit", "quit", "get_ipython")}

    def snapshot(_token):
        """Libraries and set-up variables, just before the first untrusted cell."""
        remember_modules()
        saved["globals"] = user_variables()
        return "snapshot"

    def adopt(_token):
        """After a locked set-up cell: keep what it defined and imported."""
        remember_modules()
        for k, v in user_variables().items():
            if saved["globals"].get(k) is not v:
                saved["globals"][k] = v
        return "adopted"

    def library_changes():
        changed = []
        for n, (m, funcs, cls) in saved["modules"].items():
            if sys.modules.get(n) is not m:
                changed.append(n)
            now = vars(m)
            changed += [f"{n}.{k}" for k, v in funcs.items() if now.get(k) is not v]
            for k, attrs in cls.items():
                current = vars(funcs[k])
                changed += [f"{n}.{k}.{a}" for a, v in attrs.items()
                            if current.get(a) is not v]
        return changed

    def restore(token):
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)
        threading.setprofile(None)
        for k, v in original_builtins.items():
            if vars(builtins).get(k) is not v:
                setattr(builtins, k, v)
        for k, v in hooks.items():
            setattr(sys, k, v)
        for c, attrs in class_attrs.items():
            for k, v in attrs.items():
                if vars(c).get(k) is not v and not isinstance(v, (dict, list)):
                    try:
                        setattr(c, k, v)
                    except (AttributeError, TypeError):
                        pass
        for k in [k for k in vars(shell) if k not in shell_attrs]:
            delattr(shell, k)
        for k in ("input_transformer_manager", "ast_transformers", "input_transformers_post",
                  "custom_exceptions", "CustomTB", "run_cell", "run_ast_nodes", "run_code",
                  "transform_cell", "showtraceback", "_showtraceback", "events", "compile"):
            if k in shell_attrs:
                vars(shell)[k] = shell_attrs[k]
            elif k in vars(shell):
                delattr(shell, k)
        shell.input_transformer_manager = manager
        manager.cleanup_transforms[:] = lists["cleanup"]
        manager.line_transforms[:] = lists["line"]
        shell.input_transformers_post[:] = lists["post"]
        shell.ast_transformers[:] = lists["ast"]
        for k, v in events.items():
            shell.events.callbacks[k] = list(v)
        for n, (m, funcs, cls) in saved["modules"].items():
            sys.modules[n] = m
            for k, v in funcs.items():
                if vars(m).get(k) is not v:
                    setattr(m, k, v)
            for k, attrs in cls.items():
                for a, v in attrs.items():
                    if vars(funcs[k]).get(a) is not v:
                        try:
                            setattr(funcs[k], a, v)
                        except (AttributeError, TypeError):
                            pass
        for k, v in saved["globals"].items():
            shell.user_ns[k] = v
        shell.user_ns["__builtins__"] = builtins
        state["proof"] = None
        return "restored:" + token

    def done(token):
        state["proof"] = token

    def check(token):
        """Whether the test cell reached its last line, and what changed meanwhile."""
        return json.dumps({"ran": state["proof"] == token, "changed": library_changes()})

    import json
    guard.snapshot, guard.adopt, guard.restore = snapshot, adopt, restore
    guard.done, guard.check = done, check
    return "installed"


_install({name!r})
del _install
'''

_ALTERED = ("the kernel was altered by earlier cells (IPython transformers, hooks, tracing "
            "or patched functions) and this test could not run as written: {why}")


def _error(why: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename="GradingIntegrityError",
                        evalue=_ALTERED.format(why=why),
                        traceback=["GradingIntegrityError: " + _ALTERED.format(why=why)])


class GuardedExecute(Execute):
    """nbgrader's Execute, sandboxed, with a guard around every test cell (module doc)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    async def _trusted(self, expression: str) -> str | None:
        """Evaluate `expression` in the kernel without passing through any transformer."""
        msg_id = self.kc.execute("", silent=True, store_history=False,
                                 user_expressions={"guard": expression})
        while True:
            reply = await self.kc.get_shell_msg(timeout=self.timeout or 60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        result = reply["content"].get("user_expressions", {}).get("guard", {})
        if result.get("status") != "ok":
            return None
        try:
            value = ast.literal_eval(result["data"]["text/plain"])  # the repr of a str
        except (KeyError, ValueError, SyntaxError):
            return None
        return value if isinstance(value, str) else None

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        self._guard = f"_course_guard_{secrets.token_hex(8)}"
        self._snapshot_taken = False
        msg_id = kc.execute(_INSTALL.replace("{name!r}", repr(self._guard)), silent=True,
                            store_history=False)
        while True:
            reply = await kc.get_shell_msg(timeout=self.startup_timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"could not install the grading guard: {reply['content']}")
        return kc

    # nbclient's synchronous entry points wrap the base class's coroutines: rewrap ours.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _call(self, function: str, token: str) -> str:
        """The guard's `function`, called through sys.modules (not the user namespace)."""
        return f"__import__('sys').modules[{self._guard!r}].{function}({token!r})"

    @staticmethod
    def _kind(cell) -> str:
        """'trusted' (a locked set-up cell of the assignment: after nbgrader's
        OverwriteCells only those keep a grade_id), 'test', or 'student'."""
        meta = cell.metadata.get("nbgrader", {})
        if is_grade(cell) and not is_solution(cell):
            return "test"
        if meta.get("grade_id") and meta.get("locked") and not is_solution(cell):
            return "trusted"
        return "student"

    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        kind = self._kind(cell)
        if not self._snapshot_taken and kind != "trusted":
            self._snapshot_taken = await self._trusted(self._call("snapshot", "")) == "snapshot"
        restored = token = None
        if self._snapshot_taken and kind != "student":
            token = secrets.token_hex(16)
            restored = await self._trusted(self._call("restore", token))
        if kind != "test":
            cell = await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
            if kind == "trusted" and self._snapshot_taken:
                await self._trusted(self._call("adopt", ""))
            return cell

        source, proof = cell.source, secrets.token_hex(16)
        cell.source = f"{source}\n{self._call('done', proof)}"
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        finally:
            cell.source = source
        if any(o.output_type == "error" for o in cell.outputs):
            return cell  # failed as a test should: already 0
        if not self._snapshot_taken or restored != f"restored:{token}":
            cell.outputs.append(_error("the guard could not reset the kernel"))
            return cell
        report = await self._trusted(self._call("check", proof))
        verdict = json.loads(report) if report else {"ran": False, "changed": []}
        if not verdict["ran"]:
            cell.outputs.append(_error("the cell did not run to its last line"))
        elif verdict["changed"]:
            cell.outputs.append(_error("the code under test replaced "
                                       + ", ".join(verdict["changed"][:5])))
        return cell

    execute_cell = run_sync(async_execute_cell)


class StderrAsOutput(NbGraderPreprocessor):
    """stderr is output like stdout (nbgrader would score the cell 0); errors stay errors."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
        return cell, resources
