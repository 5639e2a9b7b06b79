# Berth. `make build` needs npm packages (npm ci), gcc and libseccomp-dev (berth-shim links
# glibc and libseccomp statically), and installs no Debian package itself; `make test`, `make demo` and
# `make bench` install the Debian packages they use (as root) first, these among them.
PREFIX ?= /usr/local
CNI_BIN_DIR ?= /opt/cni/bin
LIBDIR ?= $(PREFIX)/lib/berth
SYSTEMD_DIR ?= /lib/systemd/system
# Debian packages the tests and the demo use (busybox-static for its httpd in containers); the
# benchmarks and the podman, docker and containerd tests add their own (ensurePackages).
APT_PACKAGES ?= iproute2 nftables conntrack procps util-linux iputils-ping netcat-openbsd busybox-static gcc libc6-dev libseccomp-dev tini

.PHONY: all deps packages build test unit integration demo bench install uninstall clean typecheck lint format

all: build

deps: node_modules/.berth-installed

packages:
	@scripts/ensure-packages.sh $(APT_PACKAGES)

node_modules/.berth-installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build: deps
	node scripts/build.mjs

typecheck: deps
	node scripts/build.mjs schemas
	npx tsc --noEmit

# The layering and purity rules (eslint.config.mjs) and the format (Prettier); make test runs both.
lint: deps
	npx eslint .
	npx prettier --check '**/*.{ts,mjs,cjs}'

format: deps
	npx prettier --write '**/*.{ts,mjs,cjs}'

test: packages build
	npx tsc --noEmit
	npx eslint .
	npx prettier --check '**/*.{ts,mjs,cjs}'
	node scripts/test.mjs test/unit test/integration

unit: packages build
	node scripts/test.mjs test/unit

integration: packages build
	node scripts/test.mjs test/integration

demo: packages build
	node --import tsx scripts/demo.ts

bench: packages build
	node --import tsx bench/main.ts

# The compiled plugins carry Bun inside them: the installed copy gets the run-time npm packages
# only (no dev ones, no optional @oven/bun-linux-x64, 100 MB that nothing there runs).
install: build
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(CNI_BIN_DIR) $(DESTDIR)$(PREFIX)/bin
	rm -rf $(DESTDIR)$(LIBDIR)/dist $(DESTDIR)$(LIBDIR)/node_modules
	cp -a dist package.json package-lock.json $(DESTDIR)$(LIBDIR)/
	rm -rf $(DESTDIR)$(LIBDIR)/dist/cache
	cd $(DESTDIR)$(LIBDIR) && npm ci --omit=dev --omit=optional --no-audit --no-fund --loglevel=error $(INSTALL_NPM_FLAGS)
	for b in $$(ls dist/bin); do \
	  case $$b in netctl|berth|berth-volumed) ln -sf $(LIBDIR)/dist/bin/$$b $(DESTDIR)$(PREFIX)/bin/$$b ;; \
	  *) ln -sf $(LIBDIR)/dist/bin/$$b $(DESTDIR)$(CNI_BIN_DIR)/$$b ;; esac; done
	install -d $(DESTDIR)$(SYSTEMD_DIR)
	for u in contrib/berth-volumed.service contrib/berth-volumed.socket contrib/berth-boot.service; do \
	  sed 's|@BINDIR@|$(PREFIX)/bin|g' $$u > $(DESTDIR)$(SYSTEMD_DIR)/$$(basename $$u); chmod 644 $(DESTDIR)$(SYSTEMD_DIR)/$$(basename $$u); done

# Removes what install wrote. A link is removed only while it points into $(LIBDIR): a reference
# plugin of the same name installed since stays. Volumes, leases and configs are data: they stay.
uninstall:
	for l in $(DESTDIR)$(PREFIX)/bin/netctl $(DESTDIR)$(PREFIX)/bin/berth $(DESTDIR)$(PREFIX)/bin/berth-volumed \
	  $(DESTDIR)$(CNI_BIN_DIR)/bridge $(DESTDIR)$(CNI_BIN_DIR)/host-local $(DESTDIR)$(CNI_BIN_DIR)/loopback $(DESTDIR)$(CNI_BIN_DIR)/portmap \
	  $(DESTDIR)$(CNI_BIN_DIR)/dnsname; do \
	  case "$$(readlink "$$l")" in $(LIBDIR)/dist/bin/*) rm -f "$$l" ;; esac; done
	rm -f $(DESTDIR)$(SYSTEMD_DIR)/berth-volumed.service $(DESTDIR)$(SYSTEMD_DIR)/berth-volumed.socket $(DESTDIR)$(SYSTEMD_DIR)/berth-boot.service
	rm -rf $(DESTDIR)$(LIBDIR)

clean:
	rm -rf dist gen node_modules
