#!/usr/bin/env bash
# Installs the database servers that the tests start on their own
# (internal/testdb): PostgreSQL 15 and MariaDB; and Chromium, in which
# phiscan's test opens the HTML report headless. Idempotent: when all are
# present it changes nothing. It never starts the distribution's services;
# the tests run their own throwaway servers.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin

log() { echo "test-deps: $*"; }
die() { echo "test-deps: $*" >&2; exit 1; }

have_pg() { [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/postgres" ]; }
have_mariadb() {
	command -v mariadbd >/dev/null 2>&1 && command -v mariadb-install-db >/dev/null 2>&1
}

have_chromium() {
	[ -n "${PHICRYPT_TEST_CHROMIUM:-}" ] && [ -x "$PHICRYPT_TEST_CHROMIUM" ] && return 0
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
		command -v google-chrome >/dev/null 2>&1 || command -v google-chrome-stable >/dev/null 2>&1
}

missing=()
have_pg || missing+=(postgresql-15)
have_mariadb || missing+=(mariadb-server)
# Debian names the package chromium; Ubuntu's chromium-browser is a snap
# wrapper that does not run in containers, so chromium is asked for.
have_chromium || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
	log "PostgreSQL 15, MariaDB and Chromium already installed; nothing to do"
	exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
	die "missing ${missing[*]} and apt-get is not available: install them by hand, or set PHICRYPT_TEST_POSTGRES_DSN / PHICRYPT_TEST_MYSQL_DSN"
[ "$(id -u)" -eq 0 ] ||
	die "missing ${missing[*]}: installing needs root (run as root, or install them and re-run)"

export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the packages' postinst from starting their services: they
# would fail in a container anyway and the tests do not need them. It is only
# put in place for this install and only if none exists already.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi
cleanup() { if [ -n "$own_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

log "installing ${missing[*]} (apt-get update first)"
apt-get update -q || die "apt-get update failed"
# A failing service start in a postinst makes apt exit non-zero although the
# files are in place; the binary checks below decide whether that matters.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	log "apt-get install reported an error; checking whether the binaries are there anyway"
fi

have_pg || die "PostgreSQL 15 server binaries still missing in $PG_BIN after installing postgresql-15"
have_mariadb || die "mariadbd / mariadb-install-db still missing after installing mariadb-server"
have_chromium || die "chromium still missing after installing it (or set PHICRYPT_TEST_CHROMIUM to a Chromium binary)"
log "installed ${missing[*]}"
