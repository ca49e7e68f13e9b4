from pathlib import Path

import pytest

from course_lib.runner import LabFailed, format_table, main, run_lab
from tests.notebooks import write_notebook


def test_parameters_are_injected_and_the_metric_is_read(tmp_path):
    nb = write_notebook(
        tmp_path / "toy" / "toy.ipynb",
        "import os\nfrom course_lib import report_metric\n"
        "report_metric('accuracy', SCALE * 0.25 + (os.environ['COURSE_QUICK'] == '1'))\n"
        "report_metric('worst error', 1e-7)",
        parameters="SCALE = 1",
        metrics={"accuracy": ">= 1.9", "worst error": "<= 1e-6"},
    )
    run = run_lab(nb, parameters={"SCALE": 2}, quick=True, out_dir=tmp_path / "out")
    assert run.lab == "toy"
    assert run.output == tmp_path / "out" / "toy.ipynb" and run.output.is_file()
    assert run.metrics == {"accuracy": 1.5, "worst error": 1e-7}
    assert "| toy |" in format_table([run]) and "accuracy 1.5; worst error 1e-07" in format_table([run])
    with_quick = format_table([run], quick_seconds={"toy": 12.34})
    assert "quick run (s)" in with_quick and f"| toy | {run.seconds:.1f} | 12.3 | accuracy 1.5" in with_quick


def test_a_figure_renamed_or_left_out_or_below_its_quick_bound_fails_the_run(tmp_path):
    """Each lab declares its figures in metrics.toml: a run, quick or default, that reports one
    it does not declare or leaves one out fails, naming both; a quick run with the lab's own
    settings also fails below a bound (with a parameter changed, the bounds do not apply)."""
    source = ("from course_lib import report_metric\n"
              "report_metric(f'echo accuracy at D={DELAY}', ACCURACY)\n"
              "report_metric('worst error', 1e-7)")
    nb = write_notebook(tmp_path / "toy" / "toy.ipynb", source, parameters="DELAY = 4\nACCURACY = 0.95",
                        metrics={"echo accuracy at D=4": ">= 0.9", "worst error": "<= 1e-6"})
    assert run_lab(nb, quick=True, out_dir=tmp_path / "out").metrics["echo accuracy at D=4"] == 0.95
    with pytest.raises(LabFailed, match=r"lab toy ran, but reported 'echo accuracy at D=8', which "
                       r".*toy/metrics.toml does not declare; never reported 'echo accuracy at D=4'"):
        run_lab(nb, parameters={"DELAY": 8}, out_dir=tmp_path / "out")
    write_notebook(nb, source, parameters="DELAY = 4\nACCURACY = 0.5",
                   metrics={"echo accuracy at D=4": ">= 0.9", "worst error": "<= 1e-6"})
    with pytest.raises(LabFailed, match=r"echo accuracy at D=4 0.5 is not >= 0.9 with small settings"):
        run_lab(nb, quick=True, out_dir=tmp_path / "out")
    assert run_lab(nb, out_dir=tmp_path / "out").metrics["echo accuracy at D=4"] == 0.5
    assert run_lab(nb, quick=True, parameters={"ACCURACY": 0.5}, out_dir=tmp_path / "out").metrics


@pytest.mark.parametrize("text, error", [
    ('', "needs exactly one table, \\[metrics\\]"),
    ('[metrics]\n"a" = ">= x"', "'a' = '>= x': a bound is '>= number'"),
    ('[metrics]\n"a" = "> 1"', "'a' = '> 1'"),
    ('[metrics]\n"a" = 0.5', "'a' = 0.5"),
    ('[metrics\n', "not valid TOML"),
])
def test_a_bad_declaration_names_its_file_and_figure(tmp_path, text, error):
    from course_lib.metrics import declared_metrics

    (tmp_path / "metrics.toml").write_text(text)
    with pytest.raises(ValueError, match=f"{tmp_path / 'metrics.toml'}: .*{error}"):
        declared_metrics(tmp_path)
    with pytest.raises(ValueError, match="missing; a lab declares the figures it reports there"):
        declared_metrics(tmp_path / "nowhere")


def test_bench_names_the_runs_over_budget():
    from course_lib.bench import over_budget
    from course_lib.runner import LabRun

    fast = LabRun("00_fast", 100.0, {}, Path("a"))
    slow = LabRun("01_slow", 301.0, {}, Path("b"))
    assert over_budget([fast], {"00_fast": 59.0}) == "Every run is within its budget."
    assert over_budget([fast, slow], {"00_fast": 61.0, "01_slow": 10.0}) == (
        "Over budget in this run: 01_slow (301 s), 00_fast, quick (61 s).")


def test_a_failing_cell_is_named(tmp_path):
    nb = write_notebook(tmp_path / "bad" / "bad.ipynb", "x = 1", "raise ValueError('boom')",
                        parameters="A = 1")
    with pytest.raises(LabFailed, match=r"lab bad failed at cell 3 \(.raise Value.*ValueError: boom"):
        run_lab(nb, out_dir=tmp_path / "out")
    assert (tmp_path / "out" / "bad.ipynb").is_file()
    assert not list((tmp_path / "out").glob(".*partial*"))


def test_a_cell_past_the_timeout_is_named(tmp_path):
    nb = write_notebook(tmp_path / "slow" / "slow.ipynb", "import time\ntime.sleep(60)",
                        parameters="A = 1")
    with pytest.raises(LabFailed, match=r"lab slow failed at cell 2 \(.import time.\)"):
        run_lab(nb, timeout=3, out_dir=tmp_path / "out")


