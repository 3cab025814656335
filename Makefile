# The two set-up commands of the README: `make run` and `make test`. Both install what they
# need (Debian packages, the .venv) through tools/bootstrap.sh, idempotently.
SHELL := /bin/bash
VENV ?= $(CURDIR)/.venv
BUILD ?= $(CURDIR)/build
EXAMPLE ?= $(BUILD)/example
REPOS ?= $(BUILD)/repos
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(VENV)/bin:$(PATH)

EXAMPLE_VARS = -e packaging_upstream_path=$(EXAMPLE)/upstream \
	-e packaging_build_dir=$(BUILD)/work \
	-e packaging_repo_dir=$(REPOS) \
	-e zuul_output_dir=$(BUILD)/output

.PHONY: deps run run-deb run-rpm test bench clean

deps:
	@tools/bootstrap.sh

run: deps
	examples/make-repos.sh $(EXAMPLE)
	ansible-playbook playbooks/build-deb.yaml $(EXAMPLE_VARS) \
		-e packaging_distgit_url=$(EXAMPLE)/distgit-deb -e @examples/greeter/deb.yaml
	ansible-playbook playbooks/build-rpm.yaml $(EXAMPLE_VARS) \
		-e packaging_distgit_url=$(EXAMPLE)/distgit-rpm -e @examples/greeter/rpm.yaml
	ansible-playbook playbooks/parity.yaml $(EXAMPLE_VARS) \
		-e packaging_parity_deb_repo=$(REPOS)/deb/bookworm/current \
		-e packaging_parity_rpm_repo=$(REPOS)/rpm/centos-stream-9-x86_64/current \
		-e packaging_drift_rpm_distgit=$(EXAMPLE)/distgit-rpm \
		-e packaging_drift_deb_distgit=$(EXAMPLE)/distgit-deb
	@echo
	@echo "deb repository: $(REPOS)/deb/bookworm/current"
	@echo "add it as an apt source with this line in /etc/apt/sources.list.d/greeter.list:"
	@echo "  deb [trusted=yes] file://$(REPOS)/deb/bookworm/current bookworm main"
	@echo "rpm repository: $(REPOS)/rpm/centos-stream-9-x86_64/current"
	@echo "use it with a .repo file holding baseurl=file://$(REPOS)/rpm/centos-stream-9-x86_64/current"

test: deps
	tools/run-tests.sh

# The benchmark (not a test): ratios measured in one run, written to build/bench/bench.json.
bench: deps
	python bench/run.py

clean:
	rm -rf $(BUILD)
