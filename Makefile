# Berth. `make demo` and `make test` install what is missing (Debian packages as root, npm ci) first.
PREFIX ?= /usr/local
CNI_BIN_DIR ?= /opt/cni/bin
LIBDIR ?= $(PREFIX)/lib/berth
SYSTEMD_DIR ?= /lib/systemd/system
# Debian packages the tests and the demo use (busybox-static for its httpd in containers); the
# benchmark adds its own (scripts/bench.mjs), the podman and docker tests theirs.
APT_PACKAGES ?= iproute2 nftables conntrack procps util-linux iputils-ping netcat-openbsd busybox-static gcc libc6-dev tini

.PHONY: all deps build test unit integration demo bench install uninstall clean typecheck lint

all: build

deps: node_modules/.berth-installed
	@scripts/ensure-packages.sh $(APT_PACKAGES)

node_modules/.berth-installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build: deps
	node scripts/build.mjs

typecheck: deps
	node scripts/build.mjs schemas
	npx tsc --noEmit

# The layering and purity rules (eslint.config.mjs); make test runs it too.
lint: deps
	npx eslint .

test: build
	npx tsc --noEmit
	npx eslint .
	node scripts/test.mjs test/unit test/integration

unit: build
	node scripts/test.mjs test/unit

integration: build
	node scripts/test.mjs test/integration

demo: build
	node --import tsx scripts/demo.ts

bench: build
	node --import tsx bench/main.ts

install: build
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(CNI_BIN_DIR) $(DESTDIR)$(PREFIX)/bin
	rm -rf $(DESTDIR)$(LIBDIR)/dist $(DESTDIR)$(LIBDIR)/node_modules
	cp -a dist package.json package-lock.json $(DESTDIR)$(LIBDIR)/
	rm -rf $(DESTDIR)$(LIBDIR)/dist/cache
	cd $(DESTDIR)$(LIBDIR) && npm ci --omit=dev --no-audit --no-fund --loglevel=error
	for b in $$(ls dist/bin); do \
	  case $$b in netctl|berth|berth-volumed) ln -sf $(LIBDIR)/dist/bin/$$b $(DESTDIR)$(PREFIX)/bin/$$b ;; \
	  *) ln -sf $(LIBDIR)/dist/bin/$$b $(DESTDIR)$(CNI_BIN_DIR)/$$b ;; esac; done
	install -d $(DESTDIR)$(SYSTEMD_DIR)
	for u in contrib/berth-volumed.service contrib/berth-volumed.socket contrib/berth-boot.service; do \
	  sed 's|@BINDIR@|$(PREFIX)/bin|g' $$u > $(DESTDIR)$(SYSTEMD_DIR)/$$(basename $$u); chmod 644 $(DESTDIR)$(SYSTEMD_DIR)/$$(basename $$u); done

clean:
	rm -rf dist gen node_modules
