# ngx_egov_module
#
#   make            build build/ngx_http_egov_module.so for Debian's nginx
#   make run        start the demo portal on http://127.0.0.1:8080
#   make test       run the whole test suite (SANITIZE=1: under ASan+UBSan;
#                   HUP=1: each nginx reloaded, a reload failed, workers
#                   respawned before its requests)
#   make bench      compare with plain nginx (wrk, one interleaved run;
#                   SCENARIOS="all-on-root-vs-same-bytes memory ...")
#   make mutate     every mutation of tools/mutations.txt must fail a test
#   make fuzz-corpus fuzz each target (FUZZ_SECONDS, default 30) and merge
#                   what adds coverage into fuzz/corpus/ (then commit it)
#   make deps       install missing Debian packages
#   make install    the module, its load snippet and egovctl (DESTDIR=)
#   make deb        build/libnginx-mod-http-egov_VERSION_ARCH.deb, built
#                   by dpkg-buildpackage from debian/ (lintian-clean)
#
# NGINX_SRC=/path/to/nginx builds against another nginx source tree.

NGINX_SRC ?= /usr/share/nginx/src
NGINX_BIN ?= /usr/sbin/nginx
BUILD     ?= build
SANITIZE  ?=
HUP       ?=
PROVE_JOBS ?= 2
TESTS     ?= t/

MODULE    := $(BUILD)/ngx_http_egov_module.so
EGOVCTL   := $(BUILD)/egovctl
VERSION   := $(shell sed -n 's/^\#define NGX_HTTP_EGOV_VERSION *"\(.*\)"/\1/p' \
                 ngx_egov_module/ngx_http_egov_module.h)
EGOVCTL_SRCS := tools/egovctl/egovctl.c ngx_egov_module/ngx_egov_json.c \
                ngx_egov_module/ngx_egov_cidr.c
SAN_DIR   := $(BUILD)/sanitized
SAN_NGINX := $(SAN_DIR)/sbin/nginx
SOURCES   := config $(wildcard ngx_egov_module/*.c ngx_egov_module/*.h \
                              ngx_egov_module/banner/*)

# the module's build dir depends on the tree it is built against
MODULE_DIR := $(BUILD)/nginx-$(subst /,_,$(patsubst /%,%,$(NGINX_SRC)))

ifeq ($(SANITIZE),1)
TEST_NGINX  := $(SAN_NGINX)
TEST_MODULE :=
TEST_DEPS   := $(SAN_NGINX)
else
TEST_NGINX  := $(NGINX_BIN)
TEST_MODULE := $(abspath $(MODULE))
TEST_DEPS   := $(MODULE)
endif

.PHONY: all module egovctl deps deps-test run test bench clean install deb fuzz-corpus \
        mutate

all: module egovctl

module: $(MODULE)

egovctl: $(EGOVCTL)

$(EGOVCTL): $(EGOVCTL_SRCS) ngx_egov_module/ngx_egov_json.h \
            ngx_egov_module/ngx_egov_cidr.h ngx_egov_module/ngx_http_egov_module.h \
            | deps
	@mkdir -p $(BUILD)
	$(CC) -O2 -g $(CFLAGS) $(CPPFLAGS) -Wall -Wextra -Werror \
	    -DEGOVCTL_VERSION='"$(VERSION)"' \
	    -Ingx_egov_module $(EGOVCTL_SRCS) -o $@ $(LDFLAGS) -lssl -lcrypto

# NO_DEPS=1: the packages are there (a package build, which must not call
# apt-get)
deps:
	@[ -n "$(NO_DEPS)" ] || tools/deps.sh build

deps-test:
	@tools/deps.sh build test

$(MODULE): $(SOURCES) tools/build-module.sh | deps
	tools/build-module.sh $(NGINX_SRC) $(MODULE_DIR) $@

$(SAN_NGINX): $(SOURCES) tools/build-sanitized-nginx.sh | deps
	tools/build-sanitized-nginx.sh $(SAN_DIR)

run: $(MODULE)
	tools/run-demo.sh $(NGINX_BIN) $(abspath $(MODULE))

# Tests that take whole CPUs for a while (t/83 builds the package with
# dpkg-buildpackage, runs lintian and dpkg): run alone after the others,
# so that the timing of the fleet tests is not theirs to disturb
SOLO_TESTS := t/83-package.t

test: deps-test $(TEST_DEPS) $(EGOVCTL)
	@tools/test-setup.sh
	@if [ "$(TESTS)" = t/ ]; then \
	    tests=$$(ls t/*.t | grep -v -x -F '$(SOLO_TESTS)'); \
	    solo='$(SOLO_TESTS)'; \
	else \
	    tests='$(TESTS)'; solo=; \
	fi; \
	export EGOV_NGINX=$(abspath $(TEST_NGINX)) EGOV_MODULE=$(TEST_MODULE) \
	    EGOVCTL=$(abspath $(EGOVCTL)) EGOV_SANITIZE=$(SANITIZE) \
	    EGOV_HUP=$(HUP); \
	echo "prove -j$(PROVE_JOBS) -r $$tests"; \
	prove -j$(PROVE_JOBS) -r $$tests || exit 1; \
	if [ -n "$$solo" ]; then echo "prove $$solo"; prove $$solo; fi

DESTDIR  ?=
DOCDIR   := /usr/share/doc/libnginx-mod-http-egov

# where Debian's nginx packages put modules and their load snippets
install: $(MODULE) $(EGOVCTL)
	install -D -m 644 $(MODULE) \
	    $(DESTDIR)/usr/lib/nginx/modules/ngx_http_egov_module.so
	install -D -m 644 packaging/mod-http-egov.conf \
	    $(DESTDIR)/usr/share/nginx/modules-available/mod-http-egov.conf
	install -D -m 755 $(EGOVCTL) $(DESTDIR)/usr/bin/egovctl
	install -d $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	cp -R conf.examples/. $(DESTDIR)$(DOCDIR)/examples/
	install -D -m 644 man/egovctl.1 $(DESTDIR)/usr/share/man/man1/egovctl.1
	install -D -m 644 tools/egovctl/egovctl.bash \
	    $(DESTDIR)/usr/share/bash-completion/completions/egovctl

# the Debian way: dpkg-buildpackage with debian/ (see tools/make-deb.sh)
deb:
	@tools/deps.sh build package
	tools/make-deb.sh $(BUILD)

# each mutation of tools/mutations.txt built and run against its tests;
# every one must be killed (not in .ci/run: about 20 minutes)
mutate: deps-test $(MODULE) $(EGOVCTL)
	@tools/test-setup.sh
	tools/mutate.pl $(MUTATIONS)

FUZZ_SECONDS ?= 30

fuzz-corpus: deps-test
	EGOV_FUZZ_SECONDS=$(FUZZ_SECONDS) EGOV_FUZZ_MERGE=1 prove -v t/21-fuzz.t

bench: $(MODULE)
	@tools/deps.sh bench
	bench/run.sh $(NGINX_BIN) $(abspath $(MODULE)) $(SCENARIOS)

clean:
	rm -rf $(BUILD)
