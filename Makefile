# The two commands of README.md:
#   make setup && .venv/bin/ansible-playbook site.yml -K   provision the inventory's workstations
#   make test                                              everything CI runs
PYTHON ?= python3
VENV ?= .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup prereqs images lint sanity release-check ee lock unit molecule test benchmark docs clean

setup:
	PYTHON=$(PYTHON) VENV=$(VENV) scripts/setup.sh

# Docker engine, debootstrap, rsync (installed and started when run as root on Debian).
prereqs:
	scripts/test-prereqs.sh

# The local molecule images (rebuilt only when their recipe changed) and the XFS file system
# molecule/dvc bind-mounts (made and mounted once).
images: prereqs
	tests/images/build.sh
	tests/images/xfs.sh

lint: setup
	scripts/test.sh lint

# ansible-test sanity on the collection (its environments in .cache/sanity).
sanity: setup
	scripts/test.sh sanity

# The collection builds and the changelog lints (scripts/release-check.sh), and the execution
# environment's build context is written (scripts/ee.sh, to .cache/ee).
release-check: setup
	scripts/test.sh release

# Only the execution environment's build context, for ansible-builder build.
ee: setup
	scripts/ee.sh

# Lock the image's Python packages (hashes, for its Python 3.9): make lock IN=image.in [OUT=image.lock]
lock: setup
	scripts/lock.sh $(IN) $(OUT)

unit: setup
	scripts/test.sh unit

# One scenario: make molecule SCENARIO=docker
molecule: setup images
	scripts/test.sh molecule $(SCENARIO)

test: setup images
	scripts/test.sh all

benchmark: setup images
	scripts/benchmark.sh

# Regenerate the variable tables of the roles' READMEs from their argument specs.
docs: setup
	$(VENV)/bin/python scripts/role_docs.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
