# The front door: every routine task is a target. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Jupyter refuses to run as root (containers, CI) unless told to.
JUPYTER_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help setup lock check-platforms run tinyml board-check lab release autograde autograde-merge feedback bench test test-labs lint clean
.DEFAULT_GOAL := help

help:
	@echo "make setup      create .venv and install requirements.lock (other targets do it when needed)"
	@echo "make lock       re-resolve requirements.txt into requirements.lock (uv, one lock for every platform)"
	@echo "make check-platforms  does every pin of the lock have a wheel on Linux, macOS and Windows,"
	@echo "                Python 3.11-3.13 (asks the package registry)"
	@echo "make run        run every lab headless on the shipped data -> build/labs/, then make tinyml"
	@echo "make tinyml     build the int8 models, C arrays and Arduino sketches -> build/tflite/"
	@echo "make board-check  run the sketches' inference path with the board's kernels under QEMU"
	@echo "                (Cortex-M4) and compare with Python; needs gcc-arm-none-eabi, qemu-system-arm"
	@echo "make test       run the test suite (what CI runs)"
	@echo "make test-labs  every lab's quick run against its bounds; with PYTHON=python3.13 VENV=.venv-3.13"
	@echo "                on another Python (CI does that too)"
	@echo "make lab        student: copy the student versions to workspace/ and open JupyterLab"
	@echo "make release    instructor: write student versions to release/<lab>/"
	@echo "make autograde  instructor: grade submitted/<student>/<lab>/ and write grades.csv"
	@echo "                (JOBS=N: N parallel graders; SHARD=k/m: this machine's share of m, taken"
	@echo "                from Slurm arrays or Kubernetes Indexed Jobs when unset; each submission"
	@echo "                runs in the bubblewrap sandbox, SANDBOX=none grades without it knowingly)"
	@echo "make autograde-merge SHARDS='dir1 dir2'  instructor: join course folders graded with SHARD"
	@echo "make feedback   instructor: feedback/<student>/<lab>/<lab>.html for every graded submission"
	@echo "make bench      run every lab (default and quick settings), write BENCHMARKS.md;"
	@echo "                LABS='01_cnn 03_rnn' re-measures only those labs' rows; TINYML_ONLY=1 only"
	@echo "                the TinyML and board-check sections"
	@echo "make lint       ruff on the code and the notebooks"
	@echo "make clean      remove build outputs (keeps .venv, submitted/ and workspace/)"

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else "error: Python 3.11 to 3.13 is needed (Keras 3.15 needs 3.11, TensorFlow 2.21 has wheels up to 3.13); found %d.%d. Run: make PYTHON=python3.11" % v)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.lock
	$(PY) -m pip install --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# requirements.txt names what the course uses; requirements.lock pins everything they pull in,
# so a release of some transitive package cannot break a course in the middle of a term. It is one
# universal lock: uv resolves it for every platform and Python at once, and a package that only
# some platforms need (or have) carries an environment marker. Keeps existing pins where it can;
# `make lock LOCK_FLAGS=--upgrade` moves every package on. `make check-platforms` then asks the
# registry whether every pin has a wheel on every platform the README names.
UV := uv==0.13.9
lock:
	test -x $(VENV)/bin/uv || { test -x $(PY) || $(PYTHON) -m venv $(VENV); $(PY) -m pip install --quiet $(UV); }
	$(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --no-emit-index-url \
		$(LOCK_FLAGS) --output-file requirements.lock requirements.txt

check-platforms: $(STAMP)
	$(PY) -m course_lib.platforms

run: $(STAMP)
	$(PY) -m course_lib.runner
	$(PY) -m tflite build --example all --out build/tflite

tinyml: $(STAMP)
	$(PY) -m tflite build --example all --out build/tflite

# Builds the examples first if build/tflite has none; the library's objects are cached in build/board/.
board-check: $(STAMP)
	test -f build/tflite/sine/heldout.npz || $(PY) -m tflite build --example all --out build/tflite
	$(PY) -m tflite.board_check build/tflite

# Two workers (pytest-xdist); --dist loadscope keeps a module, or a class, in one worker: each
# lab's grading tests are one class, so a lab is graded once, two labs at a time.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --durations=15 -m "not every_lab_quick"

# Every lab's quick run against its bounds, without grading: what CI runs on a second Python,
# e.g. make test-labs PYTHON=python3.13 VENV=.venv-3.13
test-labs: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) -m every_lab_quick tests/test_labs.py

lab: $(STAMP)
	$(PY) -m course_lib.grading workspace
	$(PY) -m course_lib.native_logs  # kernels: TensorFlow's C++ lines to this terminal, not the cells
	$(VENV)/bin/jupyter lab $(JUPYTER_ROOT) workspace/

release: $(STAMP)
	$(PY) -m course_lib.grading release

# JOBS=N grades in N parallel nbgrader processes; SHARD=k/m grades slice k of m of the
# submissions (one machine's share; unset, it comes from SLURM_ARRAY_TASK_* or
# JOB_COMPLETION_INDEX/JOB_COMPLETIONS, see deploy/), joined later with
# `make autograde-merge SHARDS="..."`. Every submission's kernel runs in the bubblewrap sandbox
# (course_lib/sandbox/; limits COURSE_GRADE_MEMORY, _PROCESSES, _FILE_SIZE, _OUTPUT);
# SANDBOX=none grades without it and says so on every line.
JOBS ?= 1
autograde: $(STAMP)
	$(PY) -m course_lib.grading autograde --jobs $(JOBS) $(if $(SHARD),--shard $(SHARD))

autograde-merge: $(STAMP)
	$(PY) -m course_lib.grading merge $(SHARDS)

feedback: $(STAMP)
	$(PY) -m course_lib.grading feedback

# LABS="01_cnn 03_rnn": re-measure only those labs' rows of the Labs table.
bench: $(STAMP)
	$(PY) -m course_lib.bench $(if $(LABS),--labs $(LABS),) $(if $(TINYML_ONLY),--tinyml-only,)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf build release autograded feedback gradebook.db grades.csv .pytest_cache .ruff_cache
