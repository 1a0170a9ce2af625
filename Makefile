# `make run` and `make test` work on a fresh machine: the first call creates .venv and installs
# the package (stamp files make later calls skip that step). `make run` needs only the RL and report
# extras with the CPU build of torch on this disk (constraints-run.txt: ~2 GB, minutes faster); `make
# test` installs every extra with torch 2.14.1 + torchvision (constraints.txt), which the reward models'
# open_clip needs. After a full install `make run` uses it as it is.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
export PYTHONHASHSEED := 0

.PHONY: run test test-all bench lint setup clean browser

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e ".[all,dev]"
	touch $(STAMP)

$(RUN_STAMP): pyproject.toml setup.py constraints-run.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if [ -f $(STAMP) ]; then $(MAKE) --no-print-directory $(STAMP); \
	else $(PY) -m pip install -q -c constraints-run.txt -e ".[rl,viz]"; fi
	touch $(RUN_STAMP)

run: $(RUN_STAMP)
	$(VENV)/bin/embodied-gym run

# The HTML-report browser test drives Debian's chromium through Playwright (which cannot download its
# own browsers here); install it when missing and we are root, otherwise say how.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "tests/test_report_browser.py needs $(CHROMIUM): run 'sudo apt-get install chromium'"; fi; \
	fi

test: $(STAMP) browser
	$(PY) -m pytest -q -m "not slow" -n 2 --dist loadfile

test-all: $(STAMP) browser
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(PY) -m benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) runs build *.egg-info
