# django-netjsonconfig: development and demo tasks.
#
#   make venv     create .venv and install the project with the site and test extras
#   make assets   npm ci, then copy the admin's browser libraries (JSON-schema editor,
#                 code editor, HTML sanitizer) into the app's static files (gitignored
#                 vendor/ folder)
#   make run      migrate, collect static files, create the admin (and demo data), serve
#   make test     lint, check formatting, type-check, run pytest (also against the sample extension,
#                 and on PostgreSQL when it is reachable); the browser tests need the
#                 assets and Debian's chromium (skipped without it, unless REQUIRE_SERVICES=1)
#                 (tests/README.md: the kinds of tests, and how to run one of them); the
#                 SSH tests need Dropbear, OpenSSH and a test user: run
#                 `sudo bash tests/ssh/setup-test-user.sh` once (docs/connection.md)
#   make lint     ruff check and ruff format --check
#   make typecheck  mypy with django-stubs on the package ([tool.mypy] in pyproject.toml)
#   make format   ruff format and ruff check --fix
#   make dist     build the sdist and the wheel into dist/, with the admin's browser
#                 libraries (needs npm: a package without them has no schema editor)
#   make clean    remove caches and build artifacts (keeps .venv and the data in var/)
#   make distclean  clean, and remove .venv and var/ (database and secrets included)
#
# Variables (set them in the environment or on the command line, e.g. make run PORT=9000):
#   PYTHON       interpreter that creates the virtualenv          (default: python3)
#   VENV         virtualenv directory                             (default: .venv)
#   HOST, PORT   address gunicorn binds to                        (default: 127.0.0.1, 8000)
#   DJANGO_ALLOWED_HOSTS  the names and addresses devices and browsers reach the site by,
#                comma-separated (others get a 400); default: HOST, localhost, 127.0.0.1,
#                [::1]; required when HOST is 0.0.0.0 or :: (make run cannot know them)
#   WORKERS      gunicorn worker processes                        (default: 2)
#   GUNICORN_ARGS  extra gunicorn arguments                       (default: none)
#   PYTEST_ARGS  extra pytest arguments, e.g. -m unit             (default: none)
#   NPM          npm client for the browser libraries             (default: npm); without
#                it the admin falls back to plain JSON text boxes
#   NETJSONCONFIG_VAR_DIR  runtime data: SQLite database, secrets, static files (default: var)
#   NETJSONCONFIG_SHARED_SECRET  registration secret of the devices; when unset, it is
#                generated once into $(NETJSONCONFIG_VAR_DIR)/shared_secret
#   DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_PASSWORD (and DJANGO_SUPERUSER_EMAIL):
#                the administrator, created or updated at every run; when unset and no
#                superuser exists, "admin" is created with a generated password, printed once
#   DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_CSRF_TRUSTED_ORIGINS, DJANGO_HTTPS,
#   DJANGO_SECURE_PROXY_SSL_HEADER, DJANGO_HSTS_SECONDS, DJANGO_HSTS_INCLUDE_SUBDOMAINS,
#   DJANGO_HSTS_PRELOAD, DJANGO_LOGIN_FAILURE_LIMIT, DJANGO_LOGIN_LOCKOUT_SECONDS,
#   DJANGO_LOG_LEVEL, DATABASE_URL, REDIS_URL: read by demo/settings.py, which documents
#                them (the production values: docs/deployment.md)

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
GUNICORN_ARGS ?=
PYTEST_ARGS ?=
NPM ?= npm
NETJSONCONFIG_VAR_DIR ?= var

VAR_DIR := $(abspath $(NETJSONCONFIG_VAR_DIR))
export NETJSONCONFIG_VAR_DIR := $(VAR_DIR)

BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
LINT_PATHS := $(wildcard src tests demo bench)

.PHONY: venv assets run test lint typecheck format clean distclean dist

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# re-install only when pyproject.toml is newer than the stamp
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[site,test]'
	touch $@