def test_cli_exits_non_zero_and_names_an_unknown_lab(capsys):
    assert main(["99_nothing", "--quick"]) == 1
    assert "99_nothing" in capsys.readouterr().err


def test_native_log_lines_stay_out_of_the_cells_and_python_warnings_stay_in(tmp_path, monkeypatch):
    """TensorFlow's C++ core writes to file descriptor 2 (e.g. a NodeDef line on the first
    predict); in a graded cell nbgrader would score that stderr output 0. The runner's and
    nbgrader's kernels keep native output out of the cells; Python's warnings still reach them."""
    nb = write_notebook(
        tmp_path / "native" / "native.ipynb",
        "import os, time, warnings\n"
        "os.write(2, b'W0000 00:00:1.1  1 op_def_util.cc:1] NodeDef mentions attribute x\\n')\n"
        "time.sleep(1)  # ipykernel forwards descriptor output from a thread\n"
        "warnings.warn('a warning the student should see')\n",
        parameters="A = 1",
    )
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # ipykernel captures descriptors only outside pytest
    run = run_lab(nb, out_dir=tmp_path / "out")
    import nbformat

    stderr = "".join(o.get("text", "") for c in nbformat.read(run.output, 4).cells
                     for o in c.get("outputs", []) if o.get("name") == "stderr")
    assert "a warning the student should see" in stderr
    assert "NodeDef" not in stderr, stderr


def test_the_wall_times_make_bench_wrote_are_read_back_from_the_labs_table(tmp_path):
    from course_lib.runner import LabRun, benchmark_seconds

    runs = [LabRun("00_first", 80.04, {"a": 1.0}, Path("x")), LabRun("01_second", 30.0, {}, Path("y"))]
    table = format_table(runs, quick_seconds={"00_first": 20.0})
    bench = tmp_path / "BENCHMARKS.md"
    bench.write_text(f"# Benchmarks\n\n## Labs\n\nBudgets.\n\n{table}\n\n## Grading\n\n"
                     "| 00_first | 999 | 999 |\n", encoding="utf-8")
    assert benchmark_seconds(path=bench) == {"00_first": 80.0, "01_second": 30.0}
    assert benchmark_seconds(quick=True, path=bench) == {"00_first": 20.0}  # "-": no quick figure
    assert benchmark_seconds(path=tmp_path / "missing.md") == {}


def test_the_time_left_scales_the_benchmark_by_the_labs_done():
    from course_lib.runner import LabRun, time_left

    benchmark = {"00_a": 100.0, "01_b": 50.0, "02_c": 30.0}
    slow = [LabRun("00_a", 200.0, {}, Path("a"))]  # this machine is twice as slow
    assert time_left(slow, ["01_b", "02_c"], benchmark) == pytest.approx(160.0)
    assert time_left(slow, ["99_new"], benchmark) == pytest.approx(2 * 60.0)  # unknown: the mean
    assert time_left([], ["01_b"], benchmark) == pytest.approx(50.0)
    assert time_left(slow, ["01_b"], {}) is None and time_left(slow, [], benchmark) == 0.0


def test_each_lab_prints_its_line_as_it_finishes(tmp_path, capsys):
    from course_lib.runner import run_all

    first = write_notebook(tmp_path / "one" / "one.ipynb",
                           "from course_lib import report_metric\nreport_metric('score', 0.5)",
                           parameters="A = 1", metrics={"score": "no bound"})
    second = write_notebook(tmp_path / "two" / "two.ipynb", "x = 1", parameters="A = 1")
    runs, failures = run_all([str(first), str(second)], quick=True, out_dir=tmp_path / "out")
    assert not failures and [run.lab for run in runs] == ["one", "two"]
    lines = [line for line in capsys.readouterr().out.splitlines() if "] one:" in line or "] two:" in line]
    assert len(lines) == 2, lines
    assert lines[0].startswith("[1/2] one: ") and "score 0.5" in lines[0] and "executed notebook" in lines[0]
    assert "left" in lines[0] and "left" not in lines[1] and lines[1].startswith("[2/2] two: ")


def test_bench_labs_replaces_only_their_rows_and_the_budget_paragraph():
    from course_lib.bench import replace_lab_rows
    from course_lib.runner import LabRun, benchmark_seconds

    old = ("# Benchmarks\n\n## Labs\n\nBudgets... Over budget in this run: 01_b (400 s).\nsecond line\n\n"
           "| lab | wall time (s) | quick run (s) | headline figures |\n| --- | ---: | ---: | --- |\n"
           "| 00_a | 50.0 | 20.0 | score 1 |\n| 01_b | 400.0 | 30.0 | score 2 |\n\n## TinyML\n\nkept\n")
    new = replace_lab_rows(old, [LabRun("01_b", 150.0, {"score": 3.0}, Path("x")),
                                 LabRun("02_c", 10.0, {}, Path("y"))], {"01_b": 70.0, "02_c": 5.0},
                           measured_on="2 cores, Some CPU")
    assert "| 00_a | 50.0 | 20.0 | score 1 |" in new and "| 01_b | 150.0 | 70.0 | score 3 |" in new
    assert "| 02_c | 10.0 | 5.0 | - |" in new and "second line" not in new and "## TinyML\n\nkept" in new
    assert "Over budget in this run: 01_b, quick (70 s)." in new
    assert " (2 cores, Some CPU) with `make bench LABS=...`: 01_b, 02_c." in new
    assert benchmark_seconds(text=new) == {"00_a": 50.0, "01_b": 150.0, "02_c": 10.0}
    with pytest.raises(ValueError, match="no '## Labs' section"):
        replace_lab_rows("# Benchmarks\n", [], {})