# --- browser libraries of the admin -------------------------------------------------
# package.json + package-lock.json pin them; `npm ci` installs exactly those, and the
# files the admin loads are copied where Django's staticfiles finds them. Nothing
# third-party is committed: VENDOR_DIR is gitignored.
VENDOR_DIR := src/django_netjsonconfig/static/django_netjsonconfig/vendor
NPM_STAMP := node_modules/.npm-ci.stamp
VENDOR_FILES := \
	dompurify/dist/purify.js:purify.js \
	dompurify/dist/purify.js.map:purify.js.map \
	dompurify/LICENSE:purify.LICENSE \
	@json-editor/json-editor/dist/jsoneditor.js:jsoneditor.js \
	@json-editor/json-editor/src/style.css:jsoneditor/style.css \
	@json-editor/json-editor/src/themes/html.css:jsoneditor/html.css \
	@json-editor/json-editor/src/editors/array.css:jsoneditor/array.css \
	@json-editor/json-editor/src/editors/object.css:jsoneditor/object.css \
	@json-editor/json-editor/LICENSE:jsoneditor.LICENSE \
	codemirror/lib/codemirror.js:codemirror/codemirror.js \
	codemirror/lib/codemirror.css:codemirror/codemirror.css \
	codemirror/mode/javascript/javascript.js:codemirror/javascript.js \
	codemirror/addon/lint/lint.js:codemirror/lint.js \
	codemirror/addon/lint/lint.css:codemirror/lint.css \
	codemirror/addon/edit/matchbrackets.js:codemirror/matchbrackets.js \
	codemirror/LICENSE:codemirror/LICENSE

$(NPM_STAMP): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

# again when the list above changes
$(VENDOR_DIR)/.copied: $(NPM_STAMP) Makefile
	@for pair in $(VENDOR_FILES); do \
		src="node_modules/$${pair%%:*}"; dst="$(VENDOR_DIR)/$${pair#*:}"; \
		mkdir -p "$$(dirname "$$dst")" && cp "$$src" "$$dst" || exit 1; \
	done
	touch $@

# without npm the admin still works, with plain JSON text boxes instead of the editor
assets:
	@if command -v $(NPM) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(VENDOR_DIR)/.copied; \
	elif [ "$${REQUIRE_SERVICES:-}" = 1 ]; then \
		echo "npm is not installed and REQUIRE_SERVICES=1" >&2; exit 1; \
	else \
		echo "npm is not installed: the admin edits configurations as plain JSON" >&2; \
	fi

# the names the site answers to: DJANGO_ALLOWED_HOSTS, else HOST and the loopback names,
# unless HOST is every address (devices may use any name: make run cannot guess them)
comma := ,
WILDCARD_HOSTS := 0.0.0.0 :: [::]
GIVEN_ALLOWED_HOSTS := $(DJANGO_ALLOWED_HOSTS)
LOOPBACK_HOSTS := localhost$(comma)127.0.0.1$(comma)[::1]
RUN_ALLOWED_HOSTS = $(strip $(or $(GIVEN_ALLOWED_HOSTS),$(if $(filter $(WILDCARD_HOSTS),$(HOST)),,\
	$(if $(filter localhost 127.0.0.1 ::1 [::1],$(HOST)),,$(HOST)$(comma))$(LOOPBACK_HOSTS))))

run: export DJANGO_ALLOWED_HOSTS = $(RUN_ALLOWED_HOSTS)
run: venv assets
	$(if $(RUN_ALLOWED_HOSTS),,$(error HOST=$(HOST) listens on every address: set \
		DJANGO_ALLOWED_HOSTS to the names and addresses devices and browsers use$(comma) \
		e.g. DJANGO_ALLOWED_HOSTS=controller.example.com$(comma)192.0.2.10 (docs/deployment.md)))
	@mkdir -p "$(VAR_DIR)"
	@if [ -z "$${NETJSONCONFIG_SHARED_SECRET:-}" ]; then \
		if [ ! -s "$(VAR_DIR)/shared_secret" ]; then \
			( umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(24))' \
				> "$(VAR_DIR)/shared_secret" ); \
		fi; \
		echo "Shared secret for device registration ($(VAR_DIR)/shared_secret):"; \
		echo "    $$(cat "$(VAR_DIR)/shared_secret")"; \
	else \
		echo "Shared secret for device registration: from NETJSONCONFIG_SHARED_SECRET"; \
	fi
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) netjsonconfig_bootstrap --demo
	@echo "Serving on http://$(HOST):$(PORT)/admin/"
	@echo "Answering to the host names $(RUN_ALLOWED_HOSTS) (DJANGO_ALLOWED_HOSTS)"
	exec $(BIN)/gunicorn -c demo/gunicorn_conf.py demo.wsgi --bind '$(HOST):$(PORT)' \
		--workers $(WORKERS) --access-logfile - --error-logfile - $(GUNICORN_ARGS)

lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

# the settings module is the one the django-stubs plugin loads ([tool.django-stubs])
typecheck: venv
	MYPYPATH=src $(BIN)/mypy

# the suites that also run against the sample extension app and on PostgreSQL
# (by topic, the file name's prefix, in whichever folder of tests/ they live: tests/README.md)
EXTENSION_TESTS = $(wildcard $(foreach topic,controller_ signal_ agent_sequence admin_ notifications_ api_ \
	extension_ vpn_ pki_,tests/*/test_$(topic)*.py))
POSTGRES_TESTS = $(wildcard $(foreach topic,controller_ signal_ agent_sequence config_ connection_ notifications_ \
	vpn_,tests/*/test_$(topic)*.py))
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/netjsonconfig_tests

test: lint typecheck assets
	$(BIN)/pytest $(PYTEST_ARGS)
	$(BIN)/pytest -p no:cacheprovider --ds=tests.sample_extension.settings \
		$(EXTENSION_TESTS) $(PYTEST_ARGS)
	@if $(BIN)/python -m tests.services postgres; then \
		echo "PostgreSQL suites:"; \
		TEST_DATABASE_URL='$(POSTGRES_TEST_URL)' $(BIN)/pytest -p no:cacheprovider \
			$(POSTGRES_TESTS) $(PYTEST_ARGS); \
	elif [ "$${REQUIRE_SERVICES:-}" = 1 ]; then \
		echo "PostgreSQL is not reachable and REQUIRE_SERVICES=1" >&2; exit 1; \
	else \
		echo "PostgreSQL suites skipped: PostgreSQL is not reachable"; \
	fi

# --- packages -----------------------------------------------------------------------
# The browser libraries are gitignored but packaged (package-data static/**/*): copy
# them first, and refuse to build without them. `python -m build` makes the sdist, then
# the wheel from it.
dist: venv
	@command -v $(NPM) >/dev/null 2>&1 || { \
		echo "make dist needs npm: the package must carry the editor's browser libraries" >&2; \
		exit 1; }
	@$(MAKE) --no-print-directory $(VENDOR_DIR)/.copied
	rm -rf dist build
	$(BIN)/python -m build --outdir dist .
	@for pkg in dist/*.whl dist/*.tar.gz; do \
		$(BIN)/python -c 'import sys, tarfile, zipfile; p = sys.argv[1]; \
			names = zipfile.ZipFile(p).namelist() if p.endswith(".whl") else tarfile.open(p).getnames(); \
			sys.exit(0 if any(n.endswith("/vendor/jsoneditor.js") for n in names) else \
				f"{p} has no vendor/jsoneditor.js")' "$$pkg" || exit 1; \
	done
	@ls dist

format: venv
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

clean:
	find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o \
		\( -name __pycache__ -o -name '*.egg-info' \) -type d -print0 | xargs -0 rm -rf
	rm -rf .pytest_cache .ruff_cache .mypy_cache artifacts build dist "$(VAR_DIR)/static"

distclean: clean
	rm -rf $(VENV) "$(VAR_DIR)" node_modules $(VENDOR_DIR)
